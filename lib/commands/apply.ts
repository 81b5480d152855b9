import { KINDS } from "../resources/index.ts";
import { defineCommand } from "./run-kinds.ts";

export const applyCommand = defineCommand({
  name: "apply",
  summary:
    "Reconcile every kind the config names, in dependency order (registration → Easy Auth → its client secret →\n" +
    "site hardening → keys):\n" +
    "one plan rendered together, one confirmation, one summary.",
  kinds: KINDS,
  examples: [
    "--dry-run --detailed-exitcode",
    "--plan-out fleet.plan.json",
    "--plan fleet.plan.json",
    "--yes --json --auth workload-identity",
  ],
});
