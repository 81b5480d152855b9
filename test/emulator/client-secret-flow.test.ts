import type { SecretClient } from "@azure/keyvault-secrets";
import type { Client } from "@microsoft/microsoft-graph-client";
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { formatError } from "../../lib/cli/main.ts";
import { rotateKeysCommand } from "../../lib/commands/rotate-keys.ts";
import type { AppState } from "../../lib/emulator/arm/state.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import type { LoggedRequest } from "../../lib/emulator/request-log.ts";
import { emulatorEnv } from "../helpers/emulator.ts";
import { startFleetFixture, vaultClientFor } from "../helpers/fleet-fixture.ts";
import { graphClientFor } from "../helpers/graph.ts";
import { captureIo } from "../helpers/io.ts";
import { RG, SUB } from "../helpers/seeds.ts";
import { signInWithSecret } from "../helpers/sign-in.ts";

/**
 * The Easy Auth client secret through rotate-keys, in process, with the real ARM pipeline, the Graph SDK,
 * @azure/keyvault-secrets and @azure/identity against the emulator: migration of a plain setting, rotation with
 * overlap, removal after grace, crash points, a concurrent app-settings writer, a reference that does not resolve,
 * and canaries.
 */
const SETTING = "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET";
const SECRET = "func-greeting-easyauth-client-secret";
const D = 86_400_000;
const H = 3_600_000;
// Other settings the app has, with characters a careless merge would mangle: they must survive byte for byte.
const OTHERS = {
  WEBSITE_RUN_FROM_PACKAGE: "1",
  ODD: ` spaces, "quotes", ünïcödé, a=b;c=d, \\back\\slash `,
  CONNECTION: `canary-conn-${randomUUID()}`,
};

const world = {
  subscriptions: [
    {
      subscriptionId: SUB,
      resourceGroups: [{ name: RG, sites: [{ name: "func-greeting", slots: [{ name: "staging" }] }] }],
    },
  ],
};
const fleet = {
  defaults: { subscriptionId: SUB, resourceGroup: RG },
  apps: [
    {
      name: "func-greeting",
      slots: ["staging"],
      clientSecret: { vaultUrl: "fromEnv", maxAge: "30d", renewBefore: "7d", lifetime: "60d", grace: "1h" },
    },
  ],
};

let emu: Emulator;
let dir: string;
let configFile: string;
let kv: SecretClient;
let graph: Client;
let app: { id: string; appId: string };
let handMade: { keyId: string; secretText: string };
const T0 = Math.ceil(Date.now() / 60_000) * 60_000;
const outputs: string[] = [];
const FAST = { attempts: 3, delayMs: () => 5 };

const site = (slot?: string): AppState => {
  const s = emu.arm.site(SUB, RG, "func-greeting")!;
  return slot ? s.slots.get(slot)! : s;
};

beforeAll(async () => {
  ({ emu, dir, configFile } = await startFleetFixture("client-secret", world, fleet));
  kv = vaultClientFor(emu);
  graph = graphClientFor(emu);
  app = await graph.api("/applications").post({ displayName: "Greeting API" });
  // The hand-made secret of the portal's "Add client secret", pasted into the app setting.
  handMade = await graph
    .api(`/applications/${app.id}/addPassword`)
    .post({ passwordCredential: { displayName: "portal" } });
  for (const s of [site(), site("staging")]) {
    s.configVersion = "v2";
    s.authV2 = {
      platform: { enabled: true },
      identityProviders: {
        azureActiveDirectory: {
          enabled: true,
          registration: { clientId: app.appId, clientSecretSettingName: SETTING },
        },
      },
    };
    s.appSettings = { ...OTHERS, [SETTING]: handMade.secretText };
  }
});
afterAll(() => emu?.close());
beforeEach(() => {
  emu.log.clear();
  emu.faults.clear();
});

async function run(args: string[], at: number) {
  const io = captureIo(emulatorEnv(emu));
  let code: number;
  try {
    // --backup-dir is the client-secret kind's flag: `--only keys` does not know it.
    const backup = args.includes("keys") ? [] : ["--backup-dir", join(dir, "backups")];
    code = await rotateKeysCommand(["--config", configFile, ...backup, ...args], io, {
      now: () => new Date(at),
      clientSecretVerify: FAST,
    });
  } catch (e) {
    io.stderr.write(`${formatError(e)}\n`);
    code = 1;
  }
  outputs.push(io.out(), io.err());
  return { code, out: io.out(), err: io.err() };
}

const passwords = async (): Promise<{ keyId: string; displayName: string }[]> =>
  (await graph.api(`/applications/${app.id}`).select(["passwordCredentials"]).get()).passwordCredentials;
const toolMade = async () => (await passwords()).filter((p) => p.displayName.startsWith("easyauth-fleet "));
const writes = () =>
  emu.log
    .list()
    .filter((l) => l.status !== 0 && (["PUT", "DELETE", "PATCH"].includes(l.method) || /Password$/.test(l.path)))
    .map((l) => `${l.service} ${l.method} ${l.path.split("/").slice(-2).join("/")}`);
const token = (secret: string) => signInWithSecret(emu, app.appId, secret);
const reference = (version: string) => `@Microsoft.KeyVault(SecretUri=${emu.url}/secrets/${SECRET}/${version})`;
async function current() {
  const s = await kv.getSecret(SECRET);
  return { version: s.properties.version!, value: s.value!, keyId: s.properties.tags?.credentialKeyId };
}
function expectPointedAt(version: string) {
  for (const s of [site(), site("staging")])
    expect(s.appSettings).toEqual({ ...OTHERS, [SETTING]: reference(version) });
}

/** Serves the first request `at` matches, then resets every later one: nothing past that point reaches "Azure". */
function crashAfter(at: (e: LoggedRequest) => boolean) {
  const original = emu.log.add.bind(emu.log);
  let hit = false;
  emu.log.add = (entry) => {
    original(entry);
    if (hit || !at(emu.log.list().at(-1)!)) return;
    hit = true;
    emu.faults.add([{ kind: "reset", times: 10_000 }]);
  };
  return () => {
    emu.log.add = original;
    emu.faults.clear();
    return hit;
  };
}

describe("Easy Auth client secret rotation (rotate-keys --only client-secrets)", () => {
  test("--only narrows the kinds: a bad value, or keys on a fleet without keys.rotate, is exit 1 with no request", async () => {
    const bad = await run(["--only", "secrets", "--yes"], T0);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--only 'secrets' is not one of: keys, client-secrets/);
    const keys = await run(["--only", "keys", "--yes"], T0);
    expect(keys.code).toBe(1);
    expect(keys.err).toMatch(/No key to rotate/);
    expect(emu.log.list()).toEqual([]);
  });

  test("a plain secret in the app setting is reported and nothing is written without --migrate-secret-setting", async () => {
    const r = await run(["--only", "client-secrets", "--yes"], T0);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`${SETTING}: the app setting holds the client secret itself`);
    expect(r.out).toContain("--migrate-secret-setting");
    expect(writes()).toEqual([]);
  });

  test("--migrate-secret-setting: the value moves to Key Vault, both slots get a reference, no new password", async () => {
    const r = await run(["--only", "client-secrets", "--migrate-secret-setting", "--yes"], T0);
    expect(r.code, r.out + r.err).toBe(0);
    const c = await current();
    expect(c.value).toBe(handMade.secretText);
    expect(c.keyId).toBe(handMade.keyId);
    expectPointedAt(c.version);
    expect(writes()).toEqual([
      "keyvault PUT secrets/" + SECRET,
      "arm PUT config/appsettings",
      "arm PUT config/appsettings",
    ]);
    expect(await passwords()).toHaveLength(1);
    // The backups hold the setting's name and what it held, never the value.
    const files = readdirSync(join(dir, "backups"));
    expect(files.length).toBe(2);
    for (const f of files) {
      const text = readFileSync(join(dir, "backups", f), "utf8");
      expect(text).toContain(SETTING);
      expect(text).not.toContain(handMade.secretText);
      expect(statSync(join(dir, "backups", f)).mode & 0o777).toBe(0o600);
    }
  });

  test("rerun: nothing to do, zero writes", async () => {
    const r = await run(["--only", "client-secrets", "--yes"], T0 + H);
    expect(r.code).toBe(0);
    expect(writes()).toEqual([]);
  });

  test("full rotation when the current password is older than maxAge; calls per rotation from the request log", async () => {
    const r = await run(["--only", "client-secrets", "--yes"], T0 + 31 * D);
    expect(r.code, r.out + r.err).toBe(0);
    // Everything the run sent, before the test's own reads below.
    const calls = emu.log.list().filter((l) => l.status !== 401);
    const count = (s: string) => calls.filter((l) => l.service === s).length;
    const sent = writes();
    const summary = calls.map(
      (c) =>
        `${c.service} ${c.method} ${c.path.replace(/^.*\/sites\/func-greeting/, "").replace(/[0-9a-f]{32}$/, "{version}")}`,
    );
    const made = await toolMade();
    expect(made).toHaveLength(1);
    const c = await current();
    expect(c.keyId).toBe(made[0]!.keyId);
    expectPointedAt(c.version);
    // Overlap: the old (hand-made) password and the new one both sign in; the hand-made one is reported, not removed.
    expect([await token(handMade.secretText), await token(c.value)]).toEqual(["ok", "ok"]);
    expect(r.out + r.err).toMatch(/'portal' \([0-9a-f-]+\) was not made by this tool: it stays valid/);
    expect(sent).toEqual([
      "graph POST " + app.id + "/addPassword",
      "keyvault PUT secrets/" + SECRET,
      "arm PUT config/appsettings",
      "arm PUT config/appsettings",
    ]);
    process.stdout.write(
      `calls per client-secret rotation (production + 1 slot): ${count("graph")} Graph, ${count("arm")} ARM, ${count("keyvault")} Key Vault, ${count("entra")} Entra token requests\n`,
    );
    expect(summary.filter((c) => !c.startsWith("entra"))).toEqual([
      // observe, per site: Easy Auth's registration and setting name, the settings, the reference's status
      "arm GET /config/authsettingsV2/list",
      "arm GET /slots/staging/config/authsettingsV2/list",
      "arm POST /config/appsettings/list",
      "arm POST /slots/staging/config/appsettings/list",
      `arm GET /config/configreferences/appsettings/${SETTING}`,
      `arm GET /slots/staging/config/configreferences/appsettings/${SETTING}`,
      `graph GET /v1.0/applications(appId='${app.appId}')`, // the registration's passwords
      `keyvault GET /secrets/${SECRET}/`, // the current version
      `graph POST /v1.0/applications/${app.id}/addPassword`,
      `graph GET /v1.0/applications(appId='${app.appId}')`, // did another run add one at the same time?
      `keyvault PUT /secrets/${SECRET}`, // publish
      `keyvault GET /secrets/${SECRET}/{version}`, // read it back
      // per site: read, re-read (concurrent writer?), PUT the whole set, read back
      "arm POST /config/appsettings/list",
      "arm POST /config/appsettings/list",
      "arm PUT /config/appsettings",
      "arm POST /config/appsettings/list",
      "arm POST /slots/staging/config/appsettings/list",
      "arm POST /slots/staging/config/appsettings/list",
      "arm PUT /slots/staging/config/appsettings",
      "arm POST /slots/staging/config/appsettings/list",
      // verify: each reference resolves to the new version; then a token request with the new secret
      `arm GET /config/configreferences/appsettings/${SETTING}`,
      `arm GET /slots/staging/config/configreferences/appsettings/${SETTING}`,
    ]);
    expect(summary.at(-1)).toBe(`entra POST /${emu.tenantId}/oauth2/v2.0/token`);
  });

  test("rerun inside the grace period is a no-op", async () => {
    const r = await run(["--only", "client-secrets", "--yes"], T0 + 31 * D + 30 * 60_000);
    expect(r.code).toBe(0);
    expect(writes()).toEqual([]);
    expect(r.out).toMatch(/password 'portal' \([0-9a-f-]+\) was not made by this tool: reported, never removed/);
  });

  test("next rotation keeps the previous tool-made password for the grace period, then removes it; its token then fails", async () => {
    const first = await current();
    const r = await run(["--only", "client-secrets", "--yes"], T0 + 62 * D);
    expect(r.code, r.out + r.err).toBe(0);
    expect(await toolMade()).toHaveLength(2);
    expect(r.out).toMatch(/stays valid for 1h after the new one is published/);
    expect(await token(first.value)).toBe("ok");

    emu.log.clear();
    const inside = await run(["--only", "client-secrets", "--yes"], T0 + 62 * D + H - 60_000);
    expect(writes(), inside.out).toEqual([]);

    emu.log.clear();
    const after = await run(["--only", "client-secrets", "--yes"], T0 + 62 * D + H + 60_000);
    expect(after.code, after.out + after.err).toBe(0);
    expect(writes()).toEqual(["graph POST " + app.id + "/removePassword"]);
    expect((await toolMade()).map((p) => p.keyId)).toEqual([(await current()).keyId]);
    expect(await token(first.value)).toBe("AADSTS7000215");
    // Never the hand-made one.
    expect((await passwords()).map((p) => p.keyId)).toContain(handMade.keyId);
  });

  test("a concurrent app-settings writer is detected before the PUT; every other setting survives byte for byte", async () => {
    let lists = 0;
    const original = emu.log.add.bind(emu.log);
    emu.log.add = (entry) => {
      original(entry);
      const e = emu.log.list().at(-1)!;
      // The first list of the apply (after the observe's two lists): another deployment writes between read and PUT.
      if (/config\/appsettings\/list$/.test(e.path) && ++lists === 3) {
        site().appSettings = { ...site().appSettings, DEPLOYED_BY: "pipeline #42", ODD: `${OTHERS.ODD}(v2)` };
      }
    };
    const r = await run(["--only", "client-secrets", "--yes", "--force"], T0 + 63 * D);
    emu.log.add = original;
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.err).toMatch(/app settings changed while merging \(another writer\); merging again/);
    const c = await current();
    expect(site().appSettings).toEqual({
      ...OTHERS,
      ODD: `${OTHERS.ODD}(v2)`,
      DEPLOYED_BY: "pipeline #42",
      [SETTING]: reference(c.version),
    });
    expect(site("staging").appSettings).toEqual({ ...OTHERS, [SETTING]: reference(c.version) });
    // Put production back as the other tests expect it.
    site().appSettings = { ...OTHERS, [SETTING]: reference(c.version) };
  });

  test("a reference that does not resolve stops the rotation before anything is removed", async () => {
    const siteId = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites/func-greeting/slots/staging`;
    const access = (allowed: boolean) =>
      fetch(`${emu.url}/_emulator/arm/keyvault-access`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ resourceId: siteId, allowed }),
      });
    await access(false);
    const before = (await toolMade()).length;
    // After the grace period: the planner sees the staging reference unresolved and removes nothing.
    const planned = await run(["--only", "client-secrets", "--yes"], T0 + 64 * D);
    expect(planned.code).toBe(0);
    expect(planned.out).toMatch(
      /staging: MICROSOFT_PROVIDER_AUTHENTICATION_SECRET does not resolve \(AccessToKeyVaultDenied\)/,
    );
    expect(writes()).toEqual([]);
    // A forced rotation adds and points, then its verify fails: exit 1, and no removePassword was sent.
    emu.log.clear();
    const forced = await run(["--only", "client-secrets", "--yes", "--force"], T0 + 64 * D);
    expect(forced.code).toBe(1);
    expect(forced.out + forced.err).toMatch(/does not resolve \(AccessToKeyVaultDenied/);
    expect(writes().some((w) => /removePassword/.test(w))).toBe(false);
    expect((await toolMade()).length).toBe(before + 1);
    await access(true);
    const healed = await run(["--only", "client-secrets", "--yes"], T0 + 64 * D + 2 * H);
    expect(healed.code, healed.out + healed.err).toBe(0);
    expect((await toolMade()).length).toBe(1);
  });

  const points: {
    name: string;
    at: (e: LoggedRequest) => boolean;
    nextWrites: string[];
    newPasswords: number;
    /** The crashed run is the one after the grace period of a completed rotation (it verifies, then removes). */
    removing?: boolean;
  }[] = [
    {
      name: "after addPassword (the text is lost with the process)",
      at: (e) => e.service === "graph" && /addPassword$/.test(e.path) && e.status === 200,
      // The password was never published, so nothing can use it: the next run removes it and adds none.
      nextWrites: ["graph POST removePassword"],
      newPasswords: 0,
    },
    {
      name: "after publishing to Key Vault",
      at: (e) => e.service === "keyvault" && e.method === "PUT" && e.status === 200,
      nextWrites: ["arm PUT config/appsettings", "arm PUT config/appsettings"],
      newPasswords: 1,
    },
    {
      name: "after the first app setting (production) is pointed",
      at: (e) => e.service === "arm" && e.method === "PUT" && /config\/appsettings$/.test(e.path) && e.status === 200,
      nextWrites: ["arm PUT config/appsettings"],
      newPasswords: 1,
    },
    {
      name: "after the verify step's token request, before the old password is removed",
      at: (e) =>
        e.service === "entra" && e.method === "POST" && /oauth2\/v2\.0\/token$/.test(e.path) && afterReference(),
      // Every older tool-made password is removed then (the earlier crash tests left some within their grace).
      nextWrites: ["graph POST removePassword"],
      newPasswords: 0,
      removing: true,
    },
  ];
  // The token request of the verify step follows the configreferences reads (the tool's own sign-in comes first).
  const afterReference = () => emu.log.list().some((l) => /configreferences/.test(l.path));

  let t = T0 + 70 * D;
  for (const p of points) {
    test(`crash ${p.name}: the next run finishes without a second new password`, async () => {
      t += 2 * D;
      if (p.removing) {
        expect((await run(["--only", "client-secrets", "--yes", "--force"], t)).code).toBe(0);
        t += 2 * H;
        emu.log.clear();
      }
      const before = (await toolMade()).map((x) => x.keyId);
      const stop = crashAfter(p.at);
      const crashed = await run(["--only", "client-secrets", "--yes", ...(p.removing ? [] : ["--force"])], t);
      expect(stop(), crashed.out + crashed.err).toBe(true);
      expect(crashed.code).toBe(1);
      emu.log.clear();
      const next = await run(["--only", "client-secrets", "--yes"], t + 60_000);
      expect(next.code, next.out + next.err).toBe(0);
      const done = writes().map((w) => w.replace(/ [^ ]*\/(\w+Password)$/, " $1"));
      expect(p.removing ? [...new Set(done)] : done).toEqual(p.nextWrites);
      const after = (await toolMade()).map((x) => x.keyId);
      expect(after.filter((k) => !before.includes(k))).toHaveLength(p.newPasswords);
      // Finished: once removals are due, the one tool-made password left is the published one.
      if (p.removing || p.newPasswords === 0) expect(after).toEqual([(await current()).keyId]);
      const c = await current();
      expectPointedAt(c.version);
      expect(await token(c.value)).toBe("ok");
      emu.log.clear();
      const third = await run(
        ["--only", "client-secrets", "--yes", "--dry-run", "--detailed-exitcode"],
        t + 2 * 60_000,
      );
      expect(third.code, third.out).toBe(0);
    });
  }

  test("canaries: no secret text in any output, backup or plan file", async () => {
    const plan = await run(["--only", "client-secrets", "--force", "--plan-out", join(dir, "cs.plan.json")], t + D);
    expect(plan.code, plan.out + plan.err).toBe(0);
    const values = new Set([handMade.secretText, OTHERS.CONNECTION]);
    for await (const v of kv.listPropertiesOfSecretVersions(SECRET))
      values.add((await kv.getSecret(SECRET, { version: v.version! })).value!);
    expect(values.size).toBeGreaterThan(5);
    const files = [dir, join(dir, "backups")].flatMap((d) =>
      readdirSync(d)
        .map((f) => join(d, f))
        .filter((f) => statSync(f).isFile())
        .map((f) => readFileSync(f, "utf8")),
    );
    const haystack = [...outputs, ...files].join("\n");
    expect(outputs.join("").length).toBeGreaterThan(1000);
    for (const v of values) expect(haystack.includes(v), "a secret leaked").toBe(false);
  });
});
