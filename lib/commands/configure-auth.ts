import { parseCommandArgs, renderHelp } from "../cli/args.ts";
import { WRITING_OPTIONS, checkFlagCombination, formatPrincipal, openSession, requireConfig, runOptions, selectApps, type CommandIo } from "../cli/common.ts";
import { configureAuthSpec } from "../auth/configure.ts";
import { loadConfig } from "../config/load.ts";
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
  const args = parseCommandArgs(configureAuthCli, argv);
  if (args.help) {
    io.stdout.write(renderHelp(configureAuthCli));
    return 0;
  }
  const flags = args.values;
  checkFlagCombination(flags);
  // The config is validated completely before any network call.
  const config = loadConfig(requireConfig(flags, configureAuthCli.name), io.env);
  const apps = selectApps(config, flags.app, flags.shard);
  const options = runOptions(flags, io);
  for (const w of config.warnings) io.stderr.write(`warning: ${w}\n`);
  const session = await openSession(flags, io.env);
  const header = {
    command: configureAuthCli.name,
    tenantId: session.tenantId,
    subscriptions: [...new Set(apps.map((a) => a.subscriptionId))],
    principal: formatPrincipal(session.principal),
  };
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
