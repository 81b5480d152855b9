import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { CLOUDS } from "../../lib/azure/clouds.ts";
import { validateConfig } from "../../lib/config/load.ts";
import { factorDefaults, type FleetApp } from "../../lib/export/defaults.ts";
import { renderFleetYaml } from "../../lib/export/render.ts";
import { listBackups, readBackup, withoutSecrets, writeBackup } from "../../lib/pipeline/backup.ts";
import { authToConfig } from "../../lib/resources/auth/export.ts";
import { KINDS } from "../../lib/resources/index.ts";
import { keysToConfig, logicalNameOf } from "../../lib/resources/keys/export.ts";
import { siteToConfig } from "../../lib/resources/site/export.ts";
import { backupsToPrune } from "../../lib/restore/prune.ts";

const TENANT = "7e3a0f1c-5b2d-4c8e-9a61-0d4f2b8c6e11";
const SUB = "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2";
const CLIENT = "6a1f3c2e-9b4d-4e8f-a1c7-5d2e8f9b0a13";
const run = { cloud: CLOUDS.AzureCloud, tenantId: TENANT };

const app = (name: string, blocks: FleetApp["blocks"], rg = "rg-a"): FleetApp => ({
  name,
  subscriptionId: SUB,
  resourceGroup: rg,
  slots: [],
  blocks,
});

describe("defaults: values common to most apps", () => {
  test("a value most apps hold goes to defaults; apps that differ keep theirs; every app resolves as before", () => {
    const apps = [
      app("a", { site: { httpsOnly: true, minTlsVersion: "1.2" } }),
      app("b", { site: { httpsOnly: true, minTlsVersion: "1.2" } }),
      app("c", { site: { httpsOnly: false, minTlsVersion: "1.2" } }, "rg-b"),
    ];
    const f = factorDefaults(KINDS, apps, {});
    expect(f.defaults).toEqual({
      subscriptionId: SUB,
      resourceGroup: "rg-a",
      site: { httpsOnly: true, minTlsVersion: "1.2" },
    });
    expect(f.apps.map((a) => a.blocks.site)).toEqual([undefined, undefined, { httpsOnly: false }]);
    expect(f.apps[2]!.resourceGroup).toBe("rg-b");
    expect(f.unfactored).toEqual([]);
  });

  test("a field one receiving app lacks stays per app (defaults.site reaches every app and would add it)", () => {
    const apps = [
      app("a", { site: { httpsOnly: true, ftpsState: "Disabled" } }),
      app("b", { site: { httpsOnly: true, ftpsState: "Disabled" } }),
      app("c", { site: { httpsOnly: true } }),
    ];
    const f = factorDefaults(KINDS, apps, {});
    expect(f.defaults.site).toEqual({ httpsOnly: true });
    expect(f.apps.map((a) => a.blocks.site)).toEqual([{ ftpsState: "Disabled" }, { ftpsState: "Disabled" }, undefined]);
  });

  test("defaults.auth reaches only apps with an auth block: an app without one is not counted and stays without", () => {
    const auth = { enabled: true, requireHttps: true };
    const apps = [app("a", { auth }), app("b", { auth }), app("c", {}), app("d", {})];
    const f = factorDefaults(KINDS, apps, {});
    expect(f.defaults.auth).toEqual(auth);
    expect(f.apps.map((a) => a.blocks.auth)).toEqual([{}, {}, undefined, undefined]);
    const resolved = validateConfig(
      { version: 1, defaults: f.defaults, apps: f.apps.map((a) => ({ name: a.name, ...a.blocks })) },
      "t",
      {},
    ).apps;
    expect(resolved.map((a) => a.auth?.requireHttps)).toEqual([true, true, undefined, undefined]);
  });
});

describe("kinds' toConfig (pure)", () => {
  test("auth: issuer version and tenant inferred, {appId} templated, v2's bare client id not repeated", () => {
    const r = authToConfig(
      {
        v1: false,
        properties: {
          platform: { enabled: true },
          identityProviders: {
            azureActiveDirectory: {
              enabled: true,
              registration: { clientId: CLIENT, openIdIssuer: `https://login.microsoftonline.com/${TENANT}/v2.0` },
              validation: { allowedAudiences: [`api://${CLIENT}`, CLIENT] },
            },
          },
        },
      },
      run,
      { tokenVersion: 2 },
    );
    expect(r.slice).toEqual({
      enabled: true,
      azureActiveDirectory: {
        enabled: true,
        clientId: "fromRegistration",
        tokenVersion: "fromRegistration",
        allowedAudiences: ["api://{appId}"],
      },
    });
  });

  test("auth: V1, file-based and foreign issuers are left out with the reason", () => {
    expect(authToConfig({ v1: true, properties: {} }, run, undefined).notes[0]?.why).toMatch(/classic \(V1\)/);
    const file = authToConfig(
      { v1: false, properties: { platform: { enabled: true, configFilePath: "a.json" } } },
      run,
      undefined,
    );
    expect(file.slice).toBeUndefined();
    expect(file.notes[0]?.why).toMatch(/from a file \(a\.json\)/);
    const odd = authToConfig(
      {
        v1: false,
        properties: {
          platform: { enabled: true },
          identityProviders: {
            azureActiveDirectory: { enabled: true, registration: { openIdIssuer: "https://example.com/" } },
          },
        },
      },
      run,
      undefined,
    );
    expect(odd.slice).toEqual({ enabled: true });
    expect(odd.notes.map((n) => n.why).join()).toMatch(/neither the v1 nor the v2 issuer/);
  });

  test("site: '*' is allowed on purpose and marked; supportCredentials with '*' is left out", () => {
    const r = siteToConfig({
      site: { httpsOnly: false },
      web: { minTlsVersion: "1.0", cors: { allowedOrigins: ["*"], supportCredentials: true } },
    });
    expect(r.slice).toEqual({
      httpsOnly: false,
      minTlsVersion: "1.0",
      cors: { allowedOrigins: ["*"], allowAnyOrigin: true },
    });
    expect(r.notes.map((n) => n.note)).toEqual(["inferred", "left out"]);
  });

  test("keys: rotation names give policies; other names are left out with a comment", () => {
    expect(logicalNameOf("apim-20261123t0830z")).toBe("apim");
    expect(logicalNameOf("apim-20261123t083015z")).toBe("apim");
    expect(logicalNameOf("apim-20261332t0830z")).toBeUndefined();
    expect(logicalNameOf("partner")).toBeUndefined();
    const r = keysToConfig({
      hostKeyNames: ["default", "partner-20261120t0800z", "legacy"],
      functionKeyNames: { greeting: ["apim-20261123t0830z"] },
    });
    expect(r.slice).toEqual({
      vaultUrl: "fromEnv",
      rotate: [
        { name: "partner", scope: "host", slots: ["production"] },
        { name: "apim", scope: "function", function: "greeting", slots: ["production"] },
      ],
    });
    expect(r.notes.some((n) => n.note === "left out" && /legacy do not follow the rotation naming/.test(n.why))).toBe(
      true,
    );
  });

  test("the YAML carries each note: inferred on the value, left out above the app", () => {
    const text = renderFleetYaml({
      document: {
        version: 1,
        apps: [{ name: "a", auth: { enabled: true, azureActiveDirectory: { tokenVersion: 1 } } }],
      },
      notes: [
        [
          { path: "auth.azureActiveDirectory.tokenVersion", note: "inferred", why: "from the issuer" },
          { path: "registration", note: "left out", why: "no application" },
        ],
      ],
      header: ["head"],
      fileNotes: [],
    });
    expect(text).toMatch(/tokenVersion: 1 # inferred: from the issuer/);
    expect(text).toMatch(/# registration: left out: no application\n {2}- name: a/);
  });
});

describe("backup files", () => {
  const target = { subscriptionId: SUB, resourceGroup: "rg-a", name: "func-a", slot: "staging" };

  test("a record says what it is of; mode 0600; secret members dropped wherever they are", () => {
    const dir = mkdtempSync(join(tmpdir(), "bk-"));
    const file = writeBackup(
      dir,
      target,
      "registration",
      {
        application: {
          passwordCredentials: [{ keyId: "k", secretText: "canary-secret-1", hint: "can" }],
          keyCredentials: [{ key: "canary-2" }],
        },
        clientSecret: "canary-3",
      },
      { kind: "registration", tenantId: TENANT, toolVersion: "9.9.9", now: new Date("2026-11-23T08:30:00Z") },
    );
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, "utf8");
    expect(text).not.toMatch(/canary/);
    expect(readBackup(file)).toMatchObject({
      kind: "registration",
      tenantId: TENANT,
      toolVersion: "9.9.9",
      takenAt: "2026-11-23T08:30:00.000Z",
      target,
    });
    expect(withoutSecrets({ a: { password: "x", keep: 1 } })).toEqual({ a: { keep: 1 } });
  });

  test("the older format (a bare authsettingsV2 document) is still read: target and time from its name", () => {
    const dir = mkdtempSync(join(tmpdir(), "bk-"));
    const file = join(dir, `2026-11-20T10-00-00-000Z_${SUB}_rg-a_func-a_staging.authsettingsV2.json`);
    writeFileSync(file, JSON.stringify({ properties: { platform: { enabled: true } } }));
    const r = readBackup(file);
    expect(r).toMatchObject({ kind: "auth", resource: "authsettingsV2", takenAt: "2026-11-20T10:00:00.000Z", target });
    expect(r.tenantId).toBeUndefined();
    expect(listBackups(dir)).toHaveLength(1);
  });

  test("pruning keeps the newest N of each target, and --older-than only removes older ones", () => {
    const dir = mkdtempSync(join(tmpdir(), "bk-"));
    for (const d of [1, 2, 3])
      writeBackup(dir, target, "site", {}, { kind: "site", now: new Date(Date.UTC(2026, 10, d)) });
    writeBackup(dir, { ...target, name: "func-b" }, "site", {}, { kind: "site", now: new Date(Date.UTC(2026, 10, 1)) });
    const all = listBackups(dir);
    const now = new Date(Date.UTC(2026, 10, 3, 12));
    expect(
      backupsToPrune(all, { keep: 1, now })
        .map((b) => b.record.takenAt.slice(0, 10))
        .sort(),
    ).toEqual(["2026-11-01", "2026-11-02"]);
    expect(
      backupsToPrune(all, { keep: 0, olderThanMs: 36 * 3_600_000, now })
        .map((b) => `${b.record.target.name} ${b.record.takenAt.slice(0, 10)}`)
        .sort(),
    ).toEqual(["func-a 2026-11-01", "func-b 2026-11-01"]);
  });
});
