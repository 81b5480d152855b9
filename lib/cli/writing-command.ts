import type { LoadedConfig } from "../config/load.ts";
import { loadConfig } from "../config/load.ts";
import { withFoundApps, type AppConfig } from "../config/resolve.ts";
import { ConfigError } from "../errors.ts";
import { describeSelection, discoverSites, discoveryQuery, type DiscoveryQuery } from "../azure/discovery.ts";
import type { ArmClient } from "../azure/arm-client.ts";
import type { PlanHeader } from "../pipeline/model.ts";
import type { RunOptions } from "../pipeline/run.ts";
import { parseCommandArgs, type CommandSpec, type OptionSpec, type Values } from "./args.ts";
import {
  type WRITING_OPTIONS,
  checkFlagCombination,
  formatPrincipal,
  requireConfig,
  runOptions,
  selectApps,
  type CommandIo,
} from "./common.ts";
import { openSession, type Session } from "../azure/session.ts";

type WritingSpec = CommandSpec<typeof WRITING_OPTIONS & Record<string, OptionSpec>>;

export interface PreparedRun<S extends WritingSpec> {
  flags: Values<S["options"]>;
  config: LoadedConfig;
  /** The listed apps, already narrowed by --app/--shard unless `discovery` is set (then after discovery). */
  apps: AppConfig[];
  options: RunOptions;
  /** What to find in Azure besides the listed apps (config `select:`, `--tag`, `--subscription`). */
  discovery?: DiscoveryQuery;
}

/**
 * The offline half of every writing command: flags, then the whole config and the selection, all checked before any
 * network call. `checkFlags` adds a command's own flag rules. Returns undefined after printing --help.
 */
export function prepareRun<S extends WritingSpec>(
  cli: S,
  argv: string[],
  io: CommandIo,
  checkFlags?: (flags: Values<S["options"]>) => void,
): PreparedRun<S> | undefined {
  const args = parseCommandArgs(cli, argv);
  if (args.help) {
    io.stdout.write(args.text);
    return undefined;
  }
  const flags = args.values;
  checkFlagCombination(flags);
  checkFlags?.(flags);
  const config = loadConfig(requireConfig(flags, cli.name), io.env);
  const discovery = discoveryQuery(
    config.fleet.select,
    flags,
    config.fleet.defaults.subscriptionId ?? io.env.AZURE_SUBSCRIPTION_ID,
  );
  if (!discovery && config.apps.length === 0)
    throw new ConfigError(`${config.file}: no apps to reconcile`, ["apps: list at least one app"], {
      fix: "List apps under apps:, find them with a select: block, or pass --tag name=value (docs/configuration.md).",
    });
  // With discovery, --app and --shard apply to the found apps too, so they wait for it.
  const apps = discovery ? config.apps : selectApps(config, flags.app, flags.shard);
  const options = runOptions(flags, io);
  for (const w of config.warnings) io.stderr.write(`warning: ${w}\n`);
  return { flags, config, apps, options, ...(discovery ? { discovery } : {}) };
}

/**
 * Discovery after sign-in (it reads ARM): the listed apps, then the found ones that are not listed, then --app and
 * --shard over all of them. Returns the line the plan header shows.
 */
export async function discoverApps(
  arm: ArmClient,
  run: Pick<PreparedRun<WritingSpec>, "config" | "apps" | "discovery"> & { flags: { app?: string; shard?: string } },
): Promise<{ apps: AppConfig[]; selection?: string }> {
  if (!run.discovery) return { apps: run.apps };
  const found = await discoverSites(arm, run.discovery);
  const all = withFoundApps(run.config.fleet, run.apps, found);
  const apps = selectApps({ ...run.config, apps: all }, run.flags.app, run.flags.shard);
  return { apps, selection: describeSelection(run.discovery, all.length - run.apps.length, run.apps.length) };
}

/** Signs in (explicit --auth) and builds the plan header: tenant, subscriptions and the signed-in principal. */
export async function signIn(
  cli: { name: string },
  flags: { auth?: string; cloud?: string },
  io: CommandIo,
  subscriptions: string[],
  service: "arm" | "graph" = "arm",
): Promise<{ session: Session; header: PlanHeader }> {
  const session = await openSession(flags, io.env, service);
  return {
    session,
    header: {
      command: cli.name,
      tenantId: session.tenantId,
      subscriptions: [...new Set(subscriptions)],
      principal: formatPrincipal(session.principal),
    },
  };
}

/**
 * The config and the apps `--app`/`--shard` select, with the config's warnings on stderr: the offline half of
 * prepareRun for a read-only command (audit), which has none of the plan flags.
 */
export function loadSelection(
  cli: { name: string },
  flags: { config?: string; app?: string; shard?: string },
  io: CommandIo,
): { config: LoadedConfig; apps: AppConfig[] } {
  const plan = { "dry-run": false, yes: false, json: false, "detailed-exitcode": false };
  const config = loadConfig(requireConfig({ ...plan, ...flags }, cli.name), io.env);
  const apps = selectApps(config, flags.app, flags.shard);
  for (const w of config.warnings) io.stderr.write(`warning: ${w}\n`);
  return { config, apps };
}
