import { describe, expect, test } from "vitest";
import { decadeTicks, renderChart } from "../../lib/bench/chart.ts";
import { balanceLanes, laneSeconds } from "../../lib/bench/lanes.ts";
import { projectionBase, projectMissing, projectRun } from "../../lib/bench/projection.ts";
import { phases, type LogFigures } from "../../lib/bench/measure.ts";
import {
  azSampleUnit,
  benchUnits,
  laneGroups,
  SCENARIOS,
  seedStyleSlots,
  unitSizes,
  type BenchSizes,
} from "../../lib/bench/scenarios.ts";

const SIZES: BenchSizes = {
  noop: 500,
  change: 500,
  rotate: 150,
  registrations: 500,
  apply: 100,
  twoSubscriptions: 300,
  scaling: [100, 500, 2000, 5000],
  seedStyleMax: 500,
};

const unit = (id: string, seconds: number) => ({ id, seconds });

describe("lanes", () => {
  test("longest first to the least loaded lane; each lane keeps the given order", () => {
    const units = [unit("a", 10), unit("b", 80), unit("c", 30), unit("d", 50), unit("e", 40)];
    const lanes = balanceLanes(units, 2);
    expect(lanes.map((l) => l.map((u) => u.id))).toEqual([
      ["b", "c"],
      ["a", "d", "e"],
    ]);
    expect(laneSeconds(lanes)).toEqual([110, 100]);
  });

  test("every unit runs exactly once, whatever the number of lanes", () => {
    const units = Array.from({ length: 11 }, (_, i) => unit(`u${i}`, (i * 37) % 23));
    for (const n of [1, 2, 3, 7, 20]) {
      const lanes = balanceLanes(units, n);
      expect(lanes.length).toBe(Math.min(n, units.length));
      expect(
        lanes
          .flat()
          .map((u) => u.id)
          .sort(),
      ).toEqual(units.map((u) => u.id).sort());
    }
  });

  test("no lane is longer than the largest unit plus the average: LPT's guarantee", () => {
    const units = [90, 85, 60, 45, 45, 40, 30, 25, 20, 10].map((s, i) => unit(`u${i}`, s));
    const total = units.reduce((s, u) => s + u.seconds, 0);
    const longest = Math.max(...laneSeconds(balanceLanes(units, 3)));
    expect(longest).toBeLessThanOrEqual(total / 3 + 90);
    expect(longest).toBeGreaterThanOrEqual(total / 3);
  });

  test("CPU-bound units share the first lane, one after the other; the rest are balanced over the others", () => {
    const units = [
      { id: "a", seconds: 60, cpuBound: true },
      { id: "b", seconds: 80 },
      { id: "c", seconds: 30, cpuBound: true },
      { id: "d", seconds: 50 },
      { id: "e", seconds: 40 },
    ];
    expect(balanceLanes(units, 3).map((l) => l.map((u) => u.id))).toEqual([["a", "c"], ["b"], ["d", "e"]]);
    // One lane: everything in it, in order.
    expect(balanceLanes(units, 1).map((l) => l.map((u) => u.id))).toEqual([["a", "b", "c", "d", "e"]]);
    const defaults = benchUnits(SIZES, SCENARIOS, { latencyMs: 15, azSample: 20 });
    expect(defaults.filter((u) => u.cpuBound).map((u) => u.id)).toEqual([
      "no-op: seed-style",
      "registrations",
      "scaling ×2000",
      "scaling ×5000",
    ]);
  });

  test("the default scenarios split the scaling series by size; its 500-app point is the no-op itself", () => {
    const units = benchUnits(SIZES, SCENARIOS, { latencyMs: 15 });
    expect(units.map((u) => u.id)).toEqual([
      "no-op",
      "change-all",
      "rotate-all",
      "registrations",
      "audit",
      "apply",
      "two-subscriptions",
      "scaling ×100",
      "scaling ×2000",
      "scaling ×5000",
    ]);
    // change-all waits on the write bucket: (1000 − 200)/10 = 80 s before any process or baseline time.
    expect(units.find((u) => u.id === "change-all")!.seconds).toBeGreaterThan(80);
  });

  test("a lane seeds only what its units need", () => {
    const units = benchUnits(SIZES, SCENARIOS, { latencyMs: 15 });
    const lane = units.filter((u) => u.id === "scaling ×2000" || u.id === "apply");
    expect(laneGroups(SIZES, lane).map((g) => [g.prefix, g.count])).toEqual([
      ["noop", 2000],
      ["apl", 100],
    ]);
  });

  test("with az, one unit of its own runs the loop on its sample and every other unit leaves it to that one", () => {
    expect(azSampleUnit(SIZES, SCENARIOS)?.id).toBe("no-op: seed-style");
    expect(azSampleUnit(SIZES, ["change-all", "scaling"])?.id).toBe("change-all: seed-style");
    expect(azSampleUnit(SIZES, ["scaling"])).toMatchObject({ id: "scaling ×100: seed-style", size: 100 });
    expect(azSampleUnit(SIZES, ["audit"])).toBeUndefined();
    const units = benchUnits(SIZES, SCENARIOS, { latencyMs: 15, azSample: 20 });
    expect(units.map((u) => u.id).slice(0, 3)).toEqual(["no-op", "no-op: seed-style", "change-all"]);
    const sample = units[1]!;
    expect(unitSizes(SIZES, sample, true)).toMatchObject({ seedStyleOnly: true });
    expect(unitSizes(SIZES, units[0]!, true)).toMatchObject({ seedStyleElsewhere: true });
    expect(unitSizes(SIZES, units[0]!, false).seedStyleElsewhere).toBeUndefined();
    // 20 apps, a GET and a PUT each, plus the sign-in: az calls dominate the sample's unit.
    expect(sample.seconds).toBeGreaterThan(2 * 20);
    // Without the loop of its own, change-all is expected to take less than with the in-process one.
    const inProcess = benchUnits(SIZES, SCENARIOS, { latencyMs: 15 }).find((u) => u.id === "change-all")!;
    expect(units.find((u) => u.id === "change-all")!.seconds).toBeLessThan(inProcess.seconds);
  });
});

const run = (over: Partial<Parameters<typeof projectRun>[0]> & { bucketScale?: number; sampleOf?: number }) => ({
  name: "no-op",
  tool: "seed-style",
  apps: 20,
  targets: 20,
  spanSeconds: 40,
  processSeconds: 52,
  peakRssMb: 130,
  bucketScale: 1,
  ...over,
});

describe("projections of the sequential loop", () => {
  test("linear in the apps; the process's time outside the span is kept once", () => {
    const p = projectRun(run({}), 500, "projected");
    expect(p).toMatchObject({ apps: 500, targets: 500, spanSeconds: 1000, processSeconds: 1012, projected: true });
    expect(p.peakRssMb).toBeNull();
  });

  test("every seed-style figure no run measured is projected from the az sample, each under its own name", () => {
    const sample = run({ sampleOf: 500 });
    const rows = [sample, { ...projectRun(sample, 500, "own"), bucketScale: 1 }];
    const slots = seedStyleSlots(SIZES, SCENARIOS);
    expect(slots.map((s) => `${s.name}@${s.apps}`)).toEqual([
      "no-op@500",
      "change-all@500",
      "no-op ×100@100",
      "no-op ×2000@2000",
      "no-op ×5000@5000",
    ]);
    const base = projectionBase(rows, SIZES.seedStyleMax);
    expect(base).toBe(sample);
    const filled = projectMissing(rows, slots, base, "measured on 20 apps");
    expect(filled.map((r) => [r.name, r.apps, r.spanSeconds, r.bucketScale])).toEqual([
      ["change-all", 500, 1000, 1],
      ["no-op ×100", 100, 200, 0.2],
      ["no-op ×2000", 2000, 4000, 4],
      ["no-op ×5000", 5000, 10000, 10],
    ]);
    expect(filled.every((r) => r.projected && r.note === `projected: measured on 20 apps, × ${r.apps}`)).toBe(true);
  });

  test("without az, the largest in-process run within --seed-style-max is the base", () => {
    const rows = [run({ apps: 100, spanSeconds: 3 }), run({ apps: 500, spanSeconds: 20 }), run({ apps: 2000 })];
    expect(projectionBase(rows, 500)?.apps).toBe(500);
    expect(projectionBase(rows, 50)).toBeUndefined();
    expect(projectMissing(rows, [], undefined, "")).toEqual([]);
  });
});

describe("where a process's time goes outside its span", () => {
  test("start-up to the first request, sign-in to the first work request, last work request to exit", () => {
    const f = { firstRequestMs: 3_500, firstWorkMs: 3_900, lastWorkMs: 14_000 } as LogFigures;
    expect(phases({ startedAtMs: 1_000, endedAtMs: 14_250 }, f)).toEqual({
      startSeconds: 2.5,
      signInSeconds: 0.4,
      exitSeconds: 0.25,
    });
    expect(phases({ startedAtMs: 0, endedAtMs: 1 }, { ...f, firstWorkMs: undefined })).toBeUndefined();
  });
});

describe("a log axis for series orders of magnitude apart", () => {
  test("powers of ten cover the values; each decade takes the same height", () => {
    expect(decadeTicks(6.7, 11_534)).toEqual([1, 10, 100, 1000, 10_000, 100_000]);
    expect(decadeTicks(10, 10)).toEqual([10, 100]);
    const svg = renderChart({
      title: "t",
      xLabel: "x",
      yLabel: "y",
      logY: true,
      series: [{ name: "s", color: "#000", points: [10, 100, 1000].map((y, i) => ({ x: i + 1, y })) }],
    });
    const cy = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(cy).toHaveLength(3);
    expect(cy[0]! - cy[1]!).toBeCloseTo(cy[1]! - cy[2]!, 1);
  });
});
