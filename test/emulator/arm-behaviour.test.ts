import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { WorkloadIdentityCredential, type AccessToken, type TokenCredential } from "@azure/identity";
import type { RestError } from "@azure/core-rest-pipeline";
import { createWebSiteManagement } from "@azure/arm-appservice/api";
import { AzureRequestError, HostUnreachableError } from "../../lib/errors.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import type { LoggedRequest } from "../../lib/emulator/request-log.ts";
import { adminGet, adminPost, credentialFor, sdkClient, toolArmClient } from "../helpers/clients.ts";
import { startTestEmulator } from "../helpers/emulator.ts";
import { RG, SUB, sitePath, smallWorld } from "../helpers/seeds.ts";

let emu: Emulator;
beforeAll(async () => {
  emu = await startTestEmulator({ seed: smallWorld() });
});
afterAll(() => emu.close());
beforeEach(async () => {
  emu.log.clear();
  emu.faults.clear();
  emu.throttle.configure({
    ...emu.throttle.spec,
    enabled: true,
    reads: { size: 250, refillPerSecond: 25 },
    writes: { size: 200, refillPerSecond: 10 },
    deletes: { size: 200, refillPerSecond: 10 },
  });
});

/** A credential that asks for another scope than the client says: how a wrong-audience token reaches ARM. */
function scopedCredential(inner: TokenCredential, scope: string): TokenCredential {
  return { getToken: (): Promise<AccessToken | null> => inner.getToken(scope) };
}

describe("sign-in and audiences", () => {
  test("a Graph token is refused by ARM: 401 InvalidAuthenticationTokenAudience", async () => {
    const client = sdkClient(emu, scopedCredential(credentialFor(emu), "https://graph.microsoft.com/.default"));
    const err = (await client.webApps.get(RG, "func-orders").catch((e: unknown) => e)) as RestError;
    expect(err.statusCode).toBe(401);
    expect(err.code).toBe("InvalidAuthenticationTokenAudience");
  });

  test.each([
    ["https://management.azure.com/.default"],
    ["https://management.azure.com//.default"], // what the az CLI asks for
    ["https://management.core.windows.net//.default"],
  ])("ARM accepts a token for %s", async (scope) => {
    const client = sdkClient(emu, scopedCredential(credentialFor(emu), scope));
    expect((await client.webApps.get(RG, "func-orders")).name).toBe("func-orders");
  });

  test("GET /subscriptions and /tenants answer standard clients (api-versions the az CLI sends)", async () => {
    const cred = credentialFor(emu);
    const ctx = createWebSiteManagement(cred, SUB, { endpoint: emu.url });
    const subs = await ctx.path("/subscriptions").get({ queryParameters: { "api-version": "2022-12-01" } });
    expect(subs.status).toBe("200");
    expect((subs.body as { value: { subscriptionId: string; tenantId: string }[] }).value[0]).toMatchObject({
      subscriptionId: SUB,
      tenantId: emu.tenantId,
    });
    const tenants = await ctx.path("/tenants").get({ queryParameters: { "api-version": "2020-01-01" } });
    expect((tenants.body as { value: { tenantId: string }[] }).value[0]!.tenantId).toBe(emu.tenantId);
  });

  test("workload identity: a federated token file signs in (the GitHub OIDC path)", async () => {
    const r = await adminPost(emu, "federated-token", { subject: "repo:contoso/fleet:environment:prod" });
    const { token } = (await r.json()) as { token: string };
    const file = join(mkdtempSync(join(tmpdir(), "fed-")), "token");
    writeFileSync(file, token);
    const cred = new WorkloadIdentityCredential({
      tenantId: emu.tenantId,
      clientId: emu.clientId,
      tokenFilePath: file,
      authorityHost: emu.url,
      disableInstanceDiscovery: true,
    });
    expect((await sdkClient(emu, cred).webApps.get(RG, "func-orders")).name).toBe("func-orders");
  });

  test("a wrong client secret is refused by the token endpoint", async () => {
    const { ClientSecretCredential } = await import("@azure/identity");
    const cred = new ClientSecretCredential(emu.tenantId, emu.clientId, "wrong", {
      authorityHost: emu.url,
      disableInstanceDiscovery: true,
    });
    await expect(cred.getToken("https://management.azure.com/.default")).rejects.toThrow(/7000215/);
  });
});

describe("sites, paging, api-versions, case", () => {
  test("list follows nextLink paging", async () => {
    const paged = await startTestEmulator({ seed: smallWorld(), pageSize: 2 });
    try {
      const names: string[] = [];
      for await (const s of sdkClient(paged).webApps.list()) names.push(s.name!);
      expect(names.sort()).toEqual(["func-legacy", "func-orders", "func-stopped", "web-portal"]);
      expect(paged.log.list().filter((r) => r.service === "arm").length).toBe(2);
    } finally {
      await paged.close();
    }
  });

  test("kind, state, httpsOnly and slots come back through the typed SDK", async () => {
    const client = sdkClient(emu);
    const stopped = await client.webApps.get(RG, "func-stopped");
    expect(stopped).toMatchObject({ kind: "functionapp", state: "Stopped", httpsOnly: true });
    expect((await client.webApps.get(RG, "web-portal")).kind).toBe("app");
    const slots: string[] = [];
    for await (const s of client.webApps.listSlots(RG, "func-orders")) slots.push(s.name!);
    expect(slots).toEqual(["func-orders/staging"]);
  });

  test("an unknown api-version gets 400; older published ones work", async () => {
    const ctx = createWebSiteManagement(credentialFor(emu), SUB, { endpoint: emu.url });
    const bad = await ctx.path(sitePath("func-orders")).get({ queryParameters: { "api-version": "2099-01-01" } });
    expect(bad.status).toBe("400");
    expect((bad.body as { error: { code: string } }).error.code).toBe("NoRegisteredProviderFound");
    const old = await ctx
      .path(`${sitePath("func-orders")}/config/authsettingsV2/list`)
      .get({ queryParameters: { "api-version": "2020-12-01" } });
    expect(old.status).toBe("200");
  });

  test("path segments are case-insensitive (the az CLI sends authSettingsV2)", async () => {
    const arm = toolArmClient(emu);
    const a = await arm.get(
      `${sitePath("FUNC-ORDERS").replace("resourceGroups", "resourcegroups")}/config/authSettingsV2/list`,
    );
    expect(a.status).toBe(200);
  });
});

describe("authsettingsV2 and V1", () => {
  test("raw GET/PUT keeps unknown fields; PATCH is not supported; PUT needs the properties envelope", async () => {
    const arm = toolArmClient(emu);
    const path = `${sitePath("func-orders", "staging")}/config/authsettingsV2`;
    await arm.put(path, { properties: { platform: { enabled: true, futureFlag: "x" }, futureSection: { a: 1 } } });
    const back = await arm.get<{ properties: Record<string, unknown> }>(`${path}/list`);
    // Stored as the service stores it: what was sent (unknown fields included), with its defaults filled in.
    expect(back.body.properties).toMatchObject({
      platform: { enabled: true, futureFlag: "x" },
      futureSection: { a: 1 },
    });
    expect(back.body.properties.identityProviders).toMatchObject({ google: { enabled: true, registration: {} } });
    await expect(arm.put(path, { platform: { enabled: false } })).rejects.toMatchObject({ status: 400 });
    const ctx = createWebSiteManagement(credentialFor(emu), SUB, { endpoint: emu.url });
    const patch = await ctx.path(path).patch({
      queryParameters: { "api-version": "2025-05-01" },
      body: { properties: {} },
      contentType: "application/json",
    });
    expect(patch.status).toBe("405");
  });

  test("a V2 PUT on a V1 app migrates it: configVersion v1 → v2", async () => {
    const arm = toolArmClient(emu);
    const v1 = await arm.post<{ properties: { configVersion: string } }>(
      `${sitePath("func-legacy")}/config/authsettings/list`,
    );
    expect(v1.body.properties.configVersion).toBe("v1");
    await arm.put(`${sitePath("func-legacy")}/config/authsettingsV2`, { properties: { platform: { enabled: true } } });
    const after = await arm.post<{ properties: { configVersion: string } }>(
      `${sitePath("func-legacy")}/config/authsettings/list`,
    );
    expect(after.body.properties.configVersion).toBe("v2");
  });

  test("the redacted root GET hides secret-like values that /list returns", async () => {
    const arm = toolArmClient(emu);
    const path = `${sitePath("func-orders", "staging")}/config/authsettingsV2`;
    await arm.put(path, {
      properties: {
        identityProviders: {
          azureActiveDirectory: { registration: { clientId: "c", clientSecretCertificateThumbprint: "ABCDEF0123" } },
        },
      },
    });
    const root = await arm.get<{
      properties: { identityProviders: { azureActiveDirectory: { registration: Record<string, unknown> } } };
    }>(path);
    const list = await arm.get<typeof root.body>(`${path}/list`);
    expect(
      root.body.properties.identityProviders.azureActiveDirectory.registration.clientSecretCertificateThumbprint,
    ).toBeNull();
    expect(
      list.body.properties.identityProviders.azureActiveDirectory.registration.clientSecretCertificateThumbprint,
    ).toBe("ABCDEF0123");
  });
});

describe("function and host keys", () => {
  test("the SDK's typed create sends a flat KeyInfo and gets 400 'Properties object is not present'", async () => {
    const client = sdkClient(emu);
    const err = (await client.webApps
      .createOrUpdateFunctionSecret(RG, "func-orders", "greeting", "typed", { name: "typed" })
      .catch((e: unknown) => e)) as RestError;
    expect(err.statusCode).toBe(400);
    const body = (await (await fetch(`${emu.url}/_emulator/requests`)).json()) as LoggedRequest[];
    expect(body.at(-1)).toMatchObject({ method: "PUT", status: 400 });
  });

  test("PUT with the envelope and no value: 201 with a server-generated value, then 200 on update; delete 204 then 404", async () => {
    const arm = toolArmClient(emu);
    const keyPath = `${sitePath("func-orders")}/functions/greeting/keys/rot-1`;
    const created = await arm.put<{ properties: { value: string } }>(keyPath, { properties: { name: "rot-1" } });
    expect(created.status).toBe(201);
    expect(created.body.properties.value).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const listed = await arm.post<Record<string, string>>(`${sitePath("func-orders")}/functions/greeting/listkeys`);
    expect(listed.body["rot-1"]).toBe(created.body.properties.value);
    expect((await arm.put(keyPath, { properties: { name: "rot-1" } })).status).toBe(200);
    expect((await arm.delete(keyPath)).status).toBe(204);
    await expect(arm.delete(keyPath)).rejects.toMatchObject({ status: 404 });
  });

  test("host keys: function keys create and delete; _master is renew-only", async () => {
    const arm = toolArmClient(emu);
    const before = await arm.post<{ masterKey: string }>(`${sitePath("func-orders")}/host/default/listkeys`);
    expect(
      (await arm.put(`${sitePath("func-orders")}/host/default/functionKeys/apim`, { properties: { name: "apim" } }))
        .status,
    ).toBe(201);
    await arm.put(`${sitePath("func-orders")}/host/default/functionKeys/_master`, { properties: { name: "_master" } });
    const after = await arm.post<{ masterKey: string; functionKeys: Record<string, string> }>(
      `${sitePath("func-orders")}/host/default/listkeys`,
    );
    expect(after.body.masterKey).not.toBe(before.body.masterKey);
    expect(Object.keys(after.body.functionKeys)).toContain("apim");
    await expect(arm.delete(`${sitePath("func-orders")}/host/default/functionKeys/_master`)).rejects.toMatchObject({
      status: 400,
    });
  });

  test("slot keys are separate from production keys", async () => {
    const arm = toolArmClient(emu);
    await arm.put(`${sitePath("func-orders", "staging")}/functions/greeting/keys/slot-only`, {
      properties: { name: "slot-only" },
    });
    const prod = await arm.post<Record<string, string>>(`${sitePath("func-orders")}/functions/greeting/listkeys`);
    const slot = await arm.post<Record<string, string>>(
      `${sitePath("func-orders", "staging")}/functions/greeting/listkeys`,
    );
    expect(slot.body).toHaveProperty("slot-only");
    expect(prod.body).not.toHaveProperty("slot-only");
  });

  test("a stopped app answers the host-runtime 400 in the legacy shape; the tool classes it retryable", async () => {
    const arm = toolArmClient(emu);
    const err = await arm.post(`${sitePath("func-stopped")}/host/default/listkeys`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostUnreachableError);
    expect(err).toMatchObject({ status: 400, code: "BadRequest", retryable: true });
    expect((err as Error).message).toContain("Encountered an error (ServiceUnavailable) from host runtime.");
    const raw = await fetch(`${emu.url}${sitePath("func-stopped")}/host/default/listkeys?api-version=2025-05-01`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${(await credentialFor(emu).getToken("https://management.azure.com/.default"))!.token}`,
      },
    });
    expect(await raw.json()).toMatchObject({
      Code: "BadRequest",
      Details: expect.arrayContaining([expect.objectContaining({ ErrorEntity: expect.any(Object) })]),
    });
  });
});

describe("throttling and faults", () => {
  test("remaining-quota headers are sent per operation kind; POST counts as a write", async () => {
    const ctx = createWebSiteManagement(credentialFor(emu), SUB, { endpoint: emu.url });
    const read = await ctx.path(sitePath("func-orders")).get({ queryParameters: { "api-version": "2025-05-01" } });
    expect(Number(read.headers["x-ms-ratelimit-remaining-subscription-reads"])).toBe(249);
    const post = await ctx
      .path(`${sitePath("func-orders")}/config/authsettings/list`)
      .post({ queryParameters: { "api-version": "2025-05-01" } });
    expect(Number(post.headers["x-ms-ratelimit-remaining-subscription-writes"])).toBe(199);
  });

  test("an empty bucket answers 429 + Retry-After, and the SDK's retry then succeeds", async () => {
    emu.throttle.configure({ ...emu.throttle.spec, reads: { size: 1, refillPerSecond: 2 } });
    const client = sdkClient(emu);
    await client.webApps.get(RG, "func-orders");
    const site = await client.webApps.get(RG, "func-orders");
    expect(site.name).toBe("func-orders");
    const statuses = emu.log
      .list()
      .filter((r) => r.service === "arm")
      .map((r) => r.status);
    expect(statuses).toContain(429);
    expect(statuses.at(-1)).toBe(200);
  });

  test("injected 503 and connection reset are retried by the SDK", async () => {
    await adminPost(emu, "faults", [
      { service: "arm", method: "GET", path: "/sites/func-orders$", kind: "status", status: 503, times: 1 },
      { service: "arm", method: "GET", path: "/sites/func-orders$", kind: "reset", times: 1 },
    ]);
    const site = await sdkClient(emu).webApps.get(RG, "func-orders");
    expect(site.name).toBe("func-orders");
    expect(
      emu.log
        .list()
        .filter((r) => r.service === "arm")
        .map((r) => r.status),
    ).toEqual([503, 200]);
  });

  test("'200 but not persisted' answers success and keeps nothing", async () => {
    const arm = toolArmClient(emu);
    await adminPost(emu, "faults", {
      service: "arm",
      method: "PUT",
      path: "authsettingsV2$",
      kind: "not-persisted",
      times: 1,
    });
    const path = `${sitePath("func-orders", "staging")}/config/authsettingsV2`;
    const before = await arm.get(`${path}/list`);
    const put = await arm.put(path, { properties: { platform: { enabled: false, marker: "lost" } } });
    expect(put.status).toBe(200);
    expect((await arm.get(`${path}/list`)).body).toEqual(before.body);
  });

  test("request log and state admin routes; state hides key values unless asked", async () => {
    await toolArmClient(emu).get(sitePath("func-orders"));
    const log = await adminGet<LoggedRequest[]>(emu, "requests");
    expect(log.at(-1)).toMatchObject({ service: "arm", method: "GET", path: sitePath("func-orders"), status: 200 });
    const state = JSON.stringify(await adminGet(emu, "state"));
    expect(state).not.toContain("v1-inline-secret-canary-value");
    expect(state).toContain("<redacted>");
  });

  test("errors carry status, service code and request ids", async () => {
    const err = (await toolArmClient(emu)
      .get(sitePath("does-not-exist"))
      .catch((e: unknown) => e)) as AzureRequestError;
    expect(err).toBeInstanceOf(AzureRequestError);
    expect(err).toMatchObject({ status: 404, code: "ResourceNotFound", retryable: false, service: "arm" });
    expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("site config, app settings, start/stop through the typed SDK", () => {
  test("config/web carries minTlsVersion and CORS; app settings list and replace", async () => {
    const client = sdkClient(emu);
    const cfg = await client.webApps.getConfiguration(RG, "func-orders");
    expect(cfg.minTlsVersion).toBe("1.2");
    await client.webApps.updateConfiguration(RG, "func-orders", {
      cors: { allowedOrigins: ["*"] },
      minTlsVersion: "1.0",
    });
    expect((await client.webApps.getConfiguration(RG, "func-orders")).cors?.allowedOrigins).toEqual(["*"]);
    await client.webApps.updateApplicationSettings(RG, "func-orders", { properties: { A: "1" } });
    expect((await client.webApps.listApplicationSettings(RG, "func-orders")).properties).toEqual({ A: "1" });
  });

  test("stop makes key routes answer the host-runtime error; start brings them back", async () => {
    const client = sdkClient(emu);
    const arm = toolArmClient(emu);
    await client.webApps.stop(RG, "func-orders", {});
    expect((await client.webApps.get(RG, "func-orders")).state).toBe("Stopped");
    await expect(arm.post(`${sitePath("func-orders")}/host/default/listkeys`)).rejects.toBeInstanceOf(
      HostUnreachableError,
    );
    await client.webApps.start(RG, "func-orders");
    expect((await arm.post(`${sitePath("func-orders")}/host/default/listkeys`)).status).toBe(200);
  });

  test("a client builds its own world through ARM PUTs: resource group, site, slot, function, key", async () => {
    const arm = toolArmClient(emu);
    const base = `/subscriptions/${SUB}/resourceGroups/rg-new`;
    // Resource groups are Microsoft.Resources: their own api-versions.
    expect((await toolArmClient(emu, { apiVersion: "2021-04-01" }).put(base, { location: "northeurope" })).status).toBe(
      201,
    );
    expect(
      (
        await arm.put(`${base}/providers/Microsoft.Web/sites/func-new`, {
          location: "northeurope",
          kind: "functionapp",
          properties: { httpsOnly: true },
        })
      ).status,
    ).toBe(201);
    expect(
      (await arm.put(`${base}/providers/Microsoft.Web/sites/func-new/slots/blue`, { location: "northeurope" })).status,
    ).toBe(201);
    expect(
      (await arm.put(`${base}/providers/Microsoft.Web/sites/func-new/functions/hello`, { properties: { config: {} } }))
        .status,
    ).toBe(201);
    expect(
      (
        await arm.put(`${base}/providers/Microsoft.Web/sites/func-new/functions/hello/keys/k1`, {
          properties: { name: "k1" },
        })
      ).status,
    ).toBe(201);
    const keys = await arm.post<Record<string, string>>(
      `${base}/providers/Microsoft.Web/sites/func-new/functions/hello/listkeys`,
    );
    expect(Object.keys(keys.body).sort()).toEqual(["default", "k1"]);
  });
});

describe("the ADFS-style authority the az CLI can use offline", () => {
  test("/adfs serves OpenID configuration and a token endpoint that issues ARM tokens", async () => {
    const config = (await (await fetch(`${emu.url}/adfs/.well-known/openid-configuration`)).json()) as {
      token_endpoint: string;
    };
    expect(config.token_endpoint).toBe(`${emu.url}/adfs/oauth2/v2.0/token`);
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: emu.clientId,
      client_secret: emu.clientSecret,
      scope: "https://management.core.windows.net//.default",
    });
    const token = (await (await fetch(config.token_endpoint, { method: "POST", body: form })).json()) as {
      access_token: string;
    };
    const r = await fetch(`${emu.url}/subscriptions?api-version=2019-11-01`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    expect(r.status).toBe(200);
  });
});
