import { describe, expect, test } from "vitest";
import { ArmLimiter, ClientBucket, operationKind, type Clock } from "../../lib/azure/limiter.ts";
import { retryAfterMs } from "../../lib/azure/limiter-policy.ts";

/** A clock that only moves when someone sleeps: the limiter's timing is checked without wall-clock time. */
function fakeClock(): Clock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    },
  };
  return c;
}

describe("client-side ARM limiter", () => {
  test("POST counts as a write, DELETE as a delete, GET as a read", () => {
    expect([operationKind("GET"), operationKind("POST"), operationKind("PUT"), operationKind("DELETE")]).toEqual([
      "reads",
      "writes",
      "writes",
      "deletes",
    ]);
  });

  test("a full bucket serves `size` requests at once, then paces at the refill rate", async () => {
    const clock = fakeClock();
    const b = new ClientBucket({ size: 5, refillPerSecond: 10 }, clock, { reserve: 0, rateFactor: 1 });
    for (let i = 0; i < 5; i++) await b.acquire();
    expect(clock.t).toBe(0);
    for (let i = 0; i < 10; i++) await b.acquire();
    expect(clock.t).toBeGreaterThanOrEqual(1000);
    expect(clock.t).toBeLessThan(1100);
  });

  test("the service's remaining count lowers the local estimate", async () => {
    const clock = fakeClock();
    const b = new ClientBucket({ size: 100, refillPerSecond: 10 }, clock, { reserve: 0, rateFactor: 1 });
    b.observeRemaining(0);
    await b.acquire();
    expect(clock.t).toBe(100);
  });

  test("headroom: a reserve is never spent and a drained bucket paces a little below the refill rate", async () => {
    const clock = fakeClock();
    const b = new ClientBucket({ size: 10, refillPerSecond: 10 }, clock, { reserve: 2, rateFactor: 0.9 });
    for (let i = 0; i < 8; i++) await b.acquire();
    expect(clock.t).toBe(0);
    for (let i = 0; i < 9; i++) await b.acquire();
    // 9 more tokens at 9 per second.
    expect(clock.t).toBeGreaterThanOrEqual(1000);
    // The service says 3 left and the reserve keeps 2: one token is free, the next waits.
    const fresh = new ClientBucket({ size: 10, refillPerSecond: 10 }, clock, { reserve: 2, rateFactor: 0.9 });
    fresh.observeRemaining(3);
    const before = clock.t;
    await fresh.acquire();
    expect(clock.t).toBe(before);
    await fresh.acquire();
    expect(clock.t).toBeGreaterThan(before);
  });

  test("Retry-After pauses every caller of the bucket", async () => {
    const clock = fakeClock();
    const limiter = new ArmLimiter(undefined, clock);
    const b = limiter.bucket("sub", "writes");
    b.pause(3000);
    await Promise.all([b.acquire(), b.acquire()]);
    expect(clock.t).toBeGreaterThanOrEqual(3000);
    expect(limiter.bucket("SUB", "writes")).toBe(b);
    expect(limiter.bucket("other", "writes")).not.toBe(b);
  });

  test("Retry-After as seconds or an HTTP date", () => {
    expect(retryAfterMs("5")).toBe(5000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs("soon")).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});
