import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { spawnEmulator, type RunningEmulator } from "../demo/emulator-process.ts";
import { UsageError } from "../errors.ts";
import { emulatorAdmin } from "./admin.ts";
import { azVersion, findAz } from "./az-cli.ts";
import { compileDist, REPO_ROOT } from "./compile-dist.ts";
import { BENCH_PROCESSES, distEntries, tsxEntries } from "./entries.ts";
import { benchWorld } from "./fleet.ts";
import { balanceLanes, laneSeconds } from "./lanes.ts";
import { projectionBase, projectMissing } from "./projection.ts";
import { markdownTable, resultsJson, scalingChart, updatePerformanceDoc, type BenchMeta } from "./report.ts";
import type { BenchContext, RunResult } from "./runs.ts";
import {
  benchUnits,
  laneGroups,
  RUNS,
  SCENARIOS,
  seedStyleSlots,
  unitSizes,
  type BenchSizes,
  type BenchUnit,
  type ScenarioName,
} from "./scenarios.ts";

export interface BenchOptions {
  sizes: BenchSizes;
  only: ScenarioName[];
  latencyMs: number;
  concurrency: number;
  outDir: string;
  /** Lanes run at once, each with its own emulator. */
  lanes: number;
  /** Run the children from the sources through tsx instead of the compiled build. */
  tsx: boolean;
  /** Apps the real az loop runs on (when az is installed); the fleet's figure is projected from them. */
  seedStyleSample: number;
  /** docs/performance.md, whose generated block is replaced; undefined leaves it alone. */
  doc?: string;
}

const positive = (flag: string, v: string | undefined): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer, got '${v}'.`);
  return n;
};

/** Flags to options; every problem is a UsageError naming the flag. */
export function benchOptions(v: Record<string, string | boolean | undefined>): BenchOptions {
  const only = String(v.only ?? SCENARIOS.join(","))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of only)
    if (!(SCENARIOS as readonly string[]).includes(s))
      throw new UsageError(`--only: unknown scenario '${s}'.`, { fix: `Scenarios: ${SCENARIOS.join(", ")}.` });
  const scaling = String(v.scaling ?? "")
    .split(",")
    .filter(Boolean)
    .map((s) => positive("scaling", s));
  const latency = Number(v.latency);
  if (!Number.isFinite(latency) || latency < 0)
    throw new UsageError(`--latency must be a number of ms, got '${v.latency}'.`);
  return {
    sizes: {
      noop: positive("apps", v.apps as string),
      change: positive("change-apps", v["change-apps"] as string),
      rotate: positive("rotate-apps", v["rotate-apps"] as string),
      registrations: positive("registration-apps", v["registration-apps"] as string),
      apply: positive("apply-apps", v["apply-apps"] as string),
      twoSubscriptions: positive("two-subscription-apps", v["two-subscription-apps"] as string),
      scaling,
      seedStyleMax: positive("seed-style-max", v["seed-style-max"] as string),
    },
    only: only as ScenarioName[],
    latencyMs: latency,
    concurrency: positive("concurrency", v.concurrency as string),
    outDir: String(v.out ?? "bench"),
    lanes: positive("lanes", v.lanes as string),
    tsx: Boolean(v.tsx),
    seedStyleSample: positive("seed-style-sample", v["seed-style-sample"] as string),
    ...(v["no-doc"] ? {} : { doc: "docs/performance.md" }),
  };
}

/** Where the bench compiles the tool: under node_modules so the compiled files resolve the same packages. */
const DIST = join(REPO_ROOT, "node_modules/.cache/easyauth-bench-dist");

interface Lane {
  index: number;
  units: BenchUnit[];
  expectedSeconds: number;
  seconds?: number;
}

/** A lane's emulator, seeded with its units' apps (same rules, same latency as every other lane's). */
interface LaneEmulator {
  dir: string;
  emulator: RunningEmulator;
}

async function startLane(lane: Lane, o: BenchOptions, log: (line: string) => void): Promise<LaneEmulator> {
  const dir = mkdtempSync(join(tmpdir(), `easyauth-bench-${lane.index}-`));
  const groups = laneGroups(o.sizes, lane.units);
  // JSON: thousands of apps are read in milliseconds where the YAML parser takes seconds (scripts/emulator.ts --seed).
  writeFileSync(join(dir, "seed.json"), JSON.stringify(benchWorld(groups)));
  log(
    `[lane ${lane.index}] ${groups.reduce((n, g) => n + g.count, 0)} apps seeded: ${lane.units.map((u) => u.id).join(", ")}`,
  );
  const emulator = await spawnEmulator(
    ["--seed", join(dir, "seed.json"), "--latency", String(o.latencyMs), "--page-size", "1000"],
    180_000,
  );
  return { dir, emulator };
}

/** One lane's units, one after the other, against its own emulator. */
async function runLane(
  lane: Lane,
  started: LaneEmulator,
  o: BenchOptions,
  base: Omit<BenchContext, "admin" | "env" | "dir" | "lane" | "log">,
  az: boolean,
  log: (line: string) => void,
  done: (unit: BenchUnit, results: RunResult[]) => void,
): Promise<void> {
  const t0 = Date.now();
  const say = (line: string) => log(`[lane ${lane.index}] ${line}`);
  const ctx: BenchContext = {
    ...base,
    admin: emulatorAdmin(started.emulator.info),
    env: { ...process.env, ...started.emulator.info.env },
    dir: started.dir,
    lane: lane.index,
    log: say,
  };
  // Lanes start their first process 2 s apart: four Node start-ups at once on two cores would each take twice as long.
  await sleep(2000 * (lane.index - 1));
  for (const unit of lane.units) {
    say(`scenario ${unit.id} (expected ${unit.seconds.toFixed(0)} s)`);
    done(unit, await RUNS[unit.scenario](ctx, unitSizes(o.sizes, unit, az)));
  }
  lane.seconds = (Date.now() - t0) / 1000;
}

/** Runs the chosen scenarios in lanes (each its own emulator) balanced by expected duration, writes the report. */
export async function runBench(o: BenchOptions, log: (line: string) => void): Promise<RunResult[]> {
  const started = Date.now();
  const only = new Set(o.only);
  let entries = tsxEntries();
  if (!o.tsx) {
    compileDist(
      DIST,
      BENCH_PROCESSES.map((p) => `lib/bench/${p}.ts`),
    );
    entries = distEntries(DIST);
    log(`bench: compiled the tool to ${DIST} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const azPath = await findAz();
  const az = azPath ? { path: azPath, version: await azVersion(azPath), sample: o.seedStyleSample } : undefined;
  const units = benchUnits(o.sizes, o.only, { latencyMs: o.latencyMs, ...(az ? { azSample: az.sample } : {}) });
  const lanes: Lane[] = balanceLanes(units, o.lanes).map((u, i) => ({
    index: i + 1,
    units: u,
    expectedSeconds: laneSeconds([u])[0] ?? 0,
  }));
  const meta: BenchMeta = {
    startedAt: new Date().toISOString(),
    latencyMs: o.latencyMs,
    concurrency: o.concurrency,
    cpus: cpus().length,
    loadAverage: loadavg(),
    runtime: entries.runtime,
    baselines: az
      ? `seed-style through the real az CLI ${az.version} on a ${az.sample}-app sample (one per bench), every seed-style figure projected linearly from it (the in-process equivalent did not run); naive in-process`
      : "the in-process equivalent (the az CLI is not installed)",
    lanes: lanes.map((l) => ({
      lane: l.index,
      units: l.units.map((u) => u.id),
      expectedSeconds: Math.round(l.expectedSeconds),
    })),
  };
  log(
    `bench: ${units.length} units in ${lanes.length} lanes (expected ${lanes.map((l) => `${l.expectedSeconds.toFixed(0)} s`).join(", ")}), latency ${o.latencyMs} ms, concurrency ${o.concurrency}, ${meta.cpus} CPUs, load ${meta.loadAverage[0]?.toFixed(1)}, children run with ${entries.runtime}`,
  );
  mkdirSync(o.outDir, { recursive: true });
  const byUnit = new Map<string, RunResult[]>();
  const ordered = (): RunResult[] => {
    const measured = units.flatMap((u) => byUnit.get(u.id) ?? []);
    const from = projectionBase(measured, o.sizes.seedStyleMax);
    const how = from
      ? from.sampleOf !== undefined
        ? `measured on ${from.apps} apps with az ${az?.version ?? "unknown"} (${from.name})`
        : `${((from.spanSeconds / from.apps) * 1000).toFixed(1)} ms per app measured at ${from.apps} apps (${from.name})`
      : "";
    const projected = projectMissing(measured, seedStyleSlots(o.sizes, o.only), from, how);
    // Each projected figure goes after the last measured run of its name.
    const out = measured.flatMap((r, i) =>
      measured.slice(i + 1).some((n) => n.name === r.name) ? [r] : [r, ...projected.filter((p) => p.name === r.name)],
    );
    return [...out, ...projected.filter((p) => !measured.some((r) => r.name === p.name))];
  };
  const base = { latencyMs: o.latencyMs, concurrency: o.concurrency, entries, ...(az ? { az } : {}) };
  // Every lane's emulator is up (seeding thousands of apps is CPU work) before any lane measures anything.
  const emulators = await Promise.allSettled(lanes.map((lane) => startLane(lane, o, log)));
  try {
    const up = emulators.map((e) => {
      if (e.status === "rejected") throw e.reason;
      return e.value;
    });
    await Promise.all(
      lanes.map((lane, i) =>
        runLane(lane, up[i]!, o, base, az !== undefined, log, (unit, results) => {
          byUnit.set(unit.id, results);
          // After each unit, so a long run that is stopped still leaves what it measured.
          writeFileSync(join(o.outDir, "results.json"), resultsJson(ordered(), meta));
        }),
      ),
    );
  } finally {
    for (const e of emulators) {
      if (e.status !== "fulfilled") continue;
      await e.value.emulator.stop();
      rmSync(e.value.dir, { recursive: true, force: true });
    }
  }
  meta.totalSeconds = (Date.now() - started) / 1000;
  meta.lanes = lanes.map((l) => ({
    lane: l.index,
    units: l.units.map((u) => u.id),
    expectedSeconds: Math.round(l.expectedSeconds),
    seconds: Math.round((l.seconds ?? 0) * 10) / 10,
  }));
  const results = ordered();
  const table = markdownTable(results);
  writeFileSync(join(o.outDir, "results.json"), resultsJson(results, meta));
  if (only.has("scaling")) writeFileSync(join(o.outDir, "report.svg"), scalingChart(results));
  if (o.doc) updatePerformanceDoc(o.doc, table, meta);
  process.stdout.write(table);
  log(
    `bench: done in ${meta.totalSeconds.toFixed(0)} s; wrote ${o.outDir}/results.json${only.has("scaling") ? ` and ${o.outDir}/report.svg` : ""}`,
  );
  return results;
}
