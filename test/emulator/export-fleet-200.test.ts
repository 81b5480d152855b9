import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { formatError } from "../../lib/cli/main.ts";
import { applyCommand } from "../../lib/commands/apply.ts";
import { exportCommand } from "../../lib/commands/export.ts";
import { configureAuthCommand } from "../../lib/commands/configure-auth.ts";
import { rotateKeysCommand } from "../../lib/commands/rotate-keys.ts";
import { updateManifestCommand } from "../../lib/commands/update-manifest.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { DEFAULT_SUBSCRIPTION_ID } from "../../lib/emulator/server.ts";
import { emulatorEnv, startTestEmulator } from "../helpers/emulator.ts";
import { captureIo } from "../helpers/io.ts";

const TENANT_V1 = (tid: string) => `https://sts.windows.net/${tid}/`;
const TENANT_V2 = (tid: string) => `https://login.microsoftonline.com/${tid}/v2.0`;
const SUBS = [DEFAULT_SUBSCRIPTION_ID, "5b1e9c3a-7d24-4f60-8a1b-3c9e2d4f6a80"];
const CANARY = "fleet-canary-secret-value-0123456789";
const guid = (i: number) => `${String(i).padStart(8, "0")}-1111-4222-8333-${String(i).padStart(12, "0")}`;

/** 200 apps across two subscriptions and four resource groups, each a different mix of what the kinds own. */
function fleetWorld(tenantId: string) {
  const site = (i: number) => {
    const clientId = guid(i);
    const authV2 =
      i % 4 === 1
        ? {
            platform: { enabled: true, runtimeVersion: "~1" },
            globalValidation: {
              requireAuthentication: true,
              unauthenticatedClientAction: i % 8 === 1 ? "Return401" : "Return403",
            },
            identityProviders: {
              azureActiveDirectory: {
                enabled: true,
                registration: { clientId, openIdIssuer: TENANT_V2(tenantId), clientSecretSettingName: "AUTH_SECRET" },
                validation: { allowedAudiences: [`api://${clientId}`, clientId] },
              },
            },
            httpSettings: { requireHttps: true },
          }
        : i % 4 === 2
          ? {
              platform: { enabled: true, ...(i % 25 === 2 ? { configFilePath: "auth.json" } : {}) },
              globalValidation: { requireAuthentication: false, excludedPaths: ["/health", `/p${i % 3}`] },
              identityProviders: {
                azureActiveDirectory: {
                  enabled: i % 3 !== 0,
                  registration: { clientId, openIdIssuer: TENANT_V1(tenantId) },
                  login: { loginParameters: ["scope=openid profile"] },
                  validation: {
                    allowedAudiences: [`api://${clientId}`],
                    defaultAuthorizationPolicy: { allowedApplications: [guid(i + 1000)] },
                  },
                },
                customOpenIdConnectProviders: { okta: { enabled: true, registration: { clientId: "okta" } } },
              },
              login: { tokenStore: { enabled: i % 6 === 2 } },
              futureSection: { keepMe: i },
            }
          : undefined;
    const authV1 =
      i % 20 === 3 ? { enabled: true, clientId, clientSecret: CANARY, issuer: TENANT_V1(tenantId) } : undefined;
    const siteConfig = {
      minTlsVersion: ["1.2", "1.2", "1.2", "1.0", "1.3"][i % 5],
      scmMinTlsVersion: i % 9 === 0 ? "1.1" : "1.2",
      ftpsState: ["FtpsOnly", "Disabled", "FtpsOnly", "AllAllowed"][i % 4],
      http20Enabled: i % 3 === 0,
      remoteDebuggingEnabled: i % 17 === 0,
      ...(i % 5 === 0
        ? { cors: { allowedOrigins: [`https://portal${i % 3}.contoso.com`], supportCredentials: i % 10 === 0 } }
        : {}),
      ...(i % 31 === 0 ? { cors: { allowedOrigins: ["*"] } } : {}),
    };
    return {
      name: `func-${String(i).padStart(3, "0")}`,
      tags: { team: ["payments", "orders", "identity"][i % 3]! },
      httpsOnly: i % 11 !== 0,
      appSettings: { AUTH_SECRET: CANARY },
      siteConfig,
      functions: { api: {} },
      hostKeys: {
        functionKeys: {
          ...(i % 13 === 0 ? { "partner-20261129t0800z": "generate" } : {}),
          ...(i % 7 === 0 ? { "legacy-hand-made": CANARY } : {}),
        },
      },
      ...(authV2 ? { authV2 } : {}),
      ...(authV1 ? { authV1 } : {}),
      slots:
        i % 10 === 0
          ? [
              { name: "staging", siteConfig, httpsOnly: i % 11 !== 0, ...(authV2 ? { authV2 } : {}) },
              ...(i % 20 === 0 ? [{ name: "canary", siteConfig: { ...siteConfig, minTlsVersion: "1.1" } }] : []),
            ]
          : [],
    };
  };
  const sites = Array.from({ length: 200 }, (_, i) => site(i));
  return {
    subscriptions: SUBS.map((subscriptionId, s) => ({
      subscriptionId,
      resourceGroups: [0, 1].map((g) => ({
        name: `rg-fleet-${s}${g}`,
        sites: sites.filter((_, i) => i % 4 === s * 2 + g),
      })),
    })),
  };
}

let emu: Emulator;
let dir: string;

beforeAll(async () => {
  // The tenant id is the emulator's: start once to learn it, then seed a world whose issuers name it.
  const probe = await startTestEmulator({});
  const tenantId = emulatorEnv(probe).AZURE_TENANT_ID!;
  probe.close();
  emu = await startTestEmulator({ seed: fleetWorld(tenantId) });
  dir = mkdtempSync(join(tmpdir(), "export-200-"));
}, 60_000);
afterAll(() => emu?.close());

async function run(cmd: typeof exportCommand, args: string[]) {
  const io = captureIo(emulatorEnv(emu));
  const code = await cmd(args, io).catch((e: unknown) => {
    io.stderr.write(formatError(e));
    return 1;
  });
  return { code, out: io.out(), err: io.err() };
}

const WRITES = new Set(["PUT", "PATCH", "DELETE", "POST"]);
const writes = () =>
  emu.log
    .list()
    .filter(
      (r) =>
        r.service !== "entra" &&
        WRITES.has(r.method) &&
        !(r.method === "POST" && /\/(listkeys|list)$/i.test(r.path.split("?")[0]!)),
    );

describe("export of a generated fleet of 200 varied apps", () => {
  test("export → apply --dry-run --detailed-exitcode: exit 0, 0 changes planned, 0 writes", async () => {
    // Some apps get rotation-named keys published through the tool itself (the rest have hand-made or unpublished keys).
    const keyed = join(dir, "keys.yaml");
    const rotated = [0, 4, 8, 12].map((i) => `func-${String(i * 13).padStart(3, "0")}`);
    writeFileSync(
      keyed,
      YAML.stringify({
        version: 1,
        defaults: { keys: { vaultUrl: "fromEnv" } },
        apps: rotated.map((name) => {
          const i = Number(name.slice(5));
          return {
            name,
            subscriptionId: SUBS[Math.floor((i % 4) / 2)],
            resourceGroup: `rg-fleet-${Math.floor((i % 4) / 2)}${i % 2}`,
            keys: { rotate: [{ name: "apim", scope: "host", slots: ["production"] }] },
          };
        }),
      }),
    );
    expect((await run(rotateKeysCommand, ["--config", keyed, "--yes"])).code).toBe(0);
    // Eight apps get a registration and Easy Auth that names it, through the tool (update-manifest, configure-auth).
    const registered = join(dir, "registered.yaml");
    const regApps = [8, 24, 40, 56, 72, 88, 104, 120];
    writeFileSync(
      registered,
      YAML.stringify({
        version: 1,
        apps: regApps.map((i) => ({
          name: `func-${String(i).padStart(3, "0")}`,
          subscriptionId: SUBS[Math.floor((i % 4) / 2)],
          resourceGroup: `rg-fleet-${Math.floor((i % 4) / 2)}${i % 2}`,
          registration: {
            uniqueName: `fleet-api-${i}`,
            scopes: [{ value: "Api.Read" }],
            ...(i % 16 === 8 ? { tokenVersion: 1 } : {}),
          },
          auth: {
            unauthenticatedClientAction: "Return401",
            azureActiveDirectory: {
              clientId: "fromRegistration",
              tokenVersion: "fromRegistration",
              allowedAudiences: ["api://{appId}"],
            },
          },
        })),
      }),
    );
    const b = ["--backup-dir", join(dir, "b")];
    expect((await run(updateManifestCommand, ["--config", registered, "--yes", ...b])).code).toBe(0);
    expect((await run(configureAuthCommand, ["--config", registered, "--yes", ...b])).code).toBe(0);

    const out = join(dir, "fleet.yaml");
    const exported = await run(exportCommand, [
      "--subscription",
      SUBS[0]!,
      "--subscription",
      SUBS[1]!,
      "--out",
      out,
      "--concurrency",
      "16",
    ]);
    expect(exported.err).not.toMatch(/^error:/m);
    expect(exported.code).toBe(0);
    const text = readFileSync(out, "utf8");
    const doc = YAML.parse(text) as { defaults: Record<string, unknown>; apps: Array<Record<string, unknown>> };
    expect(doc.apps).toHaveLength(200);
    expect(text).not.toContain(CANARY);
    expect(text).toMatch(/left out: auth settings come from a file \(auth\.json\)/);
    expect(text).toMatch(/left out: the app uses classic \(V1\) auth settings/);
    expect(text).toMatch(/slot canary: its site settings differ from production's/);
    expect(text).toMatch(/inferred: apim: from physical key names apim-<time> \(host\)/);
    expect(text).toMatch(/legacy-hand-made do not follow the rotation naming/);
    const withRegistration = doc.apps.filter((a) => a.registration).map((a) => a.name);
    expect(withRegistration.sort()).toEqual(
      ["008", "024", "040", "056", "072", "088", "104", "120"].map((n) => `func-${n}`),
    );
    expect(text).toMatch(/is the appId of this app's registration/);

    emu.log.clear();
    const dry = await run(applyCommand, [
      "--config",
      out,
      "--dry-run",
      "--detailed-exitcode",
      "--concurrency",
      "16",
      "--backup-dir",
      join(dir, "b"),
    ]);
    const summary = /Plan: (\d+) to add, (\d+) to change, (\d+) to destroy \((\d+) unchanged\)/.exec(dry.out);
    expect(dry.err).not.toMatch(/^error:/m);
    expect(summary?.slice(1, 4)).toEqual(["0", "0", "0"]);
    expect(Number(summary?.[4])).toBeGreaterThan(200);
    expect(dry.code).toBe(0);
    expect(writes()).toEqual([]);
    // The figure the report gives: targets planned, none changing.
    process.stderr.write(
      `200-app round trip: ${summary?.[0]}; export said: ${exported.err.trim().split("\n").at(-1)}\n`,
    );
  }, 240_000);

  test("--tag and --resource-group select a part of the fleet", async () => {
    const r = await run(exportCommand, [
      "--subscription",
      SUBS[0]!,
      "--resource-group",
      "rg-fleet-01",
      "--tag",
      "team=orders",
    ]);
    expect(r.code).toBe(0);
    const doc = YAML.parse(r.out) as { apps: Array<{ name: string }> };
    const expected = Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 4 === 1 && i % 3 === 1);
    expect(doc.apps.map((a) => a.name).sort()).toEqual(expected.map((i) => `func-${String(i).padStart(3, "0")}`));
  }, 60_000);
});
