import { authKind } from "../resources/auth/index.ts";
import { defineCommand } from "./run-kinds.ts";

export const configureAuthCommand = defineCommand({
  name: "configure-auth",
  summary:
    "Reconcile Easy Auth (authsettingsV2) of every selected app and slot with the config: plan, confirm, apply, verify.",
  kinds: [authKind],
  examples: [
    "--dry-run",
    "--app 'func-*' --plan-out auth.plan.json",
    "--plan auth.plan.json",
    "--yes --json --auth workload-identity",
  ],
});
