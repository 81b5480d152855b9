import { UsageError } from "../errors.ts";
import { registrationKind } from "../resources/registration/index.ts";
import { defineCommand } from "./run-kinds.ts";

export const updateManifestCommand = defineCommand({
  name: "update-manifest",
  summary:
    "Reconcile the Entra app registration of every selected app with the config: application (token version, identifier URIs,\n" +
    "scopes and app roles by value, required resource access, pre-authorized clients), service principal and admin consent.\n" +
    "Plan, confirm, apply through Microsoft Graph, verify. Never deletes applications or service principals.",
  kinds: [registrationKind],
  examples: [
    "--dry-run",
    "--app 'func-*' --plan-out manifest.plan.json",
    "--plan manifest.plan.json",
    "--yes --json --auth workload-identity",
  ],
  checkFlags(flags) {
    if (flags.slot) {
      throw new UsageError(
        "--slot does not apply to update-manifest: an app and all its slots share one registration.",
        {
          fix: "Drop --slot (select apps with --app).",
        },
      );
    }
  },
});
