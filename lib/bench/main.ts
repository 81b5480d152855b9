import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { which } from "zx";
import { UsageError } from "../errors.ts";
import { spawnEmulator } from "../demo/emulator-process.ts";
import { emulatorAdmin } from "./admin.ts";
import { benchWorld } from "./fleet.ts";
import { markdownTable, resultsJson, scalingChart, updatePerformanceDoc, type BenchMeta } from "./report.ts";
import type { RunResult } from "./runs.ts";
import { benchGroups, RUNS, SCENARIOS, type BenchSizes, type ScenarioName } from "./scenarios.ts";

export interface BenchOptions {
  sizes: BenchSizes;
  only: ScenarioName[];
  latencyMs: number;
  concurrency: number;
  outDir: string;
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
    ...(v["no-doc"] ? {} : { doc: "docs/performance.md" }),
  };
}

/** Seeds one emulator with every scenario's apps, runs the scenarios in order, writes the report. */
export async function runBench(o: BenchOptions, log: (line: string) => void): Promise<RunResult[]> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), "easyauth-bench-"));
  const only = new Set(o.only);
  const groups = benchGroups(o.sizes, only);
  writeFileSync(join(dir, "seed.yaml"), YAML.stringify(benchWorld(groups), { aliasDuplicateObjects: false }));
  const az = await which("az", { nothrow: true });
  const meta: BenchMeta = {
    startedAt: new Date().toISOString(),
    latencyMs: o.latencyMs,
    concurrency: o.concurrency,
    cpus: cpus().length,
    loadAverage: loadavg(),
    // The real az CLI would need its own sign-in to the emulator's cloud; the in-process loop is what runs here.
    baselines: az
      ? `the in-process equivalent (az found at ${az}, not used: it cannot sign in to the emulator unattended)`
      : "the in-process equivalent (the az CLI is not installed)",
  };
  log(
    `bench: ${groups.reduce((n, g) => n + g.count, 0)} apps seeded, latency ${o.latencyMs} ms, concurrency ${o.concurrency}, ${meta.cpus} CPUs, load ${meta.loadAverage[0]?.toFixed(1)}`,
  );
  const emulator = await spawnEmulator(
    ["--seed", join(dir, "seed.yaml"), "--latency", String(o.latencyMs), "--page-size", "1000"],
    120_000,
  );
  const results: RunResult[] = [];
  try {
    const ctx = {
      admin: emulatorAdmin(emulator.info),
      env: { ...process.env, ...emulator.info.env },
      dir,
      latencyMs: o.latencyMs,
      concurrency: o.concurrency,
      log,
    };
    mkdirSync(o.outDir, { recursive: true });
    for (const name of o.only) {
      log(`scenario ${name}`);
      results.push(...(await RUNS[name](ctx, o.sizes)));
      // After each scenario, so a long run that is stopped still leaves what it measured.
      writeFileSync(join(o.outDir, "results.json"), resultsJson(results, meta));
    }
  } finally {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  meta.totalSeconds = (Date.now() - started) / 1000;
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
