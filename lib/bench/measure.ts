import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { $ } from "zx";
import type { LoggedRequest } from "../emulator/request-log.ts";
import { GRAPH_THROTTLE, operationKind, type OperationKind } from "../emulator/throttle.ts";
import type { BucketLoad } from "./bound.ts";

export type Counts = Record<OperationKind, number>;

/** The services whose calls a run makes (sign-in at Entra is start-up, not the run's work). */
const WORK = new Set(["arm", "graph", "keyvault"]);

export interface LogFigures {
  requests: Counts;
  byService: Record<string, number>;
  throttled429: number;
  /** First to last request of the run's work: process start-up and sign-in excluded. */
  spanSeconds: number;
  /** What each bucket had to serve: ARM per subscription and kind, Graph per application + tenant. */
  loads: BucketLoad[];
}

export function logFigures(
  log: readonly LoggedRequest[],
  arm: Record<OperationKind, { size: number; refillPerSecond: number }>,
): LogFigures {
  const work = log.filter((l) => WORK.has(l.service));
  const requests: Counts = { reads: 0, writes: 0, deletes: 0 };
  const byService: Record<string, number> = {};
  const armLoads = new Map<string, number>();
  let graphCalls = 0;
  let graphWrites = 0;
  for (const l of work) {
    const kind = operationKind(l.method);
    requests[kind]++;
    byService[l.service] = (byService[l.service] ?? 0) + 1;
    // A refused request spends no token: the buckets bound only what was served.
    if (l.status === 429) continue;
    if (l.service === "arm") {
      const sub = /^\/subscriptions\/([^/]+)/i.exec(l.path)?.[1]?.toLowerCase() ?? "tenant";
      armLoads.set(`${sub}|${kind}`, (armLoads.get(`${sub}|${kind}`) ?? 0) + 1);
    }
    if (l.service === "graph") {
      graphCalls++;
      if (l.method !== "GET") graphWrites++;
    }
  }
  const times = work.map((l) => Date.parse(l.at));
  const loads: BucketLoad[] = [...armLoads].map(([key, calls]) => {
    const [sub, kind] = key.split("|") as [string, OperationKind];
    return { label: `${sub.slice(0, 8)} ${kind}`, calls, bucket: arm[kind] };
  });
  // Every Graph request costs at least one resource unit, so the request count is a lower bound on the units.
  if (graphCalls)
    loads.push({ label: "graph units ≥ requests", calls: graphCalls, bucket: GRAPH_THROTTLE.resourceUnits });
  if (graphWrites) loads.push({ label: "graph writes", calls: graphWrites, bucket: GRAPH_THROTTLE.writes });
  return {
    requests,
    byService,
    throttled429: work.filter((l) => l.status === 429).length,
    spanSeconds: times.length ? (Math.max(...times) - Math.min(...times)) / 1000 : 0,
    loads,
  };
}

export interface ChildRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Whole process: start-up, sign-in, the work, exit. */
  processSeconds: number;
  /** Peak resident set of the process tree (GNU time's %M), or null when /usr/bin/time is not installed. */
  peakRssMb: number | null;
}

const GNU_TIME = "/usr/bin/time";

/** Runs a command as a child process, timed, with its peak RSS measured by GNU time when it is there. */
export async function runChild(cmd: string[], env: NodeJS.ProcessEnv, dir: string): Promise<ChildRun> {
  const rssFile = join(dir, `rss-${process.hrtime.bigint()}.txt`);
  const timed = existsSync(GNU_TIME) ? [GNU_TIME, "-f", "%M", "-o", rssFile, ...cmd] : cmd;
  const started = process.hrtime.bigint();
  const r = await $({ env, quiet: true, nothrow: true })`${timed}`;
  const processSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  let peakRssMb: number | null = null;
  if (existsSync(rssFile)) {
    // GNU time prints "Command exited with non-zero status N" before %M when the command fails.
    const kb = Number(readFileSync(rssFile, "utf8").trim().split("\n").at(-1));
    peakRssMb = Number.isFinite(kb) ? Math.round((kb / 1024) * 10) / 10 : null;
    rmSync(rssFile, { force: true });
  }
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, processSeconds, peakRssMb };
}

/** Failed targets in a tool's `--json` document (planning errors and failed applies); all of them if unreadable. */
export function toolFailures(stdout: string, targets: number): number {
  try {
    const doc = JSON.parse(stdout) as { summary?: { errors?: number }; results?: { outcome: string }[] };
    if (!doc.summary) return targets;
    return (doc.summary.errors ?? 0) + (doc.results ?? []).filter((r) => r.outcome === "failed").length;
  } catch {
    return targets;
  }
}
