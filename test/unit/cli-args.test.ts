import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { commandLine, parseCommandArgs, useBinInvocation } from "../../lib/cli/args.ts";
import { UsageError } from "../../lib/errors.ts";

const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
const spec = {
  name: "configure-auth",
  summary: "Reconcile Easy Auth.",
  options: { config: { type: "string", valueName: "file", description: "Fleet config" } },
  examples: ["npx tsx scripts/configure-auth.ts --config config/fleet.yaml --dry-run"],
} as const;

describe("parseCommandArgs", () => {
  test("--version answers the package version, whatever else is on the line", () => {
    expect(parseCommandArgs(spec, ["--version"])).toEqual({ help: true, text: `${version}\n` });
    expect(parseCommandArgs(spec, ["--config", "f.yaml", "--version"])).toEqual({ help: true, text: `${version}\n` });
  });

  test("--help wins over --version; both are listed in the help", () => {
    const r = parseCommandArgs(spec, ["--version", "--help"]);
    expect(r.help && r.text).toMatch(/^Usage: tsx scripts\/configure-auth\.ts \[options\]/);
    expect(r.help && r.text).toMatch(/^ {6}--version +Show the version$/m);
  });

  test("values hold the command's own flags only", () => {
    expect(parseCommandArgs(spec, ["--config", "f.yaml"])).toEqual({ help: false, values: { config: "f.yaml" } });
  });

  test("an unknown flag is a UsageError naming the command line to get help", () => {
    expect(() => parseCommandArgs(spec, ["--no-such-flag"])).toThrow(UsageError);
    expect(() => parseCommandArgs(spec, ["--no-such-flag"])).toThrow(
      /Unknown option '--no-such-flag'\. Run 'tsx scripts\/configure-auth\.ts --help'/,
    );
  });

  test("under the bin, usage, hints and examples name the bin's form", () => {
    useBinInvocation("easyauth-fleet");
    expect(commandLine("apply")).toBe("easyauth-fleet apply");
    const r = parseCommandArgs(spec, ["-h"]);
    expect(r.help && r.text).toMatch(/^Usage: easyauth-fleet configure-auth \[options\]/);
    expect(r.help && r.text).toMatch(/^ {2}easyauth-fleet configure-auth --config config\/fleet\.yaml --dry-run$/m);
    expect(() => parseCommandArgs(spec, ["--bogus"])).toThrow(/Run 'easyauth-fleet configure-auth --help'/);
  });
});
