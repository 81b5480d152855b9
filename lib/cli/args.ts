import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors.ts";
import { packageVersion } from "./version.ts";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>[string] & { description: string; valueName?: string };

export interface CommandSpec<O extends Record<string, OptionSpec>> {
  name: string;
  summary: string;
  options: O;
  examples?: readonly string[];
}

/** Set by the bin: commands then run as `easyauth-fleet <name>`; otherwise as scripts, `tsx scripts/<name>.ts`. */
let binName: string | undefined;

/** Called by the bin before it loads a command, so usage lines, hints and examples name the bin's form. */
export function useBinInvocation(bin: string): void {
  binName = bin;
}

/** The command line that runs `name` the way this process was started. */
export function commandLine(name: string): string {
  return binName ? `${binName} ${name}` : `tsx scripts/${name}.ts`;
}

/** Examples are written in the script form (`[npx ]tsx scripts/<name>.ts …`); shown in the form this process uses. */
const SCRIPT_FORM = /^(?:npx )?tsx scripts\/([\w-]+)\.ts(?=\s|$)/;

export function renderHelp(spec: CommandSpec<Record<string, OptionSpec>>): string {
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const flag = `--${name}${o.type === "string" ? ` <${o.valueName ?? "value"}>` : ""}`;
    const short = o.short ? `-${o.short}, ` : "    ";
    return `  ${short}${flag.padEnd(30)} ${o.description}${o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : ""}`;
  });
  const example = (e: string) => (binName ? e.replace(SCRIPT_FORM, (_, name: string) => commandLine(name)) : e);
  return [
    `Usage: ${commandLine(spec.name)} [options]`,
    "",
    spec.summary,
    "",
    "Options:",
    ...rows,
    "  -h, --help                         Show this help",
    "      --version                      Show the version",
    "      --debug                        Print the stack trace of an error (also DEBUG=1)",
    ...(spec.examples?.length ? ["", "Examples:", ...spec.examples.map((e) => `  ${example(e)}`)] : []),
    "",
  ].join("\n");
}

/** What `--version` prints: the package version alone, so scripts can compare it. */
export function versionText(): string {
  return `${packageVersion()}\n`;
}

export type Values<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K]["type"] extends "boolean"
    ? boolean
    : O[K]["multiple"] extends true
      ? string[]
      : string | undefined;
};

/**
 * `--concurrency -5` as `--concurrency=-5`: parseArgs reads a value starting with '-' as a flag and answers with an
 * "ambiguous" hint, while the user meant a (bad) number that the flag's own check then names with its range.
 */
function attachNegativeValues(argv: string[], options: NonNullable<ParseArgsConfig["options"]>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const name = a.startsWith("--") ? a.slice(2) : undefined;
    if (name && options[name]?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** True when argv asks for stack traces (`--debug`); the entry point reads it before parsing. */
export const wantsDebug = (argv: readonly string[]): boolean => argv.includes("--debug");

/**
 * Parses argv strictly; an unknown flag is a UsageError naming it, so a typo never runs a write with defaults.
 * `--help` and `--version` (every command has both) return `{ help: true, text }`: print `text` (the help or the
 * version) to stdout and exit 0.
 */
export function parseCommandArgs<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  argv: string[],
): { help: true; text: string } | { help: false; values: Values<O> } {
  const options: ParseArgsConfig["options"] = {};
  for (const [name, o] of Object.entries(spec.options)) {
    const { description: _d, valueName: _v, ...rest } = o;
    options[name] = rest;
  }
  options.help = { type: "boolean", short: "h" };
  options.version = { type: "boolean" };
  options.debug = { type: "boolean" };
  try {
    const { values } = parseArgs({
      args: attachNegativeValues(argv, options),
      options,
      strict: true,
      allowPositionals: false,
    });
    if (values.help) return { help: true, text: renderHelp(spec) };
    if (values.version) return { help: true, text: versionText() };
    const { help: _h, version: _ver, debug: _dbg, ...own } = values;
    return { help: false, values: own as unknown as Values<O> };
  } catch (e) {
    throw new UsageError(`${(e as Error).message}. Run '${commandLine(spec.name)} --help' for the options.`);
  }
}
