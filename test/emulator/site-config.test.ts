import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { ClientSecretCredential } from "@azure/identity";
import { WebSiteManagementClient } from "@azure/arm-appservice";
import type { Emulator } from "../../lib/emulator/index.ts";
import { startTestEmulator } from "../helpers/emulator.ts";
import { RG, SUB, sitePath } from "../helpers/seeds.ts";

// Site hardening as ARM does it: config/web GET with defaults, PATCH partial, PUT whole, enum checks, site PATCH.
// Raw requests go through fetch with a token from @azure/identity, so these tests depend on the emulator alone.

let emu: Emulator;
let sdk: WebSiteManagementClient;
let token: string;

function world() {
  return {
    subscriptions: [
      {
        subscriptionId: SUB,
        resourceGroups: [
          {
            name: RG,
            sites: [
              {
                name: "func-hard",
                httpsOnly: false,
                siteConfig: {
                  http20Enabled: true,
                  futureKnob: { level: 3 },
                  cors: { allowedOrigins: ["https://a.example", "https://b.example"], supportCredentials: true },
                },
                functions: { greeting: {} },
                slots: [{ name: "staging", httpsOnly: false, siteConfig: { minTlsVersion: "1.0" } }],
              },
              { name: "func-plain" },
              { name: "func-off", state: "Stopped" as const, functions: { greeting: {} } },
            ],
          },
        ],
      },
    ],
  };
}

const API = "api-version=2024-11-01";

async function raw(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${emu.url}${path}?${API}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const webConfig = async (name: string, slot?: string) =>
  (await raw("GET", `${sitePath(name, slot)}/config/web`)).body.properties as Record<string, unknown>;

beforeAll(async () => {
  emu = await startTestEmulator({ seed: world() });
  const cred = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.url,
    disableInstanceDiscovery: true,
  });
  sdk = new WebSiteManagementClient(cred, emu.subscriptionId, {
    endpoint: emu.url,
    credentials: { scopes: ["https://management.azure.com/.default"] },
  });
  token = (await cred.getToken("https://management.azure.com/.default"))?.token ?? "";
});
afterAll(() => emu.close());
beforeEach(() => emu.faults.clear());

describe("GET config/web", () => {
  test("an untouched app answers the platform defaults; cors is null", async () => {
    const r = await raw("GET", `${sitePath("func-plain")}/config/web`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: `${sitePath("func-plain")}/config/web`,
      name: "web",
      type: "Microsoft.Web/sites/config",
      location: "westeurope",
    });
    expect(r.body.properties).toMatchObject({
      minTlsVersion: "1.2",
      scmMinTlsVersion: "1.2",
      ftpsState: "FtpsOnly",
      remoteDebuggingEnabled: false,
      http20Enabled: false,
      cors: null,
    });
    const typed = await sdk.webApps.getConfiguration(RG, "func-plain");
    expect(typed).toMatchObject({
      minTlsVersion: "1.2",
      scmMinTlsVersion: "1.2",
      ftpsState: "FtpsOnly",
      remoteDebuggingEnabled: false,
      http20Enabled: false,
    });
  });

  test("seeded fields, unknown ones included, come back over the defaults", async () => {
    const cfg = await webConfig("func-hard");
    expect(cfg).toMatchObject({
      http20Enabled: true,
      futureKnob: { level: 3 },
      minTlsVersion: "1.2",
      cors: { allowedOrigins: ["https://a.example", "https://b.example"], supportCredentials: true },
    });
  });

  test("the site GET carries properties.httpsOnly", async () => {
    expect((await raw("GET", sitePath("func-hard"))).body.properties).toMatchObject({ httpsOnly: false });
    expect((await sdk.webApps.get(RG, "func-plain")).httpsOnly).toBe(true);
  });
});

describe("PATCH and PUT config/web", () => {
  test("PATCH changes only the fields sent; other and unknown fields stay", async () => {
    const r = await sdk.webApps.updateConfiguration(RG, "func-hard", {
      minTlsVersion: "1.3",
      remoteDebuggingEnabled: false,
    });
    expect(r.minTlsVersion).toBe("1.3");
    const cfg = await webConfig("func-hard");
    expect(cfg).toMatchObject({
      minTlsVersion: "1.3",
      http20Enabled: true,
      futureKnob: { level: 3 },
      ftpsState: "FtpsOnly",
    });
    expect(cfg.cors).toEqual({ allowedOrigins: ["https://a.example", "https://b.example"], supportCredentials: true });
  });

  test("a sent cors object replaces the stored one whole", async () => {
    await raw("PATCH", `${sitePath("func-hard")}/config/web`, {
      properties: { cors: { allowedOrigins: ["https://only.example"] } },
    });
    const cfg = await webConfig("func-hard");
    expect(cfg.cors).toEqual({ allowedOrigins: ["https://only.example"], supportCredentials: false });
    expect(cfg.futureKnob).toEqual({ level: 3 });
  });

  test("enum values are answered in canonical spelling", async () => {
    const r = await raw("PATCH", `${sitePath("func-plain")}/config/web`, { properties: { ftpsState: "disabled" } });
    expect((r.body.properties as Record<string, unknown>).ftpsState).toBe("Disabled");
    expect((await webConfig("func-plain")).ftpsState).toBe("Disabled");
  });

  test.each([
    ["minTlsVersion", "1.4", "MinTlsVersion"],
    ["scmMinTlsVersion", "TLS1.2", "ScmMinTlsVersion"],
    ["ftpsState", "Sometimes", "FtpsState"],
    ["http20Enabled", "yes", "Http20Enabled"],
  ])("an invalid %s (%s) → 400 in the RP's shape, and nothing in the body is kept", async (field, value, parameter) => {
    const before = await webConfig("func-hard");
    const r = await raw("PATCH", `${sitePath("func-hard")}/config/web`, {
      properties: { alwaysOn: true, [field]: value },
    });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ Code: "BadRequest", Message: `The parameter ${parameter} has an invalid value.` });
    expect(r.body.Details).toContainEqual({
      ErrorEntity: expect.objectContaining({ ExtendedCode: "01007", Parameters: [parameter] }),
    });
    expect(await webConfig("func-hard")).toEqual(before);
  });

  test("the typed SDK sees a 400 for an invalid minTlsVersion", async () => {
    await expect(sdk.webApps.updateConfiguration(RG, "func-hard", { minTlsVersion: "0.9" })).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  test("PUT replaces the whole SiteConfig: fields left out fall back to their defaults", async () => {
    await raw("PATCH", `${sitePath("func-plain")}/config/web`, { properties: { http20Enabled: true, extra: "x" } });
    const r = await raw("PUT", `${sitePath("func-plain")}/config/web`, { properties: { minTlsVersion: "1.3" } });
    expect(r.status).toBe(200);
    const cfg = await webConfig("func-plain");
    expect(cfg).toMatchObject({ minTlsVersion: "1.3", http20Enabled: false, ftpsState: "FtpsOnly" });
    expect(cfg).not.toHaveProperty("extra");
  });
});

describe("site PATCH", () => {
  test("{properties:{httpsOnly:true}} changes only httpsOnly", async () => {
    const configBefore = await webConfig("func-hard");
    const r = await raw("PATCH", sitePath("func-hard"), { properties: { httpsOnly: true } });
    expect(r.status).toBe(200);
    expect(r.body.properties).toMatchObject({ httpsOnly: true, state: "Running" });
    expect((await sdk.webApps.get(RG, "func-hard")).httpsOnly).toBe(true);
    expect(await webConfig("func-hard")).toEqual(configBefore);
  });

  test("the typed SDK's update sends httpsOnly and it sticks", async () => {
    await sdk.webApps.update(RG, "func-plain", { httpsOnly: false });
    expect((await sdk.webApps.get(RG, "func-plain")).httpsOnly).toBe(false);
  });

  test("a non-boolean httpsOnly is refused and nothing changes", async () => {
    const r = await raw("PATCH", sitePath("func-plain"), {
      properties: { httpsOnly: "sometimes", siteConfig: { minTlsVersion: "1.0" } },
    });
    expect(r.status).toBe(400);
    expect((await webConfig("func-plain")).minTlsVersion).not.toBe("1.0");
  });
});

describe("slots", () => {
  test("a slot has its own config/web and httpsOnly", async () => {
    expect((await sdk.webApps.getConfigurationSlot(RG, "func-hard", "staging")).minTlsVersion).toBe("1.0");
    await sdk.webApps.updateConfigurationSlot(RG, "func-hard", "staging", {
      minTlsVersion: "1.2",
      cors: { allowedOrigins: ["https://slot.example"] },
    });
    const slot = await webConfig("func-hard", "staging");
    expect(slot).toMatchObject({ minTlsVersion: "1.2", cors: { allowedOrigins: ["https://slot.example"] } });
    expect((await webConfig("func-hard")).cors).not.toEqual(slot.cors);
    await sdk.webApps.updateSlot(RG, "func-hard", "staging", { httpsOnly: true });
    expect((await sdk.webApps.getSlot(RG, "func-hard", "staging")).httpsOnly).toBe(true);
    const bad = await raw("PATCH", `${sitePath("func-hard", "staging")}/config/web`, {
      properties: { ftpsState: "Nope" },
    });
    expect(bad.status).toBe(400);
  });
});

describe("seed", () => {
  const seedWith = (siteConfig: Record<string, unknown>) => ({
    subscriptions: [
      { subscriptionId: SUB, resourceGroups: [{ name: RG, sites: [{ name: "func-seeded", siteConfig }] }] },
    ],
  });
  const postSeed = (seed: unknown) =>
    fetch(`${emu.url}/_emulator/seed`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(seed),
    });

  test('siteConfig values are checked like PATCH config/web; a YAML number 1.2 reads as "1.2"', async () => {
    const bad = await postSeed(seedWith({ minTlsVersion: "1.4" }));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("The parameter MinTlsVersion has an invalid value.");
    expect((await postSeed(seedWith({ minTlsVersion: 1.2, ftpsState: "allallowed" }))).status).toBe(204);
    expect(await webConfig("func-seeded")).toMatchObject({ minTlsVersion: "1.2", ftpsState: "AllAllowed" });
  });
});

describe("faults and the host runtime", () => {
  test("not-persisted on PATCH config/web: 200 with the new value, a re-GET shows the old one", async () => {
    const before = await webConfig("func-hard");
    emu.faults.add({ service: "arm", method: "PATCH", path: "/config/web$", kind: "not-persisted", times: 1 });
    const r = await raw("PATCH", `${sitePath("func-hard")}/config/web`, {
      properties: { minTlsVersion: "1.0", ftpsState: "AllAllowed" },
    });
    expect(r.status).toBe(200);
    expect(r.body.properties).toMatchObject({ minTlsVersion: "1.0", ftpsState: "AllAllowed" });
    expect(await webConfig("func-hard")).toEqual(before);
  });

  test("not-persisted with dropPaths keeps the write except those fields", async () => {
    const before = await webConfig("func-hard");
    emu.faults.add({
      service: "arm",
      method: "PATCH",
      path: "/config/web$",
      kind: "not-persisted",
      dropPaths: ["properties.cors"],
      times: 1,
    });
    await raw("PATCH", `${sitePath("func-hard")}/config/web`, {
      properties: { alwaysOn: true, cors: { allowedOrigins: ["*"] } },
    });
    const cfg = await webConfig("func-hard");
    expect(cfg.alwaysOn).toBe(true);
    expect(cfg.cors).toEqual(before.cors);
  });

  test("a stopped app's key routes answer the host-runtime 400 in the legacy shape; config/web still answers", async () => {
    const r = await raw("POST", `${sitePath("func-off")}/host/default/listkeys`);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({
      Code: "BadRequest",
      Message: "Encountered an error (ServiceUnavailable) from host runtime.",
    });
    expect((await raw("GET", `${sitePath("func-off")}/config/web`)).status).toBe(200);
  });
});
