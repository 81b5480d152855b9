import type { OptionSpec } from "../cli/args.ts";
import { WRITING_OPTIONS, checkSlotFilter, type CommandIo } from "../cli/common.ts";
import { discoverApps, prepareRun, signIn } from "../cli/writing-command.ts";
import type { AnyKind, FlagValues, KindOption, Selection } from "../pipeline/contract.ts";
import { EXIT } from "../pipeline/exit-codes.ts";
import { renderFatalJson } from "../pipeline/render-json.ts";
import { runPipeline } from "../pipeline/run.ts";
import { runContextOf, type RunOverrides } from "./run-context.ts";

export type { RunOverrides } from "./run-context.ts";

/** A command is a choice of kinds (in dependency order) and its help text; the pipeline does the rest. */
export interface KindsCommand {
  name: string;
  summary: string;
  kinds: readonly AnyKind[];
  /** Flags of each example, after `--config config/fleet.yaml`. */
  examples: readonly string[];
  /** This command's own offline flag rules. */
  checkFlags?(flags: FlagValues): void;
}

/** The command's flags: the shared writing flags, then each kind's own. */
export function commandCli(c: KindsCommand) {
  const kindOptions: Record<string, KindOption> = Object.assign({}, ...c.kinds.map((k) => k.options ?? {}));
  const options: typeof WRITING_OPTIONS & Record<string, OptionSpec> = { ...WRITING_OPTIONS, ...kindOptions };
  const examples = c.examples.map((flags) => `npx tsx scripts/${c.name}.ts --config config/fleet.yaml ${flags}`);
  return { name: c.name, summary: c.summary, options, examples };
}

/** A command from argv to exit code (the script only adds the process). */
export type Command = (argv: string[], io: CommandIo, overrides?: RunOverrides) => Promise<number>;

export const defineCommand =
  (c: KindsCommand): Command =>
  (argv, io, overrides = {}) =>
    runKindsCommand(c, argv, io, overrides);

/**
 * From argv to exit code. Under --json, a run that fails before it has a plan still prints its one document, with
 * the error as a diagnostic (as Terraform's `-json` does); otherwise the error goes to the entry point.
 */
export async function runKindsCommand(
  c: KindsCommand,
  argv: string[],
  io: CommandIo,
  overrides: RunOverrides = {},
): Promise<number> {
  try {
    return await runKinds(c, argv, io, overrides);
  } catch (e) {
    if (!argv.includes("--json")) throw e;
    io.stdout.write(renderFatalJson(c.name, e));
    return EXIT.error;
  }
}

/** Offline checks, sign-in, then the pipeline over the chosen kinds. */
async function runKinds(c: KindsCommand, argv: string[], io: CommandIo, overrides: RunOverrides = {}): Promise<number> {
  const flagsOf = (v: object): FlagValues => v as FlagValues;
  const cli = commandCli(c);
  const run = prepareRun(cli, argv, io, (flags) => {
    c.checkFlags?.(flagsOf(flags));
    for (const k of c.kinds) k.checkFlags?.(flagsOf(flags));
  });
  if (!run) return 0;
  const { flags, config, options } = run;
  const selection: Selection = { slot: flags.slot, env: io.env };
  const service = c.kinds.some((k) => k.service === "arm") ? "arm" : "graph";
  const targetsOf = (apps: typeof run.apps) => {
    checkSlotFilter(apps, flags.slot, config.file);
    const targets = c.kinds.map((k) => k.targets(apps, selection));
    const alone = c.kinds.length === 1 ? c.kinds[0]! : undefined;
    if (alone && targets[0]!.length === 0) {
      if (alone.none) throw alone.none(selection);
      io.stderr.write(`warning: no selected app has a ${alone.config.key} block in ${config.file}; nothing to do\n`);
    }
    return targets;
  };
  const armSubscriptions = (targets: ReturnType<typeof targetsOf>) =>
    c.kinds.flatMap((k, i) => (k.service === "arm" ? targets[i]!.map((t) => t.ref.subscriptionId) : []));
  // Targets are known before any network call: a missing vault URL or an empty selection is reported offline.
  // Discovery reads ARM, so with a select: block or --tag the targets wait for sign-in and the resources list.
  let targets = run.discovery ? undefined : targetsOf(run.apps);
  const signedIn = await signIn(
    cli,
    flags,
    io,
    targets ? armSubscriptions(targets) : [...run.apps.map((a) => a.subscriptionId), ...run.discovery!.subscriptions],
    service,
  );
  const { session } = signedIn;
  let header = signedIn.header;
  if (!targets) {
    const found = await discoverApps(session.arm, run);
    targets = targetsOf(found.apps);
    const subscriptions = [...new Set(armSubscriptions(targets))];
    header = { ...header, subscriptions, ...(found.selection ? { selection: found.selection } : {}) };
  }
  const ctx = runContextOf(session, flagsOf(flags), io.env, overrides);

  const planned = targets;
  const kinds = c.kinds.map((kind, i) => ({ kind, reconciler: kind.bind(ctx), targets: planned[i]! }));
  return runPipeline({ command: c.name, header, kinds }, options);
}
