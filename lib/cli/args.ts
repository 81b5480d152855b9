import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors.ts";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>[string] & { description: string; valueName?: string };

export interface CommandSpec<O extends Record<string, OptionSpec>> {
  name: string;
  summary: string;
  options: O;
  examples?: readonly string[];
}

export function renderHelp(spec: CommandSpec<Record<string, OptionSpec>>): string {
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const flag = `--${name}${o.type === "string" ? ` <${o.valueName ?? "value"}>` : ""}`;
    const short = o.short ? `-${o.short}, ` : "    ";
    return `  ${short}${flag.padEnd(30)} ${o.description}${o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : ""}`;
  });
  return [
    `Usage: tsx scripts/${spec.name}.ts [options]`,
    "",
    spec.summary,
    "",
    "Options:",
    ...rows,
    "  -h, --help                         Show this help",
    ...(spec.examples?.length ? ["", "Examples:", ...spec.examples.map((e) => `  ${e}`)] : []),
    "",
  ].join("\n");
}

export type Values<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K]["type"] extends "boolean"
    ? boolean
    : O[K]["multiple"] extends true
      ? string[]
      : string | undefined;
};

/** Parses argv strictly; an unknown flag is a UsageError naming it, so a typo never runs a write with defaults. */
export function parseCommandArgs<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  argv: string[],
): { help: true } | { help: false; values: Values<O> } {
  const options: ParseArgsConfig["options"] = { help: { type: "boolean", short: "h" } };
  for (const [name, o] of Object.entries(spec.options)) {
    const { description: _d, valueName: _v, ...rest } = o;
    options[name] = rest;
  }
  try {
    const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
    if (values.help) return { help: true };
    return { help: false, values: values as unknown as Values<O> };
  } catch (e) {
    throw new UsageError(`${(e as Error).message}. Run 'tsx scripts/${spec.name}.ts --help' for the options.`);
  }
}
