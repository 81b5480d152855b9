import { randomUUID } from "node:crypto";
import { startFleetFixture, vaultClientFor } from "../helpers/fleet-fixture.ts";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { SecretClient } from "@azure/keyvault-secrets";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { formatError } from "../../lib/cli/main.ts";
import { rotateKeysCommand } from "../../lib/commands/rotate-keys.ts";
import type { AppState } from "../../lib/emulator/arm/state.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import type { JsonOutput } from "../../lib/pipeline/render-json.ts";
import { emulatorEnv } from "../helpers/emulator.ts";
import { captureIo } from "../helpers/io.ts";
import { RG, SUB } from "../helpers/seeds.ts";

// Canary values seeded as literal key values: none may ever appear in output, plans or files (docs/rotate-keys.md,
// "The plan").
const canary = (what: string) => `canary-${what}-${randomUUID()}`;
// A hand-made physical-looking key from a minute ago, on both scopes: adopted (published), and flagged as shadowing.
const SHADOW_KEY = `apim-${new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000).toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "t")}z`;
const CANARIES = {
  fnDefault: canary("fn-default"),
  hostDefault: canary("host-default"),
  legacyPartner: canary("legacy-partner"),
  stagingDefault: canary("staging-default"),
  shadow: canary("shadow"),
};

const world = {
  subscriptions: [
    {
      subscriptionId: SUB,
      resourceGroups: [
        {
          name: RG,
          sites: [
            {
              name: "func-keys",
              functions: { greeting: { keys: { default: CANARIES.fnDefault } } },
              // `partner` is a hand-made key callers already hold: the rotation takes it over (replaces).
              hostKeys: { functionKeys: { default: CANARIES.hostDefault, partner: CANARIES.legacyPartner } },
              slots: [{ name: "staging", functions: { greeting: { keys: { default: CANARIES.stagingDefault } } } }],
            },
            { name: "func-stopped", state: "Stopped" as const, functions: { greeting: {} } },
            {
              name: "func-shadow",
              functions: { orders: { keys: { [SHADOW_KEY]: CANARIES.shadow } } },
              hostKeys: { functionKeys: { [SHADOW_KEY]: CANARIES.shadow } },
            },
          ],
        },
      ],
    },
  ],
};

const fleet = {
  defaults: { subscriptionId: SUB, resourceGroup: RG, keys: { vaultUrl: "fromEnv", tags: { owner: "api-team" } } },
  apps: [
    {
      name: "func-keys",
      slots: ["staging"],
      keys: {
        rotate: [
          { name: "apim", scope: "function", function: "greeting" },
          { name: "partner", scope: "host", slots: ["production"], replaces: ["partner"] },
        ],
      },
    },
    { name: "func-stopped", keys: { rotate: [{ name: "apim", scope: "function", function: "greeting" }] } },
    {
      name: "func-shadow",
      keys: {
        rotate: [
          { name: "apim", scope: "function", function: "orders" },
          { name: "_master", scope: "host", renewInPlace: true },
        ],
      },
    },
  ],
};

const H = 3_600_000;
const FAST_RETRY = { attempts: 3, baseMs: 5, maxMs: 20 };
let T0: number;
let emu: Emulator;
let dir: string;
let configFile: string;
let kv: SecretClient;
const outputs: string[] = [];

beforeAll(async () => {
  ({ emu, dir, configFile } = await startFleetFixture("rotate-keys", world, fleet));
  kv = vaultClientFor(emu);
  // Whole minutes, so physical names read back as the injected times.
  T0 = Math.ceil(Date.now() / 60_000) * 60_000;
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.log.clear();
  emu.faults.clear();
});

async function run(args: string[], at: number, opts: { env?: NodeJS.ProcessEnv } = {}) {
  const io = captureIo(opts.env ?? emulatorEnv(emu));
  let code: number;
  try {
    code = await rotateKeysCommand(["--config", configFile, ...args], io, {
      now: () => new Date(at),
      hostRetry: FAST_RETRY,
    });
  } catch (e) {
    io.stderr.write(formatError(e) + "\n");
    code = 1;
  }
  outputs.push(io.out(), io.err());
  return { code, out: io.out(), err: io.err() };
}

const app = (name: string, slot?: string): AppState => {
  const site = emu.arm.site(SUB, RG, name)!;
  return slot ? site.slots.get(slot)! : site;
};
const fnKeys = (name: string, fn: string, slot?: string) => app(name, slot).functions.get(fn)!.keys;
const hostKeys = (name: string) => app(name).hostKeys.functionKeys;
const physical = (keys: Record<string, string>, logical: string) =>
  Object.keys(keys)
    .filter((k) => k.startsWith(`${logical}-`))
    .sort();
const writes = () =>
  emu.log.list().filter((r) => r.service !== "entra" && ["PUT", "DELETE", "PATCH"].includes(r.method));
const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "t") + "z";

describe("rotate-keys against the emulator, with the real ARM pipeline and @azure/keyvault-secrets", () => {
  test("bad input (vault URL from an unset env, a malformed --revoke): clear message, exit 1, not one request", async () => {
    const env = { ...emulatorEnv(emu) };
    delete env.AZURE_KEYVAULT_URL;
    const r = await run(["--yes"], T0, { env });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/vaultUrl is 'fromEnv' but AZURE_KEYVAULT_URL is not set/);
    expect(r.err).toMatch(/^fix: Export AZURE_KEYVAULT_URL=/m);
    const bad = await run(["--yes", "--revoke", "apim/../x"], T0);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--revoke 'apim\/\.\.\/x' is not a key name/);
    expect(emu.log.list()).toEqual([]);
  });

  test("dry run: plan names keys and secrets, values only as (sensitive); read-only calls; exit 2 with --detailed-exitcode", async () => {
    const r = await run(["--dry-run", "--detailed-exitcode", "--app", "func-keys"], T0);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`+ key apim-${stamp(T0)}  (sensitive)`);
    expect(r.out).toContain(`+ secret func-keys-production-greeting-apim  "apim-${stamp(T0)}"`);
    expect(r.out).toMatch(/~ func-keys\/staging {2}functionKey greeting\/apim/);
    expect(r.out).toMatch(/~ func-keys {2}hostKey partner/);
    expect(r.out).toMatch(
      /^Plan: 0 to add, \d+ to change, 0 to destroy \(\d+ unchanged\)\. Fields: 6 to add, 0 to change, 0 to remove, 0 unchanged\.$/m,
    );
    expect(writes()).toEqual([]);
  });

  test("full rotation: create (server-generated) → read back → publish with tags → verify; the stopped app is reported, the others rotated, exit 1", async () => {
    const r = await run(["--yes", "--app", "func-{keys,stopped}"], T0);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /failed +func-stopped functionKey greeting\/apim: host unreachable: is the app running\? \(the app is Stopped/,
    );
    expect(r.out).toMatch(/fix: Host unreachable: is the app running\?/);
    expect(r.out).toMatch(/Apply complete: 3 updated, 0 unchanged, 0 skipped, 1 failed\./);

    const apim = `apim-${stamp(T0)}`;
    expect(physical(fnKeys("func-keys", "greeting"), "apim")).toEqual([apim]);
    expect(physical(fnKeys("func-keys", "greeting", "staging"), "apim")).toEqual([apim]);
    const secret = await kv.getSecret("func-keys-production-greeting-apim");
    expect(secret.value).toBe(fnKeys("func-keys", "greeting")[apim]);
    expect(secret.properties.contentType).toBe("azure-functions/function-key");
    expect(secret.properties.tags).toMatchObject({
      keyName: apim,
      logicalKey: "apim",
      site: "func-keys",
      slot: "production",
      function: "greeting",
      scope: "function",
      createdOn: new Date(T0).toISOString(),
      owner: "api-team",
      managedBy: "easyauth-fleet",
    });
    expect((await kv.getSecret("func-keys-staging-greeting-apim")).properties.tags).toMatchObject({ slot: "staging" });
    // The hand-made `partner` key stays for the grace period next to its replacement.
    expect(Object.keys(hostKeys("func-keys"))).toEqual(expect.arrayContaining(["partner", `partner-${stamp(T0)}`]));

    // The key values on the app were never set by the tool: every PUT carried the properties envelope and no value.
    const puts = emu.log.list().filter((l) => l.service === "arm" && l.method === "PUT");
    expect(puts.map((p) => p.status)).toEqual([201, 201, 201]);
  });

  test("calls per key rotation, counted from the request log", async () => {
    // One key on one slot, rotated with --force: everything the run sent (token requests aside) is for that key.
    const r = await run(["--yes", "--force", "--app", "func-keys", "--slot", "staging"], T0 + 60_000);
    expect(r.code).toBe(0);
    const calls = emu.log.list().filter((l) => l.service !== "entra");
    const summary = calls.map(
      (c) =>
        `${c.service} ${c.method} ${c.path.replace(/^.*\/sites\/func-keys\/slots\/staging/, "").replace(/\/[0-9a-f]{32}$/, "/{version}")} ${c.status}`,
    );
    expect(summary).toEqual([
      "arm POST /functions/greeting/listkeys 200", // observe: the function's keys
      "keyvault GET /secrets/func-keys-staging-greeting-apim/ 401", // Key Vault challenge (once per client)
      "keyvault GET /secrets/func-keys-staging-greeting-apim/ 200", // observe: current version with value (= verification of the last run)
      "arm POST /host/default/listkeys 200", // a write is coming: host keys, for shadowing and name clashes
      "arm PUT /functions/greeting/keys/apim-" + stamp(T0 + 60_000) + " 201", // create, no value
      "arm POST /functions/greeting/listkeys 200", // read the generated value back
      "keyvault PUT /secrets/func-keys-staging-greeting-apim 200", // publish a new version with tags
      "keyvault GET /secrets/func-keys-staging-greeting-apim/{version} 200", // verify that version
      "arm POST /functions/greeting/listkeys 200", // and that the app still holds the value published
    ]);
    process.stdout.write(
      `calls per key rotation: ${calls.filter((c) => c.status !== 401).length} (${calls.filter((c) => c.service === "arm").length} ARM, ${calls.filter((c) => c.service === "keyvault" && c.status !== 401).length} Key Vault) + 1 Key Vault challenge per process\n`,
    );
  });

  test("a second run inside the grace period changes nothing: exit 0, zero writes", async () => {
    const r = await run(["--yes", "--app", "func-keys"], T0 + H);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^Plan: 0 to add, 0 to change, 0 to destroy \(3 unchanged\)\. Fields: 0 to add, 0 to change, 0 to remove, 3 unchanged\.$/m,
    );
    expect(writes()).toEqual([]);
    // A no-op costs one listkeys per function and Key Vault read per key (host keys only where a host key is managed).
    expect(
      emu.log
        .list()
        .filter((l) => l.service === "arm")
        .map((l) => `${l.method} ${l.path.split("/sites/")[1]}`)
        .sort(),
    ).toEqual([
      "POST func-keys/functions/greeting/listkeys",
      "POST func-keys/host/default/listkeys",
      "POST func-keys/slots/staging/functions/greeting/listkeys",
    ]);
  });

  test("--force: a new key is published while the old one stays valid (overlap); after the grace period the old one is deleted", async () => {
    const t = T0 + 2 * H;
    const r = await run(["--yes", "--force", "--app", "func-keys", "--slot", "production"], t);
    expect(r.code).toBe(0);
    const [a, b] = [`apim-${stamp(T0)}`, `apim-${stamp(t)}`];
    expect(physical(fnKeys("func-keys", "greeting"), "apim")).toEqual([a, b]);
    expect((await kv.getSecret("func-keys-production-greeting-apim")).value).toBe(fnKeys("func-keys", "greeting")[b]);
    expect(r.out).toContain(`${a} stays valid for 4h30m after ${b} is published`);

    emu.log.clear();
    const inside = await run(["--yes", "--app", "func-keys", "--slot", "production"], t + 4.5 * H - 60_000);
    expect(inside.code).toBe(0);
    expect(writes(), inside.out).toEqual([]);
    expect(physical(fnKeys("func-keys", "greeting"), "apim")).toEqual([a, b]);

    emu.log.clear();
    const after = await run(["--yes", "--app", "func-keys", "--slot", "production"], t + 4.5 * H);
    expect(after.code).toBe(0);
    expect(after.out).toContain(`- key ${a} (retired)  (sensitive)`);
    expect(after.out).toContain(`- key partner (replaced)  (sensitive)`);
    expect(after.out).toContain(`- key partner-${stamp(T0)} (retired)  (sensitive)`);
    expect(physical(fnKeys("func-keys", "greeting"), "apim")).toEqual([b]);
    expect(Object.keys(hostKeys("func-keys")).sort()).toEqual(["default", `partner-${stamp(t)}`]);
    expect(writes().map((w) => w.method)).toEqual(["DELETE", "DELETE", "DELETE"]);
    expect(fnKeys("func-keys", "greeting").default).toBe(CANARIES.fnDefault);
  });

  test("a delete that finds the key already gone (404, e.g. removed by a person meanwhile) counts as done", async () => {
    const t = T0 + 8 * H;
    await run(["--yes", "--force", "--app", "func-keys", "--slot", "production"], t);
    emu.faults.add({
      service: "arm",
      method: "DELETE",
      path: "/sites/func-keys/functions/greeting/keys/",
      kind: "status",
      status: 404,
      code: "NotFound",
      times: 1,
    });
    const r = await run(["--yes", "--app", "func-keys", "--slot", "production"], t + 4.5 * H);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/apim-\S+ was already gone/);
  });

  test("host not reachable for a moment: retried with back-off, then the rotation goes on", async () => {
    emu.faults.add({
      service: "arm",
      method: "POST",
      path: "/sites/func-keys/slots/staging/functions/greeting/listkeys$",
      kind: "host-unavailable",
      times: 2,
    });
    const r = await run(["--yes", "--force", "--app", "func-keys", "--slot", "staging"], T0 + 10 * H);
    expect(r.code).toBe(0);
    const listkeys = emu.log.list().filter((l) => l.path.endsWith("/slots/staging/functions/greeting/listkeys"));
    expect(listkeys.map((l) => l.status).slice(0, 3)).toEqual([400, 400, 200]);
  });

  test("host never reachable on a running app: bounded retries, reported for that app alone, exit 1", async () => {
    emu.faults.add({ service: "arm", path: "/sites/func-keys/slots/staging/", kind: "host-unavailable" });
    const r = await run(["--yes", "--force", "--app", "func-keys"], T0 + 11 * H);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /failed +func-keys\/staging functionKey greeting\/apim: host unreachable: is the app running\? \(3 attempts; last answer: 400 BadRequest/,
    );
    expect(r.out).toMatch(/updated +func-keys functionKey greeting\/apim/);
    expect(emu.log.list().filter((l) => l.path.includes("/slots/staging/") && l.status === 400)).toHaveLength(3);
  });

  test("--revoke: a new key first, the revoked one deleted in the same run (no grace)", async () => {
    const t = T0 + 12 * H;
    const before = physical(fnKeys("func-keys", "greeting"), "apim");
    const current = (await kv.getSecret("func-keys-production-greeting-apim")).properties.tags!.keyName!;
    const r = await run(["--yes", "--app", "func-keys", "--slot", "production", "--revoke", current], t);
    expect(r.code).toBe(0);
    const after = physical(fnKeys("func-keys", "greeting"), "apim");
    expect(after).not.toContain(current);
    expect(after).toContain(`apim-${stamp(t)}`);
    expect(after.length).toBe(before.length);
    expect((await kv.getSecret("func-keys-production-greeting-apim")).properties.tags!.keyName).toBe(
      `apim-${stamp(t)}`,
    );
    const order = writes().map((w) => `${w.service} ${w.method}`);
    expect(order).toEqual(["arm PUT", "keyvault PUT", "arm DELETE"]);
  });

  test("--revoke of a name no policy manages: clear error, exit 1, no writes", async () => {
    const r = await run(["--yes", "--app", "func-keys", "--revoke", "default"], T0 + 13 * H);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--revoke default: no managed key of that name/);
    expect(r.err).toMatch(/fix: /);
    expect(writes()).toEqual([]);
  });

  test("shadowing is flagged; _master is refused without --allow-no-overlap and renewed in place with it", async () => {
    const r = await run(["--yes", "--app", "func-shadow"], T0);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `warning: key '${SHADOW_KEY}' also exists among the host keys: a function key shadows the host key of the same name for its function`,
    );
    // The seeded key had never been published: it is adopted (published), not replaced.
    expect(physical(fnKeys("func-shadow", "orders"), "apim")).toEqual([SHADOW_KEY]);
    // _master was never published: its current value is published (no renewal needed, so no refusal).
    expect((await kv.getSecret("func-shadow-production-host-_master".replace("_", "-"))).value).toBe(
      app("func-shadow").hostKeys.masterKey,
    );

    const refused = await run(["--yes", "--app", "func-shadow", "--force"], T0 + H);
    expect(refused.out).toMatch(/! func-shadow {2}masterKey _master .*skipped: '_master' can only be renewed in place/);
    const master = app("func-shadow").hostKeys.masterKey;
    expect(writes().filter((w) => w.path.includes("masterKey"))).toEqual([]);

    const renewed = await run(["--yes", "--app", "func-shadow", "--force", "--allow-no-overlap"], T0 + 2 * H);
    expect(renewed.code).toBe(0);
    expect(renewed.out).toMatch(/warning: no overlap: renewing '_master'/);
    expect(app("func-shadow").hostKeys.masterKey).not.toBe(master);
    expect((await kv.getSecret("func-shadow-production-host--master")).value).toBe(
      app("func-shadow").hostKeys.masterKey,
    );
  });

  test("--plan-out then --plan a few minutes later: generated names differ, the plan still applies", async () => {
    const planFile = join(dir, "keys.plan.json");
    const t = T0 + 20 * H;
    const dry = await run(
      ["--dry-run", "--plan-out", planFile, "--force", "--app", "func-keys", "--slot", "staging"],
      t,
    );
    expect(dry.code).toBe(0);
    expect(statSync(planFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(planFile, "utf8")).toContain(`apim-${stamp(t)}`);
    const applied = await run(
      ["--plan", planFile, "--force", "--app", "func-keys", "--slot", "staging"],
      t + 3 * 60_000,
    );
    expect(applied.code).toBe(0);
    expect(physical(fnKeys("func-keys", "greeting", "staging"), "apim")).toContain(`apim-${stamp(t + 3 * 60_000)}`);
    // Applying the same saved plan again is refused: the key set it was made from has changed.
    const stale = await run(["--plan", planFile, "--force", "--app", "func-keys", "--slot", "staging"], t + 4 * 60_000);
    expect(stale.code).toBe(1);
    expect(stale.err).toMatch(/stale/);
  });

  test("a create the service never keeps: verification error after 3 PUTs, nothing published, nothing deleted", async () => {
    const before = (await kv.getSecret("func-keys-staging-greeting-apim")).properties.version;
    const keysBefore = Object.keys(fnKeys("func-keys", "greeting", "staging")).sort();
    emu.faults.add({
      service: "arm",
      method: "PUT",
      path: "/slots/staging/functions/greeting/keys/",
      kind: "not-persisted",
      times: 3,
    });
    const r = await run(["--yes", "--force", "--app", "func-keys", "--slot", "staging"], T0 + 30 * H);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /listkeys does not show this run's value for apim-\S+ after 3 PUTs .*nothing was published or deleted/,
    );
    expect(emu.faults.list()).toEqual([]);
    expect((await kv.getSecret("func-keys-staging-greeting-apim")).properties.version).toBe(before);
    expect(Object.keys(fnKeys("func-keys", "greeting", "staging")).sort()).toEqual(keysBefore);
  });

  test("--json: one document on stdout with the plan and per-key results", async () => {
    const r = await run(["--yes", "--json", "--app", "func-keys"], T0 + 40 * H);
    const doc = JSON.parse(r.out) as JsonOutput;
    expect(doc.command).toBe("rotate-keys");
    expect(doc.results.map((x) => `${x.target} ${x.resource}`).sort()).toEqual([
      "func-keys functionKey greeting/apim",
      "func-keys hostKey partner",
      "func-keys/staging functionKey greeting/apim",
    ]);
  });

  test("canaries: no key value ever appeared in stdout, stderr, plan files or files the runs wrote", async () => {
    const values = new Set<string>(Object.values(CANARIES));
    for (const s of emu.arm.sitesIn(SUB, RG)) {
      for (const a of [s, ...s.slots.values()]) {
        for (const f of a.functions.values()) for (const v of Object.values(f.keys)) values.add(v);
        for (const v of [
          a.hostKeys.masterKey,
          ...Object.values(a.hostKeys.functionKeys),
          ...Object.values(a.hostKeys.systemKeys),
        ])
          values.add(v);
      }
    }
    for await (const p of kv.listPropertiesOfSecrets())
      for await (const v of kv.listPropertiesOfSecretVersions(p.name))
        values.add((await kv.getSecret(p.name, { version: v.version! })).value!);
    const files = readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8"));
    const logged = JSON.stringify(emu.log.list());
    const haystack = [...outputs, ...files, logged].join("\n");
    expect(values.size).toBeGreaterThan(15);
    for (const v of values) expect(haystack.includes(v), "a key value leaked").toBe(false);
    expect(outputs.join("\n")).toContain("(sensitive)");
  });
});
