import { UsageError } from "../errors.ts";
import { clientSecretKind } from "../resources/client-secret/index.ts";
import { keysKind } from "../resources/keys/index.ts";
import { runKindsCommand, type Command, type KindsCommand } from "./run-kinds.ts";

const ONLY = { keys: [keysKind], "client-secrets": [clientSecretKind] } as const;

const base: KindsCommand = {
  name: "rotate-keys",
  summary:
    "Rotate function and host keys and the Easy Auth client secret with an overlap window: make a new credential,\n" +
    "publish it to Key Vault, verify it, and remove older ones once the grace period has passed. State is read from\n" +
    "Azure on every run. --only keys|client-secrets narrows the run to one of the two (docs/rotate-keys.md,\n" +
    "docs/client-secrets.md).",
  kinds: [keysKind, clientSecretKind],
  examples: [
    "--dry-run",
    "--yes --json --auth workload-identity",
    "--app func-greeting --force",
    "--revoke apim-20261123t0830z --yes",
    "--only client-secrets --migrate-secret-setting --dry-run",
  ],
};

/** `--only keys|client-secrets` (either `--only x` or `--only=x`), taken out of argv before the command's own parse. */
function takeOnly(argv: string[]): { kinds: KindsCommand["kinds"]; rest: string[] } {
  const rest: string[] = [];
  let only: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === "--only" || a.startsWith("--only=")) {
      only = a === "--only" ? argv[++i] : a.slice("--only=".length);
      if (!only || !(only in ONLY))
        throw new UsageError(`--only '${only ?? ""}' is not one of: ${Object.keys(ONLY).join(", ")}.`, {
          fix: "Use --only keys (function and host keys) or --only client-secrets (the Easy Auth client secret).",
        });
      continue;
    }
    rest.push(a);
  }
  return { kinds: only ? ONLY[only as keyof typeof ONLY] : base.kinds, rest };
}

export const rotateKeysCommand: Command = async (argv, io, overrides) => {
  const { kinds, rest } = takeOnly(argv);
  return runKindsCommand({ ...base, kinds }, rest, io, overrides);
};
