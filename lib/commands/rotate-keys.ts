import type { CommandIo } from "../cli/common.ts";
import { keysKind } from "../resources/keys/index.ts";
import { commandCli, runKindsCommand, type KindsCommand, type RunOverrides } from "./run-kinds.ts";

const command: KindsCommand = {
  name: "rotate-keys",
  summary:
    "Rotate function and host keys with an overlap window: create a new key (server-generated value), publish it to Key Vault,\n" +
    "verify it, and delete older keys once the grace period has passed. State is read from Azure on every run.",
  kinds: [keysKind],
  examples: [
    "npx tsx scripts/rotate-keys.ts --config config/fleet.yaml --dry-run",
    "npx tsx scripts/rotate-keys.ts --config config/fleet.yaml --yes --json --auth workload-identity",
    "npx tsx scripts/rotate-keys.ts --config config/fleet.yaml --app func-greeting --force",
    "npx tsx scripts/rotate-keys.ts --config config/fleet.yaml --revoke apim-20261123t0830z --yes",
  ],
};

export const rotateKeysCli = commandCli(command);

/** rotate-keys from argv to exit code (the script only adds the process). */
export const rotateKeysCommand = (argv: string[], io: CommandIo, overrides: RunOverrides = {}): Promise<number> =>
  runKindsCommand(command, argv, io, overrides);
