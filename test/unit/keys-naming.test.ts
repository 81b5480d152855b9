import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { formatDuration, parseDuration } from "../../lib/resources/keys/duration.ts";
import { choosePhysicalName, formatPhysicalName, parsePhysicalName } from "../../lib/resources/keys/physical-name.ts";

const date = fc.date({
  min: new Date("2000-01-01T00:00:00Z"),
  max: new Date("2199-12-31T23:59:59Z"),
  noInvalidDate: true,
});
const logical = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,40}$/);

describe("physical key names", () => {
  test("the documented shape: logical name + UTC creation minute", () => {
    expect(formatPhysicalName("apim", new Date("2026-11-23T08:30:59.900Z"))).toBe("apim-20261123t0830z");
    expect(parsePhysicalName("apim-20261123t0830z", "apim")).toEqual(new Date("2026-11-23T08:30:00Z"));
    expect(parsePhysicalName("APIM-20261123T083015Z", "apim")).toEqual(new Date("2026-11-23T08:30:15Z"));
  });

  test("names of other keys, other logical names and impossible dates are not physical names", () => {
    for (const n of [
      "apim",
      "default",
      "apim-",
      "apim-2026",
      "apim-20261332t0830z",
      "apim-20261123t2460z",
      "apim-2-20261123t0830z",
      "apimx-20261123t0830z",
      "apim-20261123t0830z-old",
    ]) {
      expect(parsePhysicalName(n, "apim"), n).toBeUndefined();
    }
    // A logical name that looks like a physical name of another does not confuse either.
    expect(parsePhysicalName("apim-20261123t0830z-20261124t0900z", "apim")).toBeUndefined();
    expect(parsePhysicalName("apim-20261123t0830z-20261124t0900z", "apim-20261123t0830z")).toEqual(
      new Date("2026-11-24T09:00:00Z"),
    );
  });

  test("property: format then parse gives the time back (minute or second precision)", () => {
    fc.assert(
      fc.property(logical, date, fc.boolean(), (l, d, seconds) => {
        const back = parsePhysicalName(formatPhysicalName(l, d, { seconds }), l);
        const unit = seconds ? 1000 : 60_000;
        expect(back?.getTime()).toBe(Math.floor(d.getTime() / unit) * unit);
      }),
    );
  });

  test("property: a chosen name is free, parses to its creation time, and is newer than the newest key", () => {
    fc.assert(
      fc.property(
        logical,
        date,
        fc.array(fc.integer({ min: -120, max: 120 }), { maxLength: 8 }),
        fc.option(fc.integer({ min: -600, max: 600 })),
        (l, now, offsets, afterOffset) => {
          const taken = new Set(
            offsets.flatMap((o) =>
              [
                formatPhysicalName(l, new Date(now.getTime() + o * 1000)),
                formatPhysicalName(l, new Date(now.getTime() + o * 1000), { seconds: true }),
              ].map((n) => n.toLowerCase()),
            ),
          );
          const after =
            afterOffset === null ? undefined : new Date(Math.floor((now.getTime() + afterOffset * 1000) / 1000) * 1000);
          const { name, createdAt } = choosePhysicalName(l, now, taken, after);
          expect(taken.has(name.toLowerCase())).toBe(false);
          expect(parsePhysicalName(name, l)).toEqual(createdAt);
          if (after) expect(createdAt.getTime()).toBeGreaterThan(after.getTime());
        },
      ),
    );
  });
});

describe("durations", () => {
  test("accepted and refused forms", () => {
    expect(parseDuration("4h30m")).toBe(16_200_000);
    expect(parseDuration("30d")).toBe(2_592_000_000);
    expect(parseDuration("0s")).toBe(0);
    for (const bad of ["", "4", "h", "30m4h", "1w", "-1h", "P1M"]) expect(parseDuration(bad), bad).toBeUndefined();
    // ISO 8601 is accepted since durations follow Azure's spelling too (test/unit/durations.test.ts).
    expect(parseDuration("PT4H")).toBe(4 * 3_600_000);
  });

  test("property: format is the inverse of parse", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 * 86_400 }), (seconds) => {
        expect(parseDuration(formatDuration(seconds * 1000))).toBe(seconds * 1000);
      }),
    );
  });
});
