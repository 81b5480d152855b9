import { describe, expect, test } from "vitest";
import { bucketSeconds, runBound, scaleBucket } from "../../lib/bench/bound.ts";
import { niceTicks, renderChart } from "../../lib/bench/chart.ts";
import { ratio } from "../../lib/bench/report.ts";
import { ClientBucket } from "../../lib/azure/limiter.ts";
import { interleavedIndexes, startInterleaved } from "../../lib/pipeline/interleave.ts";

const reads = { size: 250, refillPerSecond: 25 };
const writes = { size: 200, refillPerSecond: 10 };

describe("the bound formula", () => {
  test("a bucket serves its size at once, the rest at its refill rate", () => {
    expect(bucketSeconds({ label: "r", calls: 500, bucket: reads })).toBe(10);
    expect(bucketSeconds({ label: "r", calls: 100, bucket: reads })).toBe(0);
    expect(bucketSeconds({ label: "w", calls: 500, bucket: writes })).toBe(30);
  });

  test("the slowest bucket or the round trips, whichever is larger, with the numbers in the formula", () => {
    const b = runBound(
      [
        { label: "sub reads", calls: 1000, bucket: reads },
        { label: "sub writes", calls: 500, bucket: writes },
      ],
      1500,
      15,
      16,
    );
    expect(b.seconds).toBe(30);
    expect(b.formula).toBe("max((1000−250)/25 [sub reads]; (500−200)/10 [sub writes]; 1500×15 ms/16) = 30.0 s");
    // Under every bucket: only latency bounds it (one worker: every round trip in a row).
    expect(runBound([{ label: "r", calls: 10, bucket: reads }], 200, 15, 1)).toEqual({
      seconds: 3,
      formula: "200×15 ms/1 = 3.0 s",
    });
  });

  test("two subscriptions refill in parallel: the bound is the larger one, not the sum", () => {
    const b = runBound(
      [
        { label: "a writes", calls: 500, bucket: writes },
        { label: "b writes", calls: 300, bucket: writes },
      ],
      0,
      15,
      16,
    );
    expect(b.seconds).toBe(30);
  });

  test("buckets scaled in proportion keep the time to drain them", () => {
    const big = scaleBucket(reads, 10);
    expect(big).toEqual({ size: 2500, refillPerSecond: 250 });
    expect(bucketSeconds({ label: "r", calls: 5000, bucket: big })).toBe(
      bucketSeconds({ label: "r", calls: 500, bucket: reads }),
    );
  });

  test("ratio is span over bound, none for a zero bound", () => {
    expect(ratio({ spanSeconds: 11, bound: { seconds: 10, formula: "" } })).toBe(1.1);
    expect(ratio({ spanSeconds: 1, bound: { seconds: 0, formula: "" } })).toBeNull();
  });
});

describe("learning a bucket from x-ms-ratelimit-remaining", () => {
  const clock = () => {
    let t = 0;
    return {
      now: () => t,
      sleep: async (ms: number) => {
        t += ms;
      },
    };
  };

  test("a first answer showing a smaller bucket shrinks it and its refill rate in proportion", async () => {
    const c = clock();
    const b = new ClientBucket(writes, c, { reserve: 0, rateFactor: 1 });
    await b.acquire();
    b.calibrate(19); // the service's bucket holds 20: a tenth of the documented 200, so it refills at 1/s
    b.observeRemaining(19);
    for (let i = 0; i < 19; i++) await b.acquire();
    const before = c.now();
    await b.acquire();
    expect(c.now() - before).toBe(1000);
  });

  test("a later answer above the assumed size grows the bucket; a smaller one does not shrink it again", async () => {
    const c = clock();
    const b = new ClientBucket(reads, c, { reserve: 0, rateFactor: 1 });
    await b.acquire();
    b.calibrate(249);
    b.calibrate(2499); // ten times Azure's: 2,500 at 250/s
    for (let i = 0; i < 2499; i++) await b.acquire();
    expect(c.now()).toBe(0);
    b.calibrate(3);
    const before = c.now();
    await b.acquire();
    expect(c.now() - before).toBe(4); // 1 token at 250/s
  });
});

describe("targets handed to workers in turn from each subscription", () => {
  test("a, b, a, b…: each subscription's own order kept; results back in the items' order", async () => {
    const items = ["a1", "a2", "a3", "B1", "b2"];
    expect(interleavedIndexes(items, (s) => s[0]!)).toEqual([0, 3, 1, 4, 2]);
    const started: string[] = [];
    const out = await Promise.all(
      startInterleaved(
        items,
        (s) => s[0]!,
        async (s) => {
          started.push(s);
          return s.toUpperCase();
        },
      ),
    );
    expect(started).toEqual(["a1", "B1", "a2", "b2", "a3"]);
    expect(out).toEqual(["A1", "A2", "A3", "B1", "B2"]);
  });
});

describe("the SVG chart", () => {
  test("ticks are 1-2-5 steps covering the data", () => {
    expect(niceTicks(5000)).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(niceTicks(37)).toEqual([0, 10, 20, 30, 40]);
  });

  test("self-contained: one svg element, a path per measured series, hollow projected points, escaped text", () => {
    const svg = renderChart({
      title: "wall <time>",
      xLabel: "apps",
      yLabel: "s",
      series: [
        {
          name: "tool",
          color: "#111",
          points: [
            { x: 100, y: 10 },
            { x: 500, y: 11 },
          ],
        },
        {
          name: "seed & co",
          color: "#222",
          points: [
            { x: 100, y: 5 },
            { x: 500, y: 25 },
            { x: 5000, y: 250, projected: true },
          ],
        },
        {
          name: "bound",
          color: "#333",
          dashed: true,
          points: [
            { x: 100, y: 10 },
            { x: 500, y: 10 },
          ],
        },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<svg/g)).toHaveLength(1);
    expect(svg).not.toMatch(/href=|<script|<image/);
    expect(svg).toContain("wall &lt;time&gt;");
    expect(svg).toContain("seed &amp; co");
    expect(svg.match(/stroke-dasharray="6 4"/g)?.length).toBe(2); // the bound's line and its legend
    expect(svg).toContain('fill="#fff" stroke="#222"'); // the projected point is hollow
    expect(svg).toContain("seed &amp; co: 5000 → 250.0 s (projected)");
  });
});
