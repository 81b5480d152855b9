import type { LoadedConfig } from "../config/load.ts";
import { loadConfig } from "../config/load.ts";
import type { AppConfig } from "../config/resolve.ts";
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
  apps: AppConfig[];
  options: RunOptions;
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
  const apps = selectApps(config, flags.app, flags.shard);
  const options = runOptions(flags, io);
  for (const w of config.warnings) io.stderr.write(`warning: ${w}\n`);
  return { flags, config, apps, options };
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
