import picomatch from "picomatch";
import { formatPrincipal } from "../azure/credential.ts";
import { UsageError } from "../errors.ts";
import { commandLine } from "./args.ts";
import { terminalTraits } from "./terminal.ts";
import type { AppConfig } from "../config/resolve.ts";
import type { LoadedConfig } from "../config/load.ts";
import type { OutputIo, RunOptions } from "../pipeline/run.ts";
import type { OptionSpec } from "./args.ts";

/** Flags every writing command takes (README.md, "Shared flags"). */
export const WRITING_OPTIONS = {
  config: { type: "string", valueName: "file", description: "Fleet config (YAML); see config/fleet.example.yaml" },
  app: { type: "string", valueName: "name|glob", description: "Only apps whose name matches (e.g. 'func-*')" },
  slot: { type: "string", valueName: "name", description: "Only this slot ('production' for the app itself)" },
  "dry-run": { type: "boolean", description: "Plan only; makes read-only calls" },
  yes: { type: "boolean", short: "y", description: "Apply without a prompt (required when stdin is not a terminal)" },
  json: { type: "boolean", description: "Machine output: one JSON document on stdout, errors included" },
  "no-color": { type: "boolean", description: "No colour (also NO_COLOR; FORCE_COLOR forces it on)" },
  "detailed-exitcode": { type: "boolean", description: "Exit 2 when changes are present (with --dry-run)" },
  "plan-out": {
    type: "string",
    valueName: "file",
    description: "Save the plan and stop, as terraform plan -out (apply it later with --plan)",
  },
  plan: { type: "string", valueName: "file", description: "Apply a saved plan; refused if anything changed since" },
  concurrency: { type: "string", valueName: "n", description: "Targets worked on at once", default: "8" },
  tag: {
    type: "string",
    multiple: true,
    valueName: "name=value",
    description: "Also find apps carrying this tag (repeatable: all must match; joins the config's select:)",
  },
  subscription: {
    type: "string",
    multiple: true,
    valueName: "id",
    description: "Find apps in this subscription (repeatable; replaces select.subscriptions)",
  },
  shard: {
    type: "string",
    valueName: "i/n",
    description: "Only shard i of n, split by subscription (CI matrix; throttling is per subscription)",
  },
  auth: {
    type: "string",
    valueName: "kind",
    description: "Credential: env | cli | managed-identity | workload-identity | default",
    default: "env",
  },
  cloud: {
    type: "string",
    valueName: "name",
    description:
      "Azure cloud: AzureCloud | AzureUSGovernment | AzureChinaCloud (default: AZURE_CLOUD, az's with --auth cli, else AzureCloud; docs/clouds.md)",
  },
} as const satisfies Record<string, OptionSpec>;

export interface WritingFlags {
  config?: string;
  app?: string;
  slot?: string;
  "dry-run": boolean;
  yes: boolean;
  json: boolean;
  "no-color"?: boolean;
  "detailed-exitcode": boolean;
  "plan-out"?: string;
  plan?: string;
  concurrency?: string;
  tag?: string[];
  subscription?: string[];
  shard?: string;
  auth?: string;
  cloud?: string;
}

export function requireConfig(flags: WritingFlags, command: string): string {
  if (!flags.config)
    throw new UsageError("--config <file> is required.", {
      fix: `Run '${commandLine(command)} --config config/fleet.yaml' (see config/fleet.example.yaml).`,
    });
  return flags.config;
}

export function parseConcurrency(v: string | undefined): number {
  const n = Number(v ?? "8");
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new UsageError(`--concurrency must be an integer from 1 to 64, got '${v}'.`, {
      fix: "Pass a whole number from 1 to 64, or leave the flag out for the default (8).",
    });
  return n;
}

export function checkFlagCombination(flags: WritingFlags): void {
  if (flags.plan && flags["plan-out"])
    throw new UsageError("--plan and --plan-out cannot be used together.", {
      fix: "Save a plan with --plan-out, review it, then apply it with --plan.",
    });
  if (flags.plan && flags["dry-run"])
    throw new UsageError("--plan applies a saved plan; --dry-run would make that a no-op.", {
      fix: "Drop one of them.",
    });
}

/** Apps selected by --app (a name or glob, case-insensitive, as ARM names are) and --shard. */
export function selectApps(config: LoadedConfig, pattern: string | undefined, shard?: string): AppConfig[] {
  let apps = config.apps;
  if (pattern) {
    const match = picomatch(pattern, { nocase: true });
    apps = apps.filter((a) => match(a.name));
    if (apps.length === 0)
      throw new UsageError(`--app '${pattern}' matches no app in ${config.file}.`, {
        fix: `Apps in the config: ${config.apps.map((a) => a.name).join(", ")}.`,
      });
  }
  return shard ? shardBySubscription(apps, shard) : apps;
}

/** `--slot` naming no slot of any selected app is an error, as `--app` matching nothing is (not an empty plan, exit 0). */
export function checkSlotFilter(apps: readonly AppConfig[], slot: string | undefined, file: string): void {
  if (!slot || slot.toLowerCase() === "production" || apps.length === 0) return;
  if (apps.some((a) => a.slots.some((s) => s.toLowerCase() === slot.toLowerCase()))) return;
  const known = [...new Set(apps.flatMap((a) => a.slots))];
  throw new UsageError(`--slot '${slot}' matches no slot of the selected apps in ${file}.`, {
    fix: `Use 'production' for the apps themselves${known.length ? `, or one of: ${known.join(", ")}` : " (the selected apps list no slots)"}.`,
  });
}

/**
 * `--shard i/n`: whole subscriptions per shard, so parallel CI jobs never share a subscription's ARM buckets.
 * Subscriptions are sorted, so every job computes the same split.
 */
export function shardBySubscription(apps: AppConfig[], shard: string): AppConfig[] {
  const m = /^(\d+)\/(\d+)$/.exec(shard);
  const i = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (!m || n < 1 || i < 1 || i > n)
    throw new UsageError(`--shard must be i/n with 1 <= i <= n, got '${shard}'.`, {
      fix: "For a 3-job matrix use --shard 1/3, 2/3 and 3/3.",
    });
  const subs = [...new Set(apps.map((a) => a.subscriptionId.toLowerCase()))].sort();
  const mine = new Set(subs.filter((_, k) => k % n === i - 1));
  return apps.filter((a) => mine.has(a.subscriptionId.toLowerCase()));
}

/** Where a command reads its environment and writes: the real process, or a test's capture. */
export interface CommandIo extends OutputIo {
  env: NodeJS.ProcessEnv;
}

export function processIo(): CommandIo {
  const traits = terminalTraits(process.env, process.stdout, process.stderr);
  return {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stderrIsTTY: traits.live,
    stderrColumns: traits.width,
    color: traits.color,
    // Loaded only when asking: the whole of zx costs about 0.15 s of start-up CPU every other run would pay.
    confirm: async (q) => (await (await import("zx")).question(q)).trim() === "yes",
  };
}

export function runOptions(flags: WritingFlags, io: CommandIo): RunOptions {
  return {
    dryRun: flags["dry-run"],
    yes: flags.yes,
    json: flags.json,
    detailedExitcode: flags["detailed-exitcode"],
    planOut: flags["plan-out"],
    planIn: flags.plan,
    concurrency: parseConcurrency(flags.concurrency),
    ...io,
    color: io.color && !flags.json && !flags["no-color"],
  };
}

export { formatPrincipal };
