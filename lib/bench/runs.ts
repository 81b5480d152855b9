import { writeFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import type { TargetRef } from "../azure/targets.ts";
import { AZURE_THROTTLE, GRAPH_THROTTLE } from "../emulator/throttle.ts";
import type { EmulatorAdmin } from "./admin.ts";
import type { BaselineJob, BaselineMode, BaselineResult } from "./baselines.ts";
import { runBound, scaleBucket, type Bound } from "./bound.ts";
import type { Entries } from "./entries.ts";
import { benchFleet, BENCH_RG, appName, configuredAuth, type AppGroup, type FleetBlocks } from "./fleet.ts";
import { logFigures, phases, runChild, toolFailures, type Counts, type Phases } from "./measure.ts";
import { projectRun } from "./projection.ts";

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
  /** CPU seconds of the process (user + system); with the span, shows a run bound by CPU rather than by buckets. */
  cpuSeconds?: number | null;
  /** CPU seconds the emulator spent while the process ran (its lane's emulator serves only this run meanwhile). */
  emulatorCpuSeconds?: number;
  exitCode: number;
  /** Buckets scaled by this factor (the scaling series); 1 is Azure's own. */
  bucketScale: number;
  /** Estimated from a measured run, not run (seed-style beyond --seed-style-max, or the az loop's sample). */
  projected?: boolean;
  /** A run on the first `apps` of a fleet of this size (the az loop's sample), from which that fleet is projected. */
  sampleOf?: number;
  /** Process time outside the span: start-up, sign-in, exit. */
  phases?: Phases;
  /** The lane (its own emulator) the run was measured in. */
  lane?: number;
  note?: string;
}

export interface BenchContext {
  admin: EmulatorAdmin;
  env: NodeJS.ProcessEnv;
  dir: string;
  latencyMs: number;
  concurrency: number;
  /** How children start: the compiled build with node, or the sources with tsx. */
  entries: Entries;
  lane?: number;
  /** The real az CLI (lib/bench/az-cli.ts) when installed: the seed-style loop then runs it on a sample of apps. */
  az?: { path: string; version: string; sample: number };
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
  const cpuBefore = await ctx.admin.cpuSeconds();
  const child = await runChild(cmd, ctx.env, ctx.dir);
  const emulatorCpuSeconds = Math.round(((await ctx.admin.cpuSeconds()) - cpuBefore) * 100) / 100;
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
  const p = phases(child, f);
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
    cpuSeconds: child.cpuSeconds,
    emulatorCpuSeconds,
    exitCode: child.exitCode,
    bucketScale: meta.scale,
    ...(p ? { phases: p } : {}),
    ...(ctx.lane !== undefined ? { lane: ctx.lane } : {}),
    ...(note ? { note } : {}),
  };
  ctx.log(
    `  ${r.name} [${r.tool}] ${r.apps} apps: span ${r.spanSeconds.toFixed(1)} s, process ${r.processSeconds.toFixed(1)} s, bound ${r.bound.seconds.toFixed(1)} s, ${total} requests, ${r.throttled429} 429s, ${r.failed} failed, exit ${r.exitCode}${r.peakRssMb ? `, ${r.peakRssMb} MB` : ""}${r.cpuSeconds ? `, ${r.cpuSeconds} s CPU (emulator ${r.emulatorCpuSeconds} s)` : ""}${p ? `, start ${p.startSeconds} s, sign-in ${p.signInSeconds} s, exit ${p.exitSeconds} s` : ""}`,
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
      ...ctx.entries.script(run.script),
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

const baselineFailures =
  (targets: number) =>
  (stdout: string): { failed: number; note?: string } => {
    try {
      const r = JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as BaselineResult;
      return { failed: r.failed, ...(r.errors.length ? { note: r.errors[0] } : {}) };
    } catch {
      return { failed: targets, note: "baseline process printed no result" };
    }
  };

/**
 * A baseline on the Easy Auth documents of `groups` (each its own process). Seed-style with the az CLI installed runs
 * the real `az rest` loop on the first `az.sample` apps and projects the fleet's figure linearly (a sequential loop:
 * each app costs the same calls), as a second row marked projected.
 */
export async function runBaselineTool(
  ctx: BenchContext,
  name: string,
  mode: BaselineMode,
  groups: readonly AppGroup[],
  scale = 1,
): Promise<RunResult[]> {
  const all: TargetRef[] = groups.flatMap((g) =>
    Array.from({ length: g.count }, (_, i) => ({
      subscriptionId: g.subscriptionId,
      resourceGroup: BENCH_RG,
      name: appName(g.prefix, i),
    })),
  );
  const az = mode === "seed-style" && ctx.az && ctx.az.sample < all.length ? ctx.az : undefined;
  const targets = az ? all.slice(0, az.sample) : all;
  const n = ++files;
  const job: BaselineJob & { configDir?: string } = {
    mode,
    targets,
    desired: configuredAuth(),
    ...(az ? { configDir: join(ctx.dir, `az-${n}`) } : {}),
  };
  const file = join(ctx.dir, `baseline-${n}.json`);
  writeFileSync(file, JSON.stringify(job));
  const measured = await measure(
    ctx,
    {
      name,
      tool: mode,
      apps: targets.length,
      targets: targets.length,
      scale,
      workers: mode === "naive" ? targets.length : 1,
    },
    [...ctx.entries.process(az ? "az-baseline-process" : "baseline-process"), file],
    baselineFailures(targets.length),
  );
  if (!az) return [measured];
  const sampled = {
    ...measured,
    sampleOf: all.length,
    note: `az ${az.version}, ${targets.length}-app sample${measured.note ? `; ${measured.note}` : ""}`,
  };
  return [
    sampled,
    projectRun(measured, all.length, `projected: measured on ${targets.length} apps with az ${az.version}`),
  ];
}
