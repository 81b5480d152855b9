import type { CommandIo } from "../cli/common.ts";
import { KINDS } from "../resources/index.ts";
import { commandCli, runKindsCommand, type KindsCommand, type RunOverrides } from "./run-kinds.ts";

const command: KindsCommand = {
  name: "apply",
  summary:
    "Reconcile every kind the config names, in dependency order (registration → Easy Auth → site hardening → keys):\n" +
    "one plan rendered together, one confirmation, one summary.",
  kinds: KINDS,
  examples: [
    "npx tsx scripts/apply.ts --config config/fleet.yaml --dry-run --detailed-exitcode",
    "npx tsx scripts/apply.ts --config config/fleet.yaml --plan-out fleet.plan.json",
    "npx tsx scripts/apply.ts --config config/fleet.yaml --plan fleet.plan.json",
    "npx tsx scripts/apply.ts --config config/fleet.yaml --yes --json --auth workload-identity",
  ],
};

export const applyCli = commandCli(command);

/** apply from argv to exit code (the script only adds the process). */
export const applyCommand = (argv: string[], io: CommandIo, overrides: RunOverrides = {}): Promise<number> =>
  runKindsCommand(command, argv, io, overrides);
