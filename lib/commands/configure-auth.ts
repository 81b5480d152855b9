import type { CommandIo } from "../cli/common.ts";
import { authKind } from "../resources/auth/index.ts";
import { commandCli, runKindsCommand, type KindsCommand } from "./run-kinds.ts";

const command: KindsCommand = {
  name: "configure-auth",
  summary:
    "Reconcile Easy Auth (authsettingsV2) of every selected app and slot with the config: plan, confirm, apply, verify.",
  kinds: [authKind],
  examples: [
    "npx tsx scripts/configure-auth.ts --config config/fleet.yaml --dry-run",
    "npx tsx scripts/configure-auth.ts --config config/fleet.yaml --app 'func-*' --plan-out auth.plan.json",
    "npx tsx scripts/configure-auth.ts --config config/fleet.yaml --plan auth.plan.json",
    "npx tsx scripts/configure-auth.ts --config config/fleet.yaml --yes --json --auth workload-identity",
  ],
};

export const configureAuthCli = commandCli(command);

/** configure-auth from argv to exit code (the script only adds the process). */
export const configureAuthCommand = (argv: string[], io: CommandIo): Promise<number> =>
  runKindsCommand(command, argv, io);
