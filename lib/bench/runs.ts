import { writeFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import type { TargetRef } from "../azure/targets.ts";
import { AZURE_THROTTLE, GRAPH_THROTTLE } from "../emulator/throttle.ts";
import { TSX } from "../demo/emulator-process.ts";
import type { EmulatorAdmin } from "./admin.ts";
import { BASELINE_PROCESS } from "./baseline-process.ts";
import type { BaselineJob, BaselineMode, BaselineResult } from "./baselines.ts";
import { runBound, scaleBucket, type Bound } from "./bound.ts";
import { benchFleet, BENCH_RG, appName, configuredAuth, type AppGroup, type FleetBlocks } from "./fleet.ts";
import { logFigures, runChild, toolFailures, type Counts } from "./measure.ts";

export type ToolName = "this" | "seed-style" | "naive";

/** One measured run: a scenario, by one tool, on one fleet. */
export interface RunResult {
  name: string;
  tool: ToolName;
  apps: number;
  targets: number;
  /** First to last request of the run's work (ARM, Graph, Key Vault). */
  spanSeconds: number;
  /** The whole process: start-up, sign-in, work, exit. */
  processSeconds: number;
  bound: Bound;
  requests: Counts;
  byService: Record<string, number>;
  throttled429: number;
  failed: number;
  peakRssMb: number | null;
  exitCode: number;
  /** Buckets scaled by this factor (the scaling series); 1 is Azure's own. */
  bucketScale: number;
  /** Estimated from a measured run, not run (seed-style beyond --seed-style-max). */
  projected?: boolean;
  note?: string;
}

export interface BenchContext {
  admin: EmulatorAdmin;
  env: NodeJS.ProcessEnv;
  dir: string;
  latencyMs: number;
  concurrency: number;
  log: (line: string) => void;
}

const armSpec = (f: number): string =>
  (["reads", "writes", "deletes"] as const)
    .map((k) => {
      const b = scaleBucket(AZURE_THROTTLE[k], f);
      return `${k}=${b.size}:${b.refillPerSecond}`;
    })
    .join(",");
const graphSpec = (f: number): string =>
  `units=${scaleBucket(GRAPH_THROTTLE.resourceUnits, f).size}:${scaleBucket(GRAPH_THROTTLE.resourceUnits, f).refillPerSecond},writes=${scaleBucket(GRAPH_THROTTLE.writes, f).size}:${scaleBucket(GRAPH_THROTTLE.writes, f).refillPerSecond}`;

let files = 0;
/** Exit code of the last child, for outcome checks that only have it (the audit). */
let lastExit = 0;
function writeFleet(ctx: BenchContext, groups: readonly AppGroup[], blocks: readonly FleetBlocks[]): string {
  const file = join(ctx.dir, `fleet-${++files}.yaml`);
  writeFileSync(file, YAML.stringify(benchFleet(groups, blocks), { aliasDuplicateObjects: false }));
  return file;
}

/** Full buckets (scaled by `scale`) and an empty request log, so each run is measured alone. */
async function fresh(ctx: BenchContext, scale: number): Promise<void> {
  const arm = armSpec(scale);
  await ctx.admin.throttle(arm, graphSpec(scale));
  await ctx.admin.clearRequests();
}

async function measure(
  ctx: BenchContext,
  meta: { name: string; tool: ToolName; apps: number; targets: number; scale: number; workers: number },
  cmd: string[],
  failures: (stdout: string) => { failed: number; note?: string },
): Promise<RunResult> {
  await fresh(ctx, meta.scale);
  const child = await runChild(cmd, ctx.env, ctx.dir);
  lastExit = child.exitCode;
  const log = await ctx.admin.requests();
  const arm = {
    reads: scaleBucket(AZURE_THROTTLE.reads, meta.scale),
    writes: scaleBucket(AZURE_THROTTLE.writes, meta.scale),
    deletes: scaleBucket(AZURE_THROTTLE.deletes, meta.scale),
  };
  const f = logFigures(log, arm);
  const total = f.requests.reads + f.requests.writes + f.requests.deletes;
  const { failed, note } = failures(child.stdout);
  const r: RunResult = {
    name: meta.name,
    tool: meta.tool,
    apps: meta.apps,
    targets: meta.targets,
    spanSeconds: f.spanSeconds,
    processSeconds: child.processSeconds,
    bound: runBound(f.loads, total, ctx.latencyMs, meta.workers),
    requests: f.requests,
    byService: f.byService,
    throttled429: f.throttled429,
    failed,
    peakRssMb: child.peakRssMb,
    exitCode: child.exitCode,
    bucketScale: meta.scale,
    ...(note ? { note } : {}),
  };
  ctx.log(
    `  ${r.name} [${r.tool}] ${r.apps} apps: span ${r.spanSeconds.toFixed(1)} s, process ${r.processSeconds.toFixed(1)} s, bound ${r.bound.seconds.toFixed(1)} s, ${total} requests, ${r.throttled429} 429s, ${r.failed} failed, exit ${r.exitCode}${r.peakRssMb ? `, ${r.peakRssMb} MB` : ""}`,
  );
  if (failed && child.stderr) ctx.log(`    ${child.stderr.trim().split("\n").slice(-3).join("\n    ")}`);
  return r;
}

export interface ToolRun {
  name: string;
  script: "configure-auth" | "rotate-keys" | "update-manifest" | "apply" | "audit";
  groups: AppGroup[];
  blocks: FleetBlocks[];
  args: string[];
  /** Targets per app (a registration, an Easy Auth document, a key…): for requests per target. */
  targetsPerApp: number;
  scale?: number;
}

/** The tool itself, as a user runs it: the script as a child process, `--json` for its outcome. */
export async function runTool(ctx: BenchContext, run: ToolRun, config?: string): Promise<RunResult> {
  const apps = run.groups.reduce((n, g) => n + g.count, 0);
  const file = config ?? writeFleet(ctx, run.groups, run.blocks);
  const targets = apps * run.targetsPerApp;
  return measure(
    ctx,
    { name: run.name, tool: "this", apps, targets, scale: run.scale ?? 1, workers: ctx.concurrency },
    [
      TSX,
      `scripts/${run.script}.ts`,
      "--config",
      file,
      "--json",
      "--concurrency",
      String(ctx.concurrency),
      ...(run.script === "configure-auth" || run.script === "apply" ? ["--backup-dir", join(ctx.dir, "backups")] : []),
      ...run.args,
    ],
    // The audit's report has its own shape (docs/audit-output.schema.json): exit 0 or 2 (findings) is a full run.
    (stdout) => ({
      failed: run.script === "audit" ? (/^[02]$/.test(String(lastExit)) ? 0 : targets) : toolFailures(stdout, targets),
    }),
  );
}

/** The fleet config a run wrote, so a later run (the retire run, the no-op) reads the same one. */
export function fleetFile(ctx: BenchContext, run: ToolRun): string {
  return writeFleet(ctx, run.groups, run.blocks);
}

/** A baseline on the Easy Auth documents of `groups` (each its own process). */
export async function runBaselineTool(
  ctx: BenchContext,
  name: string,
  mode: BaselineMode,
  groups: readonly AppGroup[],
  scale = 1,
): Promise<RunResult> {
  const targets: TargetRef[] = groups.flatMap((g) =>
    Array.from({ length: g.count }, (_, i) => ({
      subscriptionId: g.subscriptionId,
      resourceGroup: BENCH_RG,
      name: appName(g.prefix, i),
    })),
  );
  const job: BaselineJob = { mode, targets, desired: configuredAuth() };
  const file = join(ctx.dir, `baseline-${++files}.json`);
  writeFileSync(file, JSON.stringify(job));
  return measure(
    ctx,
    {
      name,
      tool: mode,
      apps: targets.length,
      targets: targets.length,
      scale,
      workers: mode === "naive" ? targets.length : 1,
    },
    [TSX, BASELINE_PROCESS, file],
    (stdout) => {
      try {
        const r = JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as BaselineResult;
        return { failed: r.failed, ...(r.errors.length ? { note: r.errors[0] } : {}) };
      } catch {
        return { failed: targets.length, note: "baseline process printed no result" };
      }
    },
  );
}
