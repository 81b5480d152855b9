import { setTimeout as sleep } from "node:timers/promises";
import { DEFAULT_SUBSCRIPTION_ID } from "../emulator/server.ts";
import type { AppGroup } from "./fleet.ts";
import { fleetFile, runBaselineTool, runTool, type BenchContext, type RunResult, type ToolRun } from "./runs.ts";

/** The second subscription of the two-subscription fleet. */
export const SECOND_SUBSCRIPTION = "8e4f1a2b-3c5d-4e6f-9a0b-1c2d3e4f5a6b";

export interface BenchSizes {
  noop: number;
  change: number;
  rotate: number;
  registrations: number;
  apply: number;
  /** Apps in each of the two subscriptions. */
  twoSubscriptions: number;
  scaling: number[];
  /** Seed-style runs of the scaling series above this size are projected from its measured time per app. */
  seedStyleMax: number;
  /**
   * Set on the units that do not run the seed-style loop themselves when az runs it: the loop sends the same two
   * calls per app whatever the scenario (no diff), so one sample serves them all (main.ts projects the rest).
   */
  seedStyleElsewhere?: boolean;
  /** Set on the unit of its own that runs only the seed-style loop through az (azSampleUnit). */
  seedStyleOnly?: boolean;
}

export const SCENARIOS = [
  "no-op",
  "change-all",
  "rotate-all",
  "registrations",
  "audit",
  "apply",
  "two-subscriptions",
  "scaling",
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

const SUB = DEFAULT_SUBSCRIPTION_ID;
const group = (prefix: string, count: number, configured = false, subscriptionId = SUB): AppGroup => ({
  subscriptionId,
  prefix,
  count,
  configured,
});

/** Every app the chosen scenarios need, seeded once into one emulator. */
export function benchGroups(s: BenchSizes, only: ReadonlySet<ScenarioName>): AppGroup[] {
  const noop = Math.max(
    only.has("no-op") || only.has("audit") ? s.noop : 0,
    ...(only.has("scaling") ? s.scaling : [0]),
  );
  const want = (n: ScenarioName, g: AppGroup[]) => (only.has(n) ? g : []);
  return [
    ...(noop ? [group("noop", noop, true)] : []),
    ...want("change-all", [group("chg-this", s.change), group("chg-seed", s.change), group("chg-naive", s.change)]),
    ...want("rotate-all", [group("rot", s.rotate, true)]),
    ...want("registrations", [group("reg", s.registrations, true)]),
    ...want("apply", [group("apl", s.apply)]),
    ...want("two-subscriptions", [
      group("two", s.twoSubscriptions),
      group("two", s.twoSubscriptions, false, SECOND_SUBSCRIPTION),
    ]),
  ];
}

type Run = (ctx: BenchContext, s: BenchSizes) => Promise<RunResult[]>;

const noopRun = (n: number, scale = 1, series = false): ToolRun => ({
  name: scale === 1 && n === 500 && !series ? "no-op" : `no-op ×${n}`,
  script: "configure-auth",
  groups: [group("noop", n, true)],
  blocks: ["auth"],
  args: ["--dry-run", "--detailed-exitcode"],
  targetsPerApp: 1,
  scale,
});

const seedStyle = (ctx: BenchContext, name: string, groups: AppGroup[], scale = 1) =>
  runBaselineTool(ctx, name, "seed-style", groups, scale);
const naive = (ctx: BenchContext, name: string, groups: AppGroup[], scale = 1) =>
  runBaselineTool(ctx, name, "naive", groups, scale);

/** An Easy Auth scenario: the tool, then both baselines on their own apps (the az unit runs only the seed-style loop). */
const withBaselines = async (
  ctx: BenchContext,
  s: BenchSizes,
  name: string,
  tool: () => Promise<RunResult>,
  baselineGroups: { seed: AppGroup[]; naive: AppGroup[] },
): Promise<RunResult[]> =>
  s.seedStyleOnly
    ? seedStyle(ctx, name, baselineGroups.seed)
    : [
        await tool(),
        ...(s.seedStyleElsewhere ? [] : await seedStyle(ctx, name, baselineGroups.seed)),
        ...(await naive(ctx, name, baselineGroups.naive)),
      ];

export const RUNS: Record<ScenarioName, Run> = {
  "no-op": (ctx, s) =>
    withBaselines(ctx, s, "no-op", () => runTool(ctx, noopRun(s.noop)), {
      seed: [group("noop", s.noop, true)],
      naive: [group("noop", s.noop, true)],
    }),
  // Read-only: the audit of the configured apps (Easy Auth and site hardening), as a user runs it.
  audit: async (ctx, s) => [
    await runTool(ctx, {
      name: "audit",
      script: "audit",
      groups: [group("noop", s.noop, true)],
      blocks: ["auth", "site"],
      args: [],
      targetsPerApp: 1,
    }),
  ],
  "change-all": (ctx, s) =>
    withBaselines(
      ctx,
      s,
      "change-all",
      () =>
        runTool(ctx, {
          name: "change-all",
          script: "configure-auth",
          groups: [group("chg-this", s.change)],
          blocks: ["auth"],
          args: ["--yes"],
          targetsPerApp: 1,
        }),
      { seed: [group("chg-seed", s.change)], naive: [group("chg-naive", s.change)] },
    ),
  "rotate-all": async (ctx, s) => {
    const run: ToolRun = {
      name: "rotate-all",
      script: "rotate-keys",
      groups: [group("rot", s.rotate, true)],
      blocks: ["keys"],
      args: ["--yes"],
      targetsPerApp: 1,
    };
    const file = fleetFile(ctx, run);
    const rotated = await runTool(ctx, run, file);
    // The fleet's grace is 2 s: after it, the retire run deletes the keys the rotation replaced.
    await sleep(2500);
    const retired = await runTool(ctx, { ...run, name: "rotate-all: retire" }, file);
    return [rotated, retired];
  },
  registrations: async (ctx, s) => {
    const run: ToolRun = {
      name: "registrations: create",
      script: "update-manifest",
      groups: [group("reg", s.registrations, true)],
      blocks: ["registration"],
      args: ["--yes"],
      targetsPerApp: 1,
    };
    const file = fleetFile(ctx, run);
    return [
      await runTool(ctx, run, file),
      await runTool(ctx, { ...run, name: "registrations: no-op", args: ["--dry-run", "--detailed-exitcode"] }, file),
    ];
  },
  apply: async (ctx, s) => [
    await runTool(ctx, {
      name: "apply (all kinds)",
      script: "apply",
      groups: [group("apl", s.apply)],
      blocks: ["registration", "auth", "site", "keys"],
      args: ["--yes"],
      targetsPerApp: 4,
    }),
  ],
  "two-subscriptions": async (ctx, s) => [
    await runTool(ctx, {
      name: "two subscriptions",
      script: "configure-auth",
      groups: [group("two", s.twoSubscriptions), group("two", s.twoSubscriptions, false, SECOND_SUBSCRIPTION)],
      blocks: ["auth"],
      args: ["--yes"],
      targetsPerApp: 1,
    }),
  ],
  // One size per call (a unit of its own, see benchUnits); seed-style above seedStyleMax is projected afterwards.
  scaling: async (ctx, s) => {
    const out: RunResult[] = [];
    for (const n of s.scaling) {
      const scale = n / 500;
      const groups = [group("noop", n, true)];
      if (!s.seedStyleOnly) {
        out.push(await runTool(ctx, noopRun(n, scale, true)));
        out.push(...(await naive(ctx, `no-op ×${n}`, groups, scale)));
      }
      if (n <= s.seedStyleMax && !s.seedStyleElsewhere)
        out.push(...(await seedStyle(ctx, `no-op ×${n}`, groups, scale)));
    }
    return out;
  },
};

/** One lane's unit of work: a scenario, or one size of the scaling series; `seconds` is what it is expected to take. */
export interface BenchUnit {
  id: string;
  scenario: ScenarioName;
  /** The scaling series' fleet size. */
  size?: number;
  /** Only the scenario's seed-style loop, through az on its sample (azSampleUnit): a lane's worth of az calls. */
  seedStyleOnly?: boolean;
  seconds: number;
  /** Bound by CPU (see cpuBound): lanes.ts runs these one after the other. */
  cpuBound?: boolean;
}

/** The scaling point at the no-op's own size is the no-op scenario itself (same fleet, Azure's buckets): run once. */
const sharesNoop = (s: BenchSizes, only: readonly ScenarioName[], n: number): boolean =>
  only.includes("no-op") && n === s.noop && n === 500;

/** The scaling series' run names at size n (the shared point keeps the no-op's name). */
export const seriesName = (s: BenchSizes, only: readonly ScenarioName[]) => (n: number) =>
  sharesNoop(s, only, n) ? "no-op" : `no-op ×${n}`;

/** What a unit's expected time depends on besides the sizes: the latency, and the az loop's sample when az runs. */
export interface Estimate {
  latencyMs: number;
  azSample?: number;
}

/**
 * With az, the unit of its own that runs the az loop on its sample, for the no-op, else change-all, else the scaling
 * series' smallest size within --seed-style-max (about a second per az call: one sample per bench is what fits).
 */
export function azSampleUnit(s: BenchSizes, only: readonly ScenarioName[]): Omit<BenchUnit, "seconds"> | undefined {
  const of = (scenario: ScenarioName, size?: number) => ({
    id: `${size === undefined ? scenario : `scaling ×${size}`}: seed-style`,
    scenario,
    ...(size === undefined ? {} : { size }),
    seedStyleOnly: true,
  });
  if (only.includes("no-op")) return of("no-op");
  if (only.includes("change-all")) return of("change-all");
  const n = only.includes("scaling") ? Math.min(...s.scaling.filter((m) => m <= s.seedStyleMax)) : Infinity;
  return Number.isFinite(n) ? of("scaling", n) : undefined;
}
// Measured on the shared 2-core machine (1.2 s per call, 11 s to sign in): each az call is a Python process.
const AZ_CALL_SECONDS = 1.5;
const AZ_SIGN_IN_SECONDS = 12;

/**
 * Expected seconds of each unit, for balancing lanes: the ARM buckets' drain time for the calls each run makes
 * (Azure's buckets; ×n/500 in the scaling series), the loops' round trips, and a few seconds per process.
 */
export function unitSeconds(
  u: Pick<BenchUnit, "scenario" | "size" | "seedStyleOnly">,
  s: BenchSizes,
  e: Estimate,
): number {
  const { latencyMs, azSample } = e;
  const PROCESS = 3;
  if (azSample !== undefined) {
    const n = u.scenario === "no-op" ? s.noop : u.scenario === "change-all" ? s.change : (u.size ?? 0);
    if (u.seedStyleOnly) return AZ_SIGN_IN_SECONDS + 2 * Math.min(n, azSample) * AZ_CALL_SECONDS + PROCESS;
    s = { ...s, seedStyleElsewhere: true };
  }
  const reads = (calls: number, f = 1) => Math.max(0, (calls - 250 * f) / (25 * f));
  const writes = (calls: number, f = 1) => Math.max(0, (calls - 200 * f) / (10 * f));
  // One GET and one PUT per app, one after the other, each a round trip plus the emulator's own work; through az,
  // its sign-in and about a second per call (a Python process each) on the sample.
  const loop = (n: number) => (s.seedStyleElsewhere ? 0 : (2 * n * (latencyMs + 5)) / 1000);
  // All apps at once: CPU-bound in both processes beyond a few hundred apps (16 ms per app measured at 5,000).
  const parallel = (n: number) => Math.max(8, n * 0.016);
  switch (u.scenario) {
    case "no-op":
      return reads(s.noop) + loop(s.noop) + parallel(s.noop) + 3 * PROCESS;
    case "change-all":
      return Math.max(reads(2 * s.change), writes(2 * s.change)) + loop(s.change) + parallel(s.change) + 3 * PROCESS;
    case "rotate-all":
      return writes(3 * s.rotate) + 2.5 + writes(5 * s.rotate) + 2 * PROCESS;
    case "registrations":
      // Bound by CPU, not by Graph's limits: 4,000 Graph requests at a few ms of CPU each in the tool and the emulator.
      return s.registrations * 0.05 + 2 * PROCESS;
    case "audit":
      return Math.max(reads(4 * s.noop), writes(2 * s.noop)) + PROCESS;
    case "apply":
      return Math.max(reads(4 * s.apply), writes(5 * s.apply)) * 1.5 + PROCESS;
    case "two-subscriptions":
      return Math.max(reads(2 * s.twoSubscriptions), writes(2 * s.twoSubscriptions)) + PROCESS;
    case "scaling": {
      const n = u.size ?? 0;
      return reads(n, n / 500) + parallel(n) + (n <= s.seedStyleMax ? loop(n) : 0) + 3 * PROCESS;
    }
  }
}

/**
 * Units bound by CPU rather than by buckets, which lanes.ts keeps in one lane: the az loop (a Python process per
 * call), registrations (Graph's limits are not reached: thousands of requests at full speed) and the scaling series
 * from 2,000 apps (the naive script's thousands of requests at once: at 5,000 apps a minute of CPU in it and half as
 * much in the emulator).
 */
const cpuBound = (u: Omit<BenchUnit, "seconds">): boolean =>
  Boolean(u.seedStyleOnly) || u.scenario === "registrations" || (u.size ?? 0) >= 2000;

/** The chosen scenarios as units, in report order: the scaling series split by size. */
export function benchUnits(s: BenchSizes, only: readonly ScenarioName[], e: Estimate): BenchUnit[] {
  const units = only.flatMap((scenario): Omit<BenchUnit, "seconds">[] =>
    scenario === "scaling"
      ? s.scaling.filter((n) => !sharesNoop(s, only, n)).map((size) => ({ id: `scaling ×${size}`, scenario, size }))
      : [{ id: scenario, scenario }],
  );
  const az = e.azSample !== undefined ? azSampleUnit(s, only) : undefined;
  // The sample's unit goes after its scenario's, so that the report keeps a scenario's rows together.
  const at = az ? units.findIndex((u) => u.scenario === az.scenario && u.size === az.size) + 1 : 0;
  const all = az ? [...units.slice(0, at), az, ...units.slice(at)] : units;
  return all.map((u) => ({ ...u, seconds: unitSeconds(u, s, e), ...(cpuBound(u) ? { cpuBound: true } : {}) }));
}

/**
 * The sizes a unit runs with: the scaling series only its own size; with az (`az`: the bench has an az sample unit),
 * the sample unit runs only the loop and every other unit leaves it to that one.
 */
export const unitSizes = (s: BenchSizes, u: BenchUnit, az: boolean): BenchSizes => ({
  ...s,
  ...(u.size === undefined ? {} : { scaling: [u.size] }),
  ...(u.seedStyleOnly ? { seedStyleOnly: true } : az ? { seedStyleElsewhere: true } : {}),
});

/** Every seed-style figure the report shows: one per scenario with a seed-style baseline, and per scaling size. */
export function seedStyleSlots(
  s: BenchSizes,
  only: readonly ScenarioName[],
): { name: string; apps: number; scale: number }[] {
  const name = seriesName(s, only);
  return [
    ...(only.includes("no-op") ? [{ name: "no-op", apps: s.noop, scale: 1 }] : []),
    ...(only.includes("change-all") ? [{ name: "change-all", apps: s.change, scale: 1 }] : []),
    ...(only.includes("scaling")
      ? s.scaling.filter((n) => !sharesNoop(s, only, n)).map((n) => ({ name: name(n), apps: n, scale: n / 500 }))
      : []),
  ];
}

/** Every app a lane's units need, seeded once into the lane's emulator. */
export function laneGroups(s: BenchSizes, units: readonly BenchUnit[]): AppGroup[] {
  const sizes = units.flatMap((u) => (u.size === undefined ? [] : [u.size]));
  return benchGroups({ ...s, scaling: sizes }, new Set(units.map((u) => u.scenario)));
}
