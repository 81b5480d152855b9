import { WRITING_OPTIONS, type CommandIo } from "../cli/common.ts";
import { prepareRun, signIn } from "../cli/writing-command.ts";
import { configureAuthSpec } from "../auth/configure.ts";
import { runReconcile } from "../plan/run-command.ts";
import { registrationResolver } from "../registration/resolve-facts.ts";

export const configureAuthCli = {
  name: "configure-auth",
  summary: "Reconcile Easy Auth (authsettingsV2) of every selected app and slot with the config: plan, confirm, apply, verify.",
  options: {
    ...WRITING_OPTIONS,
    "migrate-v1": { type: "boolean", description: "Allow writing to apps still on V1 auth (migrates them; irreversible)" },
    "check-app-settings": { type: "boolean", description: "Also check the client-secret app setting exists (one extra POST per target asking for resource scopes)" },
    "backup-dir": { type: "string", valueName: "dir", description: "Where the document is saved before each PUT", default: ".backups/configure-auth" },
  },
  examples: [
    "tsx scripts/configure-auth.ts --config config/fleet.yaml --dry-run",
    "tsx scripts/configure-auth.ts --config config/fleet.yaml --app 'func-*' --plan-out auth.plan.json",
    "tsx scripts/configure-auth.ts --config config/fleet.yaml --plan auth.plan.json",
    "tsx scripts/configure-auth.ts --config config/fleet.yaml --yes --json --auth workload-identity",
  ],
} as const;

/** configure-auth from argv to exit code (the script only adds the process). */
export async function configureAuthCommand(argv: string[], io: CommandIo): Promise<number> {
  const run = prepareRun(configureAuthCli, argv, io);
  if (!run) return 0;
  const { flags, apps, options } = run;
  const { session, header } = await signIn(configureAuthCli, flags, io, apps.map((a) => a.subscriptionId));
  const spec = configureAuthSpec(
    apps,
    flags.slot,
    {
      arm: session.arm,
      tenantId: session.tenantId,
      resolveRegistration: registrationResolver(session),
      backupDir: flags["backup-dir"] ?? ".backups/configure-auth",
      migrateV1: flags["migrate-v1"],
      checkAppSettings: flags["check-app-settings"],
      concurrency: options.concurrency,
    },
    header,
  );
  return runReconcile(spec, options);
}
