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
  /** Epoch ms of the first request of any service (the sign-in at Entra), and of the first and last work request. */
  firstRequestMs?: number;
  firstWorkMs?: number;
  lastWorkMs?: number;
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
  const first = log.length ? Math.min(...log.map((l) => Date.parse(l.at))) : undefined;
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
    ...(first !== undefined ? { firstRequestMs: first } : {}),
    ...(times.length ? { firstWorkMs: Math.min(...times), lastWorkMs: Math.max(...times) } : {}),
  };
}

export interface ChildRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Whole process: start-up, sign-in, the work, exit. */
  processSeconds: number;
  /** Epoch ms the child was started and had exited, to place the emulator's request times in it. */
  startedAtMs: number;
  endedAtMs: number;
  /** Peak resident set of the process tree (GNU time's %M), or null when /usr/bin/time is not installed. */
  peakRssMb: number | null;
  /** CPU seconds the process used, user + system (GNU time's %U + %S), or null without /usr/bin/time. */
  cpuSeconds: number | null;
}

const GNU_TIME = "/usr/bin/time";

/** Runs a command as a child process, timed, with its peak RSS measured by GNU time when it is there. */
export async function runChild(cmd: string[], env: NodeJS.ProcessEnv, dir: string): Promise<ChildRun> {
  const rssFile = join(dir, `rss-${process.hrtime.bigint()}.txt`);
  const timed = existsSync(GNU_TIME) ? [GNU_TIME, "-f", "%M %U %S", "-o", rssFile, ...cmd] : cmd;
  const startedAtMs = Date.now();
  const started = process.hrtime.bigint();
  const r = await $({ env, quiet: true, nothrow: true })`${timed}`;
  const processSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const endedAtMs = Date.now();
  let peakRssMb: number | null = null;
  let cpuSeconds: number | null = null;
  if (existsSync(rssFile)) {
    // GNU time prints "Command exited with non-zero status N" before its line when the command fails.
    const [kb, user, sys] = (readFileSync(rssFile, "utf8").trim().split("\n").at(-1) ?? "").split(" ").map(Number);
    peakRssMb = kb !== undefined && Number.isFinite(kb) ? Math.round((kb / 1024) * 10) / 10 : null;
    cpuSeconds =
      user !== undefined && sys !== undefined && Number.isFinite(user + sys)
        ? Math.round((user + sys) * 100) / 100
        : null;
    rmSync(rssFile, { force: true });
  }
  return {
    exitCode: r.exitCode ?? -1,
    stdout: r.stdout,
    stderr: r.stderr,
    processSeconds,
    startedAtMs,
    endedAtMs,
    peakRssMb,
    cpuSeconds,
  };
}

/** Where a process's time went outside its span, from the emulator's request times (same machine, same clock). */
export interface Phases {
  /** Process start to its first request answered (module loading, config, the sign-in's token request). */
  startSeconds: number;
  /** First request to the first work request (the rest of sign-in: other token requests, discovery at Entra). */
  signInSeconds: number;
  /** Last work request answered to the process's exit (rendering, verification output, open handles). */
  exitSeconds: number;
}

export function phases(child: Pick<ChildRun, "startedAtMs" | "endedAtMs">, f: LogFigures): Phases | undefined {
  if (f.firstRequestMs === undefined || f.firstWorkMs === undefined || f.lastWorkMs === undefined) return undefined;
  const s = (ms: number) => Math.round(ms) / 1000;
  return {
    startSeconds: s(f.firstRequestMs - child.startedAtMs),
    signInSeconds: s(f.firstWorkMs - f.firstRequestMs),
    exitSeconds: s(child.endedAtMs - f.lastWorkMs),
  };
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
