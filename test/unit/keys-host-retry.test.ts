import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { AzureRequestError, HostUnreachableError, type AzureErrorDetails } from "../../lib/errors.ts";
import { backoffMs, withHostRetry, type HostRetryOptions } from "../../lib/resources/keys/host-retry.ts";

const details: AzureErrorDetails = {
  service: "arm",
  status: 400,
  code: "BadRequest",
  method: "POST",
  url: "https://management.azure.com/x",
};
const hostDown = () =>
  new HostUnreachableError(
    "POST /subscriptions/s/host/default/listkeys: 400 BadRequest: Encountered an error (ServiceUnavailable) from host runtime.",
    details,
  );

function recorder(o: Partial<HostRetryOptions> = {}) {
  const waits: number[] = [];
  const opts: HostRetryOptions = {
    attempts: 4,
    baseMs: 100,
    maxMs: 1000,
    sleep: async (ms) => void waits.push(ms),
    random: () => 0.5,
    ...o,
  };
  return { waits, opts };
}

describe("host-unreachable retry", () => {
  test("retries only the host-runtime 400, with growing waits, then says what to do", async () => {
    const { waits, opts } = recorder();
    let calls = 0;
    const err = await withHostRetry(async () => {
      calls++;
      throw hostDown();
    }, opts).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(waits).toEqual([75, 150, 300]);
    expect(err).toBeInstanceOf(HostUnreachableError);
    expect((err as Error).message).toBe(
      "host unreachable: is the app running? (4 attempts; last answer: 400 BadRequest: Encountered an error (ServiceUnavailable) from host runtime.)",
    );
    expect((err as HostUnreachableError).fix).toMatch(/is the app running\?/);
  });

  test("succeeds once the host answers", async () => {
    const { waits, opts } = recorder();
    let calls = 0;
    await expect(withHostRetry(async () => (++calls < 3 ? Promise.reject(hostDown()) : "ok"), opts)).resolves.toBe(
      "ok",
    );
    expect(waits).toHaveLength(2);
  });

  test("other errors (429, 5xx already retried by the SDK, 404) are not retried again", async () => {
    const { waits, opts } = recorder();
    for (const status of [429, 500, 404, 400]) {
      let calls = 0;
      const e = new AzureRequestError(`boom ${status}`, { ...details, status });
      await expect(
        withHostRetry(async () => {
          calls++;
          throw e;
        }, opts),
      ).rejects.toBe(e);
      expect(calls).toBe(1);
    }
    expect(waits).toEqual([]);
  });

  test("a stopped app is not waited for", async () => {
    const { waits, opts } = recorder();
    const err = await withHostRetry(
      () => Promise.reject(hostDown()),
      opts,
      async () => "the app is Stopped",
    ).catch((e: unknown) => e as Error);
    expect(waits).toEqual([]);
    expect(err.message).toMatch(/^host unreachable: is the app running\? \(the app is Stopped; not retried/);
  });

  test("property: each wait is between half and all of its capped exponential step", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, baseMs, maxMs, r) => {
          const cap = Math.min(maxMs, baseMs * 2 ** (n - 1));
          const w = backoffMs(n, { attempts: 5, baseMs, maxMs }, () => r);
          expect(w).toBeGreaterThanOrEqual(Math.floor(cap / 2));
          expect(w).toBeLessThanOrEqual(Math.ceil(cap));
        },
      ),
    );
  });
});
