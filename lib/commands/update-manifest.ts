import type { CommandIo } from "../cli/common.ts";
import { UsageError } from "../errors.ts";
import { registrationKind } from "../resources/registration/index.ts";
import { commandCli, runKindsCommand, type KindsCommand, type RunOverrides } from "./run-kinds.ts";

const command: KindsCommand = {
  name: "update-manifest",
  summary:
    "Reconcile the Entra app registration of every selected app with the config: application (token version, identifier URIs,\n" +
    "scopes and app roles by value, required resource access, pre-authorized clients), service principal and admin consent.\n" +
    "Plan, confirm, apply through Microsoft Graph, verify. Never deletes applications or service principals.",
  kinds: [registrationKind],
  examples: [
    "npx tsx scripts/update-manifest.ts --config config/fleet.yaml --dry-run",
    "npx tsx scripts/update-manifest.ts --config config/fleet.yaml --app 'func-*' --plan-out manifest.plan.json",
    "npx tsx scripts/update-manifest.ts --config config/fleet.yaml --plan manifest.plan.json",
    "npx tsx scripts/update-manifest.ts --config config/fleet.yaml --yes --json --auth workload-identity",
  ],
  checkFlags(flags) {
    if (flags.slot)
      throw new UsageError(
        "--slot does not apply to update-manifest: an app and all its slots share one registration.",
        { fix: "Drop --slot (select apps with --app)." },
      );
  },
};

export const updateManifestCli = commandCli(command);

/** update-manifest from argv to exit code (the script only adds the process). */
export const updateManifestCommand = (argv: string[], io: CommandIo, overrides: RunOverrides = {}): Promise<number> =>
  runKindsCommand(command, argv, io, overrides);
