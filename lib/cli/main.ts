import { ConfigError, ToolError } from "../errors.ts";
import { EXIT } from "../pipeline/exit-codes.ts";
import { parseCommandArgs, wantsDebug, type CommandSpec, type OptionSpec, type Values } from "./args.ts";

export { EXIT };

/**
 * Formats an error for stderr: the message, every config issue, and the fix line. Stack traces only with `--debug`
 * (or DEBUG=1): the stack of the error itself, whose message is already redacted, never of its cause.
 */
export function formatError(e: unknown, opts: { debug?: boolean } = {}): string {
  const debug = opts.debug ?? Boolean(process.env.DEBUG);
  if (e instanceof ToolError) {
    const lines = [`error: ${e.message}`];
    if (e instanceof ConfigError) lines.push(...e.issues.map((i) => `  - ${i}`));
    if (e.fix) lines.push(`fix: ${e.fix}`);
    if (debug && e.stack) lines.push(e.stack);
    return lines.join("\n");
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return `error: ${err.message}${debug ? `\n${err.stack}` : ""}`;
}

/** The only place that exits: runs a command, maps its result or error to an exit code. */
export function runMain(command: (argv: string[]) => Promise<number>): void {
  command(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(formatError(e, { debug: wantsDebug(process.argv) || Boolean(process.env.DEBUG) }) + "\n");
      process.exitCode = EXIT.error;
    },
  );
}

/** A script's whole entry: flags parsed strictly, `--help`/`--version` answered, then `body` with the values. */
export function runScript<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  body: (values: Values<O>) => Promise<number>,
): void {
  runMain(async (argv) => {
    const args = parseCommandArgs(spec, argv);
    if (!args.help) return body(args.values);
    process.stdout.write(args.text);
    return EXIT.ok;
  });
}
