import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { configureAuthCommand } from "../../lib/commands/configure-auth.ts";
import type { BadInputCase } from "./harness.ts";
import { AUTH, fleetYaml } from "./world.ts";
import { RG, SUB } from "../helpers/seeds.ts";

type CaseInput = Omit<BadInputCase, "category" | "command" | "config"> & { category?: BadInputCase["category"] };
const flags = (c: CaseInput): BadInputCase => ({
  category: "flags",
  command: configureAuthCommand,
  config: fleetYaml(AUTH),
  ...c,
});

/** A plan file as --plan-out writes it, for one configure-auth target. */
const savedPlan = (over: Record<string, unknown> = {}) => ({
  formatVersion: 1,
  command: "configure-auth",
  createdAt: "2026-01-01T00:00:00.000Z",
  header: { command: "configure-auth", subscriptions: [SUB] },
  targets: [
    {
      target: { subscriptionId: SUB, resourceGroup: RG, name: "func-orders" },
      resource: "authsettingsV2",
      kind: "auth",
      status: "change",
      changes: [
        { field: "platform.enabled", path: ["platform", "enabled"], kind: "change", before: false, after: true },
      ],
      unchanged: 0,
      warnings: [],
      fingerprint: "0".repeat(64),
    },
  ],
  ...over,
});

/** `--plan <file>` holding `content`. */
const planFile =
  (content: string) =>
  (dir: string, file: string): string[] => {
    const plan = join(dir, "auth.plan");
    writeFileSync(plan, content);
    return ["--config", file, "--plan", plan, "--yes"];
  };
const planCase = (name: string, content: string, expect: RegExp[]): BadInputCase =>
  flags({ name, category: "plan", rawArgv: planFile(content), expect });

const RANGE = /--concurrency must be an integer from 1 to 64/;

/** Flags and saved plans: refused before any write, naming the flag or the file. */
export const FLAG_CASES: BadInputCase[] = [
  flags({ name: "an unknown flag", argv: ["--yess"], expect: [/Unknown option '--yess'/, /--help' for the options/] }),
  flags({ name: "a positional argument", argv: ["func-orders"], expect: [/Unexpected argument 'func-orders'/] }),
  flags({ name: "--concurrency -5", argv: ["--concurrency", "-5"], expect: [RANGE, /got '-5'/] }),
  flags({ name: "--concurrency=-5", argv: ["--concurrency=-5"], expect: [RANGE, /got '-5'/] }),
  flags({ name: "--concurrency abc", argv: ["--concurrency", "abc"], expect: [RANGE, /got 'abc'/] }),
  flags({ name: "--concurrency 0", argv: ["--concurrency", "0"], expect: [RANGE, /got '0'/] }),
  flags({ name: "--concurrency 1000", argv: ["--concurrency", "1000"], expect: [RANGE, /got '1000'/] }),
  flags({ name: "--concurrency 2.5", argv: ["--concurrency", "2.5"], expect: [RANGE, /got '2\.5'/] }),
  flags({
    name: "--concurrency with no value",
    argv: ["--concurrency"],
    expect: [/Option '--concurrency <value>' argument missing/],
  }),
  flags({
    name: "--shard 0/3",
    argv: ["--shard", "0/3"],
    expect: [/--shard must be i\/n with 1 <= i <= n, got '0\/3'/, /--shard 1\/3, 2\/3 and 3\/3/],
  }),
  flags({ name: "--shard 4/3", argv: ["--shard", "4/3"], expect: [/--shard must be i\/n .* got '4\/3'/] }),
  flags({ name: "--shard abc", argv: ["--shard", "abc"], expect: [/--shard must be i\/n .* got 'abc'/] }),
  flags({
    name: "--app matching nothing",
    argv: ["--app", "func-nope*"],
    expect: [/--app 'func-nope\*' matches no app in/, /fix: Apps in the config: func-orders/],
  }),
  flags({
    name: "--slot matching no slot",
    argv: ["--slot", "canary", "--yes"],
    expect: [/--slot 'canary' matches no slot of the selected apps/, /fix: Use 'production' .* or one of: staging/],
  }),
  flags({
    name: "--plan with --plan-out",
    argv: ["--plan", "a.plan", "--plan-out", "b.plan"],
    expect: [/--plan and --plan-out cannot be used together/, /fix: Save a plan with --plan-out/],
  }),
  flags({
    name: "--plan with --dry-run",
    argv: ["--plan", "a.plan", "--dry-run"],
    expect: [/--plan applies a saved plan; --dry-run would make that a no-op/, /fix: Drop one of them/],
  }),
  flags({
    name: "no --config",
    rawArgv: () => ["--yes"],
    expect: [/--config <file> is required/, /fix: Run '.*--config config\/fleet\.yaml'/],
  }),
  flags({
    name: "--auth that does not exist",
    argv: ["--auth", "password", "--dry-run"],
    expect: [/Unknown --auth 'password'/, /fix: Use one of: env, cli/],
  }),
  flags({ name: "--cloud that does not exist", argv: ["--cloud", "AzureMoon", "--dry-run"], expect: [/AzureMoon/] }),
  planCase("--plan: a file that is not JSON", "this is not a plan\n", [
    /Cannot read plan file .*auth\.plan': not JSON \(truncated\?\)/,
    /fix: Pass a file written by --plan-out/,
  ]),
  planCase("--plan: a truncated plan", JSON.stringify(savedPlan(), null, 2).slice(0, 300), [
    /Cannot read plan file .*: not JSON \(truncated\?\)/,
  ]),
  planCase("--plan: null", "null", [/is not a plan file of this tool \(formatVersion 1\)/, /fix: Make a new plan/]),
  planCase("--plan: a foreign JSON file (package.json)", JSON.stringify({ name: "x", version: "1.0.0" }), [
    /is not a plan file of this tool/,
  ]),
  planCase("--plan: targets holding null", JSON.stringify(savedPlan({ targets: [null] })), [
    /is a damaged plan file \(1 problem\); nothing was applied/,
    /plan\.targets\[0\]: Invalid input: expected object, received null/,
    /fix: Make a new plan with --plan-out/,
  ]),
  planCase(
    "--plan: a target without a name",
    JSON.stringify(
      savedPlan({
        targets: [{ ...savedPlan().targets[0], target: { subscriptionId: SUB, resourceGroup: RG } }],
      }),
    ),
    [/plan\.targets\[0\]\.target\.name: Invalid input: expected string, received undefined/],
  ),
  planCase("--plan: targets is not a list", JSON.stringify(savedPlan({ targets: { a: 1 } })), [
    /plan\.targets: Invalid input: expected array, received object/,
  ]),
  planCase(
    "--plan: a change with no path",
    JSON.stringify(savedPlan({ targets: [{ ...savedPlan().targets[0], changes: [{}] }] })),
    [/plan\.targets\[0\]\.changes\[0\]\.field: Invalid input/],
  ),
  planCase("--plan: another command's plan", JSON.stringify(savedPlan({ command: "configure-site" })), [
    /is a configure-site plan, not a configure-auth plan/,
    /fix: Run configure-site with it, or make a new plan/,
  ]),
];
