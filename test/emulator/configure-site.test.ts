import { writeFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { configureSiteCommand } from "../../lib/commands/configure-site.ts";
import { formatError } from "../../lib/cli/main.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { jsonOutputValidator } from "../helpers/contract.ts";
import { toolArmClient } from "../helpers/clients.ts";
import { emulatorEnv } from "../helpers/emulator.ts";
import { startFleetFixture } from "../helpers/fleet-fixture.ts";
import { captureIo } from "../helpers/io.ts";
import { RG, SUB, sitePath } from "../helpers/seeds.ts";

/** Each app and slot as seeded: `httpsOnly` on the site, `web` its stored config/web. */
const SEEDED: ReadonlyArray<{ name: string; slot?: string; httpsOnly: boolean; web: Record<string, unknown> }> = [
  {
    name: "func-a",
    httpsOnly: false,
    web: { minTlsVersion: "1.0", ftpsState: "AllAllowed", remoteDebuggingEnabled: true, alwaysOn: true },
  },
  { name: "func-a", slot: "staging", httpsOnly: false, web: { minTlsVersion: "1.1" } },
  {
    name: "func-b",
    httpsOnly: true,
    web: { cors: { allowedOrigins: ["*", "https://old.contoso.com"], supportCredentials: false } },
  },
  { name: "func-stopped", httpsOnly: false, web: {} },
];

const seedOf = (name: string, slot?: string) => {
  const s = SEEDED.find((x) => x.name === name && x.slot === slot)!;
  return { httpsOnly: s.httpsOnly, siteConfig: s.web };
};

const world = {
  subscriptions: [
    {
      subscriptionId: SUB,
      resourceGroups: [
        {
          name: RG,
          sites: [
            { name: "func-a", ...seedOf("func-a"), slots: [{ name: "staging", ...seedOf("func-a", "staging") }] },
            { name: "func-b", ...seedOf("func-b") },
            { name: "func-stopped", state: "Stopped" as const, ...seedOf("func-stopped") },
          ],
        },
      ],
    },
  ],
};

// The policy is fleet-wide (defaults.site reaches every app); func-b narrows CORS to exactly the portal.
const fleet = {
  defaults: {
    subscriptionId: SUB,
    resourceGroup: RG,
    site: {
      httpsOnly: true,
      minTlsVersion: "1.2",
      scmMinTlsVersion: "1.2",
      ftpsState: "Disabled",
      remoteDebuggingEnabled: false,
      http20Enabled: true,
      cors: { allowedOrigins: ["https://portal.contoso.com"] },
    },
  },
  apps: [
    { name: "func-a", slots: ["staging"] },
    { name: "func-b", site: { cors: { allowedOrigins: { mode: "exact", values: ["https://portal.contoso.com"] } } } },
    { name: "func-stopped" },
  ],
};

let emu: Emulator;
let dir: string;
let configFile: string;

beforeAll(async () => {
  ({ emu, dir, configFile } = await startFleetFixture("configure-site", world, fleet));
});
afterAll(() => emu.close());
beforeEach(async () => {
  // Back to the seeded state: each test starts from the same drifted fleet.
  emu.faults.clear();
  const api = toolArmClient(emu);
  for (const s of SEEDED) {
    await api.patch(sitePath(s.name, s.slot), { properties: { httpsOnly: s.httpsOnly } });
    await api.put(`${sitePath(s.name, s.slot)}/config/web`, { properties: s.web });
  }
  emu.log.clear();
});

async function run(args: string[], opts: { tty?: boolean; answer?: boolean } = {}) {
  const io = captureIo(emulatorEnv(emu), opts);
  let code: number;
  try {
    code = await configureSiteCommand(["--config", configFile, ...args], io);
  } catch (e) {
    io.stderr.write(formatError(e) + "\n");
    code = 1;
  }
  return { code, out: io.out(), err: io.err() };
}

const armCalls = () => emu.log.list().filter((r) => r.service === "arm");
const writes = () => armCalls().filter((r) => r.method !== "GET");
/** `METHOD /rest/of/path` under one site, in request order. */
const callsOf = (name: string) =>
  armCalls()
    .filter((c) => c.path.toLowerCase().includes(`/sites/${name}`))
    .map((c) => `${c.method} ${c.path.split(`/sites/${name}`)[1] || "/"}`);

async function liveOf(name: string, slot?: string) {
  const api = toolArmClient(emu);
  const site = await api.get<{ properties: { httpsOnly: boolean } }>(sitePath(name, slot));
  const web = await api.get<{ properties: Record<string, unknown> }>(`${sitePath(name, slot)}/config/web`);
  return { httpsOnly: site.body.properties.httpsOnly, web: web.body.properties };
}

describe("configure-site against the emulator", () => {
  test("unattended: an origin added by hand after the plan is not lost; that target stops naming the other writer", async () => {
    // func-a's first PATCH is held while a hand edit adds an origin to func-b, planned before and written after.
    const [hold] = emu.faults.add({ kind: "hold", method: "PATCH", path: "/sites/func-a$", times: 1 });
    const running = run(["--yes", "--concurrency", "1", "--json"]);
    while (!emu.faults.list().some((f) => f.id === hold!.id && f.held > 0)) await new Promise((r) => setTimeout(r, 10));
    const hand = { allowedOrigins: ["*", "https://old.contoso.com", "https://hand.contoso.com"] };
    await toolArmClient(emu).patch(`${sitePath("func-b")}/config/web`, { properties: { cors: hand } });
    emu.faults.release(hold!.id, "serve");
    const r = await running;
    expect(r.code).toBe(1);
    const b = (
      JSON.parse(r.out) as { results: Array<{ target: string; outcome: string; message?: string }> }
    ).results.find((x) => x.target === "func-b");
    expect(b?.outcome).toBe("failed");
    expect(b?.message).toMatch(/changed since it was planned \(another writer\?\); nothing was written/);
    expect((await liveOf("func-b")).web.cors).toMatchObject(hand);
    expect((await liveOf("func-a")).httpsOnly).toBe(true);
  });

  test("bad config: '*' without allowAnyOrigin is refused with its path and the fix, and no request is made", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      YAML.stringify({
        defaults: { subscriptionId: SUB, resourceGroup: RG },
        apps: [{ name: "func-a", site: { minTlsVersion: "1.4", cors: { allowedOrigins: ["*"] } } }],
      }),
    );
    const err = await configureSiteCommand(["--config", bad, "--yes"], captureIo(emulatorEnv(emu))).catch(
      (e: unknown) => e,
    );
    const text = formatError(err);
    expect(text).toMatch(/apps\[0\]\.site\.minTlsVersion: must be '1\.0', '1\.1', '1\.2' or '1\.3'/);
    const star = join(dir, "star.yaml");
    writeFileSync(
      star,
      YAML.stringify({
        defaults: { subscriptionId: SUB, resourceGroup: RG },
        apps: [{ name: "func-a", site: { cors: { allowedOrigins: ["*"] } } }],
      }),
    );
    const err2 = await configureSiteCommand(["--config", star, "--yes"], captureIo(emulatorEnv(emu))).catch(
      (e: unknown) => e,
    );
    expect(formatError(err2)).toMatch(/apps\[0\]\.site\.cors\.allowedOrigins\[0\]: '\*' .*set allowAnyOrigin: true/);
    expect(emu.log.list()).toEqual([]);
  });

  test("dry run: two reads per app and slot, no write, exit 2; security changes are flagged", async () => {
    const r = await run(["--dry-run", "--detailed-exitcode"]);
    expect(r.code).toBe(2);
    expect(writes()).toEqual([]);
    expect(armCalls().filter((c) => c.path.includes("/sites/"))).toHaveLength(4 * 2);
    expect(r.out).toMatch(/~ func-a {2}site/);
    expect(r.out).toMatch(/~ func-a\/staging {2}site/);
    expect(r.out).toMatch(/~ httpsOnly {2}false → true {2}\[security\]/);
    expect(r.out).toMatch(/~ siteConfig\.minTlsVersion {2}"1\.0" → "1\.2" {2}\[security\]/);
    expect(r.out).toMatch(
      /~ siteConfig\.cors\.allowedOrigins {2}\["\*","https:\/\/old\.contoso\.com"\] → \["https:\/\/portal\.contoso\.com"\] {2}\[security\]/,
    );
    expect(r.out).toMatch(
      /\+ siteConfig\.cors\.allowedOrigins {2}\["https:\/\/portal\.contoso\.com"\] {2}\[security\]/,
    );
    expect(r.out).toMatch(/siteConfig\.http20Enabled {2}false → true$/m);
    expect(r.out).toMatch(/Security-relevant changes/);
  });

  test("a slot is its own target: --slot staging writes the slot only", async () => {
    const r = await run(["--yes", "--app", "func-a", "--slot", "staging"]);
    expect(r.code).toBe(0);
    expect(writes().map((w) => `${w.method} ${w.path.split("/sites/func-a")[1]}`)).toEqual([
      "PATCH /slots/staging",
      "PATCH /slots/staging/config/web",
    ]);
    expect((await liveOf("func-a", "staging")).httpsOnly).toBe(true);
    expect((await liveOf("func-a", "staging")).web.minTlsVersion).toBe("1.2");
    const prod = await liveOf("func-a");
    expect(prod.httpsOnly).toBe(false);
    expect(prod.web.minTlsVersion).toBe("1.0");
  });

  test("apply: PATCH only the resources that change, then re-read; unowned settings survive; a stopped app is configured too", async () => {
    const r = await run(["--yes"]);
    expect(r.code).toBe(0);
    // Per target: both reads, the PATCH of each resource that changes, then a re-read of what was written. A CORS
    // change (the list goes out whole) reads both again right before its PATCH, in case another writer came in.
    const sorted = (l: string[]) => [...l].sort();
    expect(sorted(callsOf("func-b"))).toEqual(
      sorted(["GET /", "GET /config/web", "GET /", "GET /config/web", "PATCH /config/web", "GET /config/web"]),
    );
    expect(sorted(callsOf("func-stopped"))).toEqual(
      sorted([
        ...["GET /", "GET /config/web", "GET /", "GET /config/web"],
        ...["PATCH /", "PATCH /config/web", "GET /", "GET /config/web"],
      ]),
    );
    expect(writes().filter((w) => w.method !== "PATCH")).toEqual([]);

    const a = await liveOf("func-a");
    expect(a.httpsOnly).toBe(true);
    expect(a.web).toMatchObject({
      minTlsVersion: "1.2",
      scmMinTlsVersion: "1.2",
      ftpsState: "Disabled",
      remoteDebuggingEnabled: false,
      http20Enabled: true,
      alwaysOn: true,
    });
    expect((a.web.cors as { allowedOrigins: string[] }).allowedOrigins).toEqual(["https://portal.contoso.com"]);
    const b = await liveOf("func-b");
    expect(b.web.cors).toEqual({ allowedOrigins: ["https://portal.contoso.com"], supportCredentials: false });
    expect((await liveOf("func-stopped")).httpsOnly).toBe(true);
    expect(r.out).toMatch(/updated +func-a site: site: httpsOnly; config\/web: /);
  });

  test("a second run plans nothing and makes zero writes: two reads per app and slot", async () => {
    expect((await run(["--yes"])).code).toBe(0);
    emu.log.clear();
    const again = await run(["--yes"]);
    expect(again.code).toBe(0);
    expect(writes()).toEqual([]);
    expect(armCalls().filter((c) => c.path.includes("/sites/"))).toHaveLength(4 * 2);
    expect(again.out).toMatch(
      /Plan: 0 to add, 0 to change, 0 to destroy \(\d+ unchanged\)\. Fields: 0 to add, 0 to change, 0 to remove, \d+ unchanged\./,
    );
    expect((await run(["--dry-run", "--detailed-exitcode"])).code).toBe(0);
  });

  test("'200 but not persisted' fails the target with exit 1 naming the field; the others still apply", async () => {
    emu.faults.add({
      service: "arm",
      method: "PATCH",
      path: "sites/func-a/config/web$",
      kind: "not-persisted",
      times: 1,
    });
    const r = await run(["--yes", "--app", "func-[ab]"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /failed +func-a site: the service answered 200 but did not keep: [^\n]*siteConfig\.minTlsVersion/,
    );
    expect(r.out).toMatch(/updated +func-a\/staging site/);
    expect(r.out).toMatch(/updated +func-b site/);
  });

  test("a saved plan survives an unowned change (fingerprint of owned fields) but not an owned one", async () => {
    const api = toolArmClient(emu);
    const planFile = join(dir, "site.plan.json");
    const args = ["--app", "func-a", "--slot", "production"];
    expect((await run(["--dry-run", "--plan-out", planFile, ...args])).code).toBe(0);
    await api.patch(`${sitePath("func-a")}/config/web`, { properties: { alwaysOn: false } });
    expect((await run(["--plan", planFile, ...args])).code).toBe(0);
    expect((await liveOf("func-a")).web).toMatchObject({ alwaysOn: false, minTlsVersion: "1.2" });

    await api.patch(`${sitePath("func-a")}/config/web`, { properties: { minTlsVersion: "1.0" } });
    expect((await run(["--dry-run", "--plan-out", planFile, ...args])).code).toBe(0);
    await api.patch(`${sitePath("func-a")}/config/web`, { properties: { minTlsVersion: "1.1" } });
    emu.log.clear();
    const stale = await run(["--plan", planFile, ...args]);
    expect(stale.code).toBe(1);
    expect(stale.err).toMatch(/saved plan is stale/);
    expect(writes()).toEqual([]);
  });

  test("--json prints one versioned document that matches the output schema", async () => {
    const r = await run(["--yes", "--json", "--app", "func-b"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as {
      formatVersion: number;
      results: { target: string; resource: string; outcome: string }[];
    };
    const validate = jsonOutputValidator();
    expect(validate(out), JSON.stringify(validate.errors)).toBe(true);
    expect(out.results.map((x) => [x.target, x.resource, x.outcome])).toEqual([["func-b", "site", "updated"]]);
  });
});
