import { describe, expect, test } from "vitest";
import { UsageError } from "../../lib/errors.ts";
import { selectApps, shardBySubscription } from "../../lib/cli/common.ts";
import { validateConfig } from "../../lib/config/load.ts";

const subs = [
  "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2",
  "0a9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2",
  "9f9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2",
];
const config = validateConfig(
  {
    defaults: { resourceGroup: "rg" },
    apps: subs.flatMap((s, i) => [
      { name: `func-${i}-a`, subscriptionId: s },
      { name: `func-${i}-b`, subscriptionId: s },
      { name: `web-${i}`, subscriptionId: s },
    ]),
  },
  "f.yaml",
  {},
);

describe("selection", () => {
  test("--app globs are case-insensitive; no match is a usage error naming the apps", () => {
    expect(selectApps(config, "FUNC-0-*").map((a) => a.name)).toEqual(["func-0-a", "func-0-b"]);
    expect(() => selectApps(config, "nothing-*")).toThrow(UsageError);
  });

  test("shards split whole subscriptions, cover every app exactly once", () => {
    const shards = [1, 2].map((i) => shardBySubscription(config.apps, `${i}/2`));
    const all = shards
      .flat()
      .map((a) => a.name)
      .sort();
    expect(all).toEqual(config.apps.map((a) => a.name).sort());
    for (const s of shards)
      for (const other of shards.filter((x) => x !== s)) {
        const subsOf = (l: typeof s) => new Set(l.map((a) => a.subscriptionId));
        for (const sub of subsOf(s)) expect(subsOf(other).has(sub)).toBe(false);
      }
  });

  test("a bad shard spec is a usage error", () => {
    for (const bad of ["0/2", "3/2", "1-2", "a/b"])
      expect(() => shardBySubscription(config.apps, bad)).toThrow(/--shard must be i\/n/);
  });
});
