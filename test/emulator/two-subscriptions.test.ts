import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { getPath } from "../../lib/azure/json.ts";
import { formatError } from "../../lib/cli/main.ts";
import { configureAuthCommand } from "../../lib/commands/configure-auth.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { parseThrottleSpec } from "../../lib/emulator/throttle.ts";
import { toolArmClient } from "../helpers/clients.ts";
import { emulatorEnv } from "../helpers/emulator.ts";
import { startFleetFixture } from "../helpers/fleet-fixture.ts";
import { captureIo } from "../helpers/io.ts";
import { SUB } from "../helpers/seeds.ts";

// Two subscriptions of 25 apps each, with buckets a tenth of Azure's (the tool is told Azure's 250:25 and 200:10):
// 50 reads and 50 writes per subscription overrun them unless the tool paces by what the headers say.
const SUB_B = "6f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f";
const TIGHT = "reads=20:4,writes=10:1,deletes=10:1";
const RG = "rg-two";
const PER_SUB = 25;
const names = Array.from({ length: PER_SUB }, (_, i) => `func-two-${i}`);
const world = {
  subscriptions: [SUB, SUB_B].map((subscriptionId) => ({
    subscriptionId,
    resourceGroups: [{ name: RG, sites: names.map((name) => ({ name })) }],
  })),
};
const fleet = {
  defaults: {
    resourceGroup: RG,
    auth: { requireAuthentication: true, azureActiveDirectory: { clientId: "4b2d6f8a-1c3e-4a5b-9d7f-0e2c4a6b8d10" } },
  },
  apps: [SUB, SUB_B].flatMap((subscriptionId) => names.map((name) => ({ name, subscriptionId, auth: {} }))),
};

let emu: Emulator;
let dir: string;
let configFile: string;
beforeAll(async () => {
  ({ emu, dir, configFile } = await startFleetFixture("two-subs", world, fleet, {
    throttle: parseThrottleSpec(TIGHT),
  }));
});
afterAll(() => emu?.close());

test("50 apps in two tight-bucket subscriptions: both buckets at once, learned from the headers, zero failures", async () => {
  const io = captureIo(emulatorEnv(emu));
  const code = await configureAuthCommand(
    ["--config", configFile, "--yes", "--concurrency", "16", "--backup-dir", join(dir, "backups")],
    io,
  ).catch((e: unknown) => {
    io.stderr.write(formatError(e));
    return 1;
  });
  expect(io.err()).not.toMatch(/error:/);
  expect(code).toBe(0);

  const arm = emu.log.list().filter((l) => l.service === "arm");
  // The buckets were never told to the tool: it learned them from x-ms-ratelimit-remaining-*, so nothing was refused.
  expect(arm.filter((l) => l.status === 429)).toEqual([]);
  expect(arm.filter((l) => l.status >= 400)).toEqual([]);
  // Each subscription's 25 PUTs overrun its 10-token write bucket, so pacing was needed in both.
  for (const sub of [SUB, SUB_B])
    expect(arm.filter((l) => l.method === "PUT" && l.path.includes(sub)).length).toBe(PER_SUB);
  // Both subscriptions were worked on at once: the second one's first write comes before the first one's last.
  const order = arm.filter((l) => l.method === "PUT").map((l) => (l.path.includes(SUB_B) ? "b" : "a"));
  expect(order.indexOf("b")).toBeLessThan(order.lastIndexOf("a"));
  expect(order.indexOf("a")).toBeLessThan(order.lastIndexOf("b"));

  // Every app of both subscriptions now has the desired document.
  const client = toolArmClient(emu);
  for (const sub of [SUB, SUB_B])
    for (const name of [names[0]!, names.at(-1)!]) {
      const doc = await client.get<{ properties: Record<string, unknown> }>(
        `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.Web/sites/${name}/config/authsettingsV2/list`,
      );
      expect(getPath(doc.body.properties, ["globalValidation", "requireAuthentication"])).toBe(true);
    }
}, 120_000);
