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

export const RUNS: Record<ScenarioName, Run> = {
  "no-op": async (ctx, s) => [
    await runTool(ctx, noopRun(s.noop)),
    await runBaselineTool(ctx, "no-op", "seed-style", [group("noop", s.noop, true)]),
    await runBaselineTool(ctx, "no-op", "naive", [group("noop", s.noop, true)]),
  ],
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
  "change-all": async (ctx, s) => [
    await runTool(ctx, {
      name: "change-all",
      script: "configure-auth",
      groups: [group("chg-this", s.change)],
      blocks: ["auth"],
      args: ["--yes"],
      targetsPerApp: 1,
    }),
    await runBaselineTool(ctx, "change-all", "seed-style", [group("chg-seed", s.change)]),
    await runBaselineTool(ctx, "change-all", "naive", [group("chg-naive", s.change)]),
  ],
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
  scaling: async (ctx, s) => {
    const out: RunResult[] = [];
    let perApp: number | undefined;
    for (const n of s.scaling) {
      const scale = n / 500;
      const groups = [group("noop", n, true)];
      out.push(await runTool(ctx, noopRun(n, scale, true)));
      out.push(await runBaselineTool(ctx, `no-op ×${n}`, "naive", groups, scale));
      if (n <= s.seedStyleMax) {
        const seed = await runBaselineTool(ctx, `no-op ×${n}`, "seed-style", groups, scale);
        perApp = seed.spanSeconds / n;
        out.push(seed);
      } else if (perApp !== undefined) {
        const last = [...out].reverse().find((r) => r.tool === "seed-style")!;
        out.push({
          ...last,
          name: `no-op ×${n}`,
          apps: n,
          targets: n,
          spanSeconds: perApp * n,
          processSeconds: last.processSeconds - last.spanSeconds + perApp * n,
          bucketScale: scale,
          projected: true,
          peakRssMb: null,
          note: `projected: ${(perApp * 1000).toFixed(1)} ms per app measured at ${last.apps} apps, × ${n}`,
        });
      }
    }
    return out;
  },
};
