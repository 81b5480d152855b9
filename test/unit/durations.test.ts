import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { validateConfig } from "../../lib/config/load.ts";
import { formatDuration, parseDuration } from "../../lib/resources/keys/duration.ts";

const H = 3_600_000;
const D = 24 * H;

describe("durations: the short form and ISO 8601 parse alike", () => {
  test.each([
    ["30d", "P30D", 30 * D],
    ["4h30m", "PT4H30M", 4.5 * H],
    ["1d12h", "P1DT12H", 36 * H],
    ["45s", "PT45S", 45_000],
    ["90m", "PT90M", 90 * 60_000],
    ["14d", "P2W", 14 * D],
  ])("%s = %s", (short, iso, ms) => {
    expect(parseDuration(short)).toBe(ms);
    expect(parseDuration(iso)).toBe(ms);
    expect(parseDuration(iso.toLowerCase())).toBe(ms);
  });

  test.each(["P", "PT", "P1M", "P1Y", "P1DT", "PT1.5H", "1w", "d", "", "4m30h", "-P1D"])(
    "'%s' is not a duration",
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );

  test("every short form printed in plans parses back, and its ISO spelling means the same", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * D }), (ms) => {
        const s = Math.floor(ms / 1000);
        const short = formatDuration(ms);
        const iso = `P${Math.floor(s / 86400)}DT${Math.floor((s % 86400) / 3600)}H${Math.floor((s % 3600) / 60)}M${s % 60}S`;
        expect(parseDuration(short)).toBe(s * 1000);
        expect(parseDuration(iso)).toBe(s * 1000);
      }),
    );
  });

  test("the config takes both forms; a month is refused with the reason", () => {
    const fleet = (maxAge: string) => ({
      defaults: {
        subscriptionId: "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2",
        resourceGroup: "rg",
        keys: { vaultUrl: "https://kv.vault.azure.net", maxAge, grace: "PT4H30M" },
      },
      apps: [{ name: "func-a", keys: { rotate: [{ name: "apim", scope: "function", function: "greeting" }] } }],
    });
    expect(validateConfig(fleet("P30D"), "f.yaml").apps[0]!.keys?.maxAge).toBe("P30D");
    expect(() => validateConfig(fleet("P1M"), "f.yaml")).toThrow(/problem/);
    try {
      validateConfig(fleet("P1M"), "f.yaml");
    } catch (e) {
      expect((e as { issues: string[] }).issues.join("\n")).toMatch(
        /defaults\.keys\.maxAge: .*ISO 8601 such as P30D.*no years or months/,
      );
    }
  });
});
