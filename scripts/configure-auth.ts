import { parseCommandArgs, renderHelp } from "../lib/cli/args.ts";
import { WRITING_OPTIONS, checkFlagCombination, formatPrincipal, openSession, requireConfig, runOptions, selectApps } from "../lib/cli/common.ts";
import { runMain } from "../lib/cli/main.ts";
import { configureAuthSpec } from "../lib/auth/configure.ts";
import { loadConfig } from "../lib/config/load.ts";
import { runReconcile } from "../lib/plan/run-command.ts";
import { registrationResolver } from "../lib/registration/resolve-facts.ts";

const spec = {
  name: "configure-auth",
  summary: "Reconcile Easy Auth (authsettingsV2) of every selected app and slot with the config: plan, confirm, apply, verify.",
  options: {
    ...WRITING_OPTIONS,
    "migrate-v1": { type: "boolean", description: "Allow writing to apps still on V1 auth (migrates them; irreversible)" },
    "backup-dir": { type: "string", valueName: "dir", description: "Where the document is saved before each PUT", default: ".backups/configure-auth" },
  },
  examples: [
    "tsx scripts/configure-auth.ts --config config/fleet.yaml --dry-run",
    "tsx scripts/configure-auth.ts --config config/fleet.yaml --app 'func-*' --plan-out auth.plan.json",
    "tsx scripts/configure-auth.ts --config config/fleet.yaml --plan auth.plan.json",
    "tsx scripts/configure-auth.ts --config config/fleet.yaml --yes --json --auth workload-identity",
  ],
} as const;

runMain(async (argv) => {
  const args = parseCommandArgs(spec, argv);
  if (args.help) {
    process.stdout.write(renderHelp(spec));
    return 0;
  }
  const flags = args.values;
  checkFlagCombination(flags);
  // The config is validated completely before any network call.
  const config = loadConfig(requireConfig(flags, spec.name));
  const apps = selectApps(config, flags.app);
  const options = runOptions(flags);
  for (const w of config.warnings) process.stderr.write(`warning: ${w}\n`);
  const session = await openSession(flags);
  const header = {
    command: spec.name,
    tenantId: session.tenantId,
    subscriptions: [...new Set(apps.map((a) => a.subscriptionId))],
    principal: formatPrincipal(session.principal),
  };
  const reconcile = configureAuthSpec(
    apps,
    flags.slot,
    {
      arm: session.arm,
      tenantId: session.tenantId,
      resolveRegistration: registrationResolver(session),
      backupDir: flags["backup-dir"] ?? ".backups/configure-auth",
      migrateV1: flags["migrate-v1"],
      concurrency: options.concurrency,
    },
    header,
  );
  return runReconcile(reconcile, options);
});
