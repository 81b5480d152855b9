import { WRITING_OPTIONS, type CommandIo } from "../cli/common.ts";
import { prepareRun, signIn } from "../cli/writing-command.ts";
import { UsageError } from "../azure/errors.ts";
import { createGraphApi } from "../azure/graph-client.ts";
import { runReconcile } from "../plan/run-command.ts";
import type { RetryPolicy } from "../registration/consistency.ts";
import { updateManifestSpec } from "../registration/reconcile.ts";

export const updateManifestCli = {
  name: "update-manifest",
  summary:
    "Reconcile the Entra app registration of every selected app with the config: application (token version, identifier URIs,\n" +
    "scopes and app roles by value, required resource access, pre-authorized clients), service principal and admin consent.\n" +
    "Plan, confirm, apply through Microsoft Graph, verify. Never deletes applications or service principals.",
  options: { ...WRITING_OPTIONS },
  examples: [
    "tsx scripts/update-manifest.ts --config config/fleet.yaml --dry-run",
    "tsx scripts/update-manifest.ts --config config/fleet.yaml --app 'func-*' --plan-out manifest.plan.json",
    "tsx scripts/update-manifest.ts --config config/fleet.yaml --plan manifest.plan.json",
    "tsx scripts/update-manifest.ts --config config/fleet.yaml --yes --json --auth workload-identity",
  ],
} as const;

export interface UpdateManifestOverrides {
  /** Ids for new scopes and roles (tests). */
  ids?: () => string;
  /** Eventual-consistency back-off (tests shorten it). */
  retry?: RetryPolicy;
}

/** update-manifest from argv to exit code (the script only adds the process). */
export async function updateManifestCommand(argv: string[], io: CommandIo, overrides: UpdateManifestOverrides = {}): Promise<number> {
  const run = prepareRun(updateManifestCli, argv, io, (flags) => {
    if (flags.slot) throw new UsageError("--slot does not apply to update-manifest: an app and all its slots share one registration.", { fix: "Drop --slot (select apps with --app)." });
  });
  if (!run) return 0;
  const { flags, config, options } = run;
  const apps = run.apps.filter((a) => a.registration);
  if (apps.length === 0) io.stderr.write(`warning: no selected app has a registration block in ${config.file}; nothing to do\n`);
  // Registrations live in the tenant, not in a subscription.
  const { session, header } = await signIn(updateManifestCli, flags, io, [], "graph");
  const graph = createGraphApi({ credential: session.credential, endpoints: session.endpoints });
  const spec = updateManifestSpec(apps, { graph, concurrency: options.concurrency, ids: overrides.ids, retry: overrides.retry, log: (l) => io.stderr.write(`${l}\n`) }, header);
  return runReconcile(spec, options);
}
