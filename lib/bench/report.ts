import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { renderChart, type Series } from "./chart.ts";
import type { RunResult, ToolName } from "./runs.ts";

/** `bench/results.json`: one entry per scenario and tool, in the shape issue 14 fixed. */
export interface ScenarioEntry {
  name: string;
  tool: ToolName;
  apps: number;
  wallSeconds: number;
  boundSeconds: number;
  ratioToBound: number | null;
  requests: { reads: number; writes: number; deletes: number };
  throttled429: number;
  failed: number;
  peakRssMb: number | null;
}

const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;

/** ratio = ARM/Graph span over the bound; no ratio when the bound is zero (nothing to wait for). */
export function ratio(r: Pick<RunResult, "spanSeconds" | "bound" | "projected">): number | null {
  return r.bound.seconds > 0 && !r.projected ? round(r.spanSeconds / r.bound.seconds) : null;
}

export function scenarioEntry(r: RunResult): ScenarioEntry {
  return {
    name: r.name,
    tool: r.tool,
    apps: r.apps,
    wallSeconds: round(r.spanSeconds),
    boundSeconds: round(r.bound.seconds),
    ratioToBound: ratio(r),
    requests: { ...r.requests },
    throttled429: r.throttled429,
    failed: r.failed,
    peakRssMb: r.peakRssMb,
  };
}

export interface BenchMeta {
  startedAt: string;
  latencyMs: number;
  concurrency: number;
  cpus: number;
  loadAverage: number[];
  /** What ran each baseline (the real az CLI, or the in-process equivalent). */
  baselines: string;
  /** How the children ran: the compiled build with node, or the sources with tsx. */
  runtime?: "node" | "tsx";
  /** Lanes run at once, each its own emulator: the units each ran, expected and measured seconds. */
  lanes?: { lane: number; units: string[]; expectedSeconds: number; seconds?: number }[];
  totalSeconds?: number;
}

/** results.json: `scenarios` as the issue asks, `runs` with the rest of each measurement (formula, process wall…). */
export function resultsJson(results: readonly RunResult[], meta: BenchMeta): string {
  return `${JSON.stringify({ scenarios: results.map(scenarioEntry), runs: results, meta }, null, 2)}\n`;
}

const perTarget = (r: RunResult): string =>
  (["reads", "writes", "deletes"] as const).map((k) => (r.requests[k] / Math.max(1, r.targets)).toFixed(2)).join("/");

/** The process's time outside its span, and how it splits (measure.ts phases). */
function outsideSpan(r: RunResult): string {
  const total = `${(r.processSeconds - r.spanSeconds).toFixed(1)} s`;
  const p = r.phases;
  return p ? `${total}: ${[p.startSeconds, p.signInSeconds, p.exitSeconds].map((s) => s.toFixed(1)).join("/")}` : total;
}

export function markdownTable(results: readonly RunResult[]): string {
  const rows = results.map((r) =>
    [
      r.name,
      r.tool,
      r.apps,
      r.projected ? `${r.spanSeconds.toFixed(1)} s (projected)` : `${r.spanSeconds.toFixed(1)} s`,
      r.projected ? "—" : `${r.processSeconds.toFixed(1)} s`,
      r.projected ? "—" : outsideSpan(r),
      r.projected || r.cpuSeconds == null
        ? "—"
        : `${r.cpuSeconds.toFixed(1)} s${r.emulatorCpuSeconds !== undefined ? ` + ${r.emulatorCpuSeconds.toFixed(1)} s` : ""}`,
      // A projection has no run of its own: no bound, requests or errors to show.
      r.projected ? "—" : `${r.bound.seconds.toFixed(1)} s`,
      r.projected ? "—" : (ratio(r)?.toFixed(2) ?? "n/a"),
      r.projected ? "—" : perTarget(r),
      r.projected ? "—" : r.throttled429,
      r.projected ? "—" : r.failed,
      r.peakRssMb === null ? "—" : `${r.peakRssMb} MB`,
    ].join(" | "),
  );
  const formulas = results
    .filter((r) => !r.projected)
    .map((r) => `- ${r.name} [${r.tool}]: ${r.bound.formula}${r.note ? ` (${r.note})` : ""}`);
  return [
    "| scenario | tool | apps | span | process wall | process − span: start/sign-in/exit | CPU: tool + emulator | bound | span/bound | requests per target r/w/d | 429s | failed | peak RSS |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r} |`),
    "",
    "Bounds (buckets in [brackets]; `requests×latency/workers` is the round-trip floor):",
    "",
    ...formulas,
    "",
  ].join("\n");
}

const COLORS: Record<ToolName, string> = { this: "#1f77b4", "seed-style": "#d62728", naive: "#ff7f0e" };

/** Wall time (span) against fleet size for the scaling series, with the tool's bound as a dashed line. */
export function scalingChart(results: readonly RunResult[]): string {
  // The az loop's sample is a measurement on a few apps, not a fleet size of the series: only its projections are drawn.
  const scaling = results.filter(
    (r) => r.sampleOf === undefined && (r.name.startsWith("no-op ×") || (r.name === "no-op" && r.bucketScale === 1)),
  );
  const byTool = (t: ToolName) =>
    [...new Map(scaling.filter((r) => r.tool === t).map((r) => [r.apps, r])).values()].sort((a, b) => a.apps - b.apps);
  const series: Series[] = (["this", "naive", "seed-style"] as const).map((t) => ({
    name: t === "this" ? "easyauth-fleet" : t,
    color: COLORS[t],
    points: byTool(t).map((r) => ({ x: r.apps, y: r.spanSeconds, ...(r.projected ? { projected: true } : {}) })),
  }));
  series.push({
    name: "bound (buckets)",
    color: "#2ca02c",
    dashed: true,
    points: byTool("this").map((r) => ({ x: r.apps, y: r.bound.seconds })),
  });
  // The az loop's projections are hundreds of times the tool's time: a log axis keeps both readable.
  const ys = series.flatMap((s) => s.points.map((p) => p.y)).filter((y) => y > 0);
  const logY = ys.length > 0 && Math.max(...ys) / Math.min(...ys) > 100;
  return renderChart({
    title: "configure-auth no-op: wall time (span) against fleet size",
    xLabel: "apps",
    yLabel: logY ? "seconds (log scale)" : "seconds",
    series,
    logY,
    note: "ARM buckets scaled in proportion to the fleet (×apps/500); hollow points are projected, not measured.",
  });
}

const START = "<!-- bench:results:start -->";
const END = "<!-- bench:results:end -->";

/** Replaces the generated block of docs/performance.md with the latest table; the prose around it stays. */
export function updatePerformanceDoc(file: string, table: string, meta: BenchMeta): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file, "utf8");
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return;
  const block = [
    START,
    "",
    `Measured ${meta.startedAt} on ${meta.cpus} CPUs (load average ${meta.loadAverage.map((l) => l.toFixed(1)).join(", ")} at the start), emulator latency ${meta.latencyMs} ms, --concurrency ${meta.concurrency}; children run with ${meta.runtime ?? "tsx"}; baselines: ${meta.baselines}.${meta.totalSeconds ? ` The whole bench took ${meta.totalSeconds.toFixed(0)} s.` : ""}`,
    ...(meta.lanes?.length
      ? [
          "",
          `${meta.lanes.length} lanes, each its own emulator (same rules, buckets, latency), run at once:`,
          "",
          ...meta.lanes.map(
            (l) =>
              `- lane ${l.lane}: ${l.units.join(", ")}: ${l.seconds !== undefined ? `${l.seconds.toFixed(0)} s` : "—"} (expected ${l.expectedSeconds} s)`,
          ),
        ]
      : []),
    "",
    table,
    END,
  ].join("\n");
  writeFileSync(file, text.slice(0, a) + block + text.slice(b + END.length));
}
