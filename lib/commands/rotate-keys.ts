import { keysKind } from "../resources/keys/index.ts";
import { defineCommand } from "./run-kinds.ts";

export const rotateKeysCommand = defineCommand({
  name: "rotate-keys",
  summary:
    "Rotate function and host keys with an overlap window: create a new key (server-generated value), publish it to Key Vault,\n" +
    "verify it, and delete older keys once the grace period has passed. State is read from Azure on every run.",
  kinds: [keysKind],
  examples: [
    "--dry-run",
    "--yes --json --auth workload-identity",
    "--app func-greeting --force",
    "--revoke apim-20261123t0830z --yes",
  ],
});
