import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { graphClientFor, graphError } from "../helpers/graph.ts";
import { ClientSecretCredential } from "@azure/identity";
import { PageIterator, type Client, type PageCollection } from "@microsoft/microsoft-graph-client";
import { decodeJwt } from "jose";
import { startTestEmulator } from "../helpers/emulator.ts";
import type { Emulator } from "../../lib/emulator/index.ts";

const ARM_APP_ID = "797f4846-ba00-4fd7-ba43-dac1f8f63013";
const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
const SCOPE_ID = "4a1d2e3f-5b6c-4d7e-8f90-a1b2c3d4e5f6";

interface Entity {
  id: string;
  appId: string;
  [k: string]: unknown;
}

let emu: Emulator;
let credential: ClientSecretCredential;
let graph: Client;
// The Graph clock is the test's: visibility moves forward only when a test says so.
let clock = Date.now();
const advance = (ms: number) => (clock += ms);

beforeAll(async () => {
  emu = await startTestEmulator({ graph: { now: () => clock } });
  credential = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.url,
    disableInstanceDiscovery: true,
  });
  graph = clientFor(["https://graph.microsoft.com/.default"]);
});
afterAll(() => emu.close());
afterEach(async () => {
  emu.faults.clear();
  await setOptions({ visibilityDelayMs: 0, pageSize: 100 });
});

function clientFor(scopes: string[]): Client {
  return graphClientFor(emu, { credential: credential, scopes: scopes });
}

async function setOptions(options: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emu.url}/_emulator/graph/options`, { method: "PUT", body: JSON.stringify(options) });
  expect(res.status).toBe(200);
}

let n = 0;
const newApp = (extra: Record<string, unknown> = {}): Promise<Entity> =>
  graph.api("/applications").post({ displayName: `platform-${++n}`, signInAudience: "AzureADMyOrg", ...extra });

test("paging follows an https @odata.nextLink on the emulator's host until every item is seen", async () => {
  const created = new Set<string>();
  for (let i = 0; i < 5; i++) created.add((await newApp({ tags: ["paged"] })).id);
  await setOptions({ pageSize: 2 });
  const first: PageCollection = await graph.api("/applications").filter("tags/any(t:t eq 'paged')").get();
  expect(first.value).toHaveLength(2);
  expect(first["@odata.nextLink"]).toMatch(new RegExp(`^${emu.url.replace(/[.]/g, "\\.")}/v1\\.0/applications\\?`));
  const seen: string[] = [];
  await new PageIterator(graph, first, (item: Entity) => {
    seen.push(item.id);
    return true;
  }).iterate();
  expect(seen).toHaveLength(5);
  expect(new Set(seen)).toEqual(created);
  const pages = emu.log
    .list()
    .filter((e) => e.service === "graph" && e.path === "/v1.0/applications" && e.method === "GET");
  expect(pages.length).toBeGreaterThanOrEqual(3);
});

describe("eventual consistency", () => {
  test("a new application is 404 and missing from filters until the delay has passed, then visible", async () => {
    await setOptions({ visibilityDelayMs: 5_000 });
    const app = await newApp({ uniqueName: "late-app" });
    const e = await graphError(graph.api(`/applications/${app.id}`).get());
    expect([e.statusCode, e.code]).toEqual([404, "Request_ResourceNotFound"]);
    expect((await graph.api("/applications").filter(`appId eq '${app.appId}'`).get()).value).toEqual([]);
    expect((await graphError(graph.api(`/applications/${app.id}`).patch({ tags: ["x"] }))).statusCode).toBe(404);
    // The uniqueName index is authoritative: an upsert finds the object and updates it.
    expect(
      await graph
        .api("/applications(uniqueName='late-app')")
        .header("Prefer", "create-if-missing")
        .patch({ tags: ["upserted"] }),
    ).toBeUndefined();
    const noBacking = await graphError(graph.api("/servicePrincipals").post({ appId: app.appId }));
    expect([noBacking.statusCode, noBacking.code, JSON.parse(noBacking.body as string).details[0].code]).toEqual([
      400,
      "Request_BadRequest",
      "NoBackingApplicationObject",
    ]);
    advance(5_000);
    expect((await graph.api(`/applications/${app.id}`).get()).tags).toEqual(["upserted"]);
  });

  test("a new service principal is invisible to reads and to grants until the delay has passed", async () => {
    const app = await newApp();
    await setOptions({ visibilityDelayMs: 3_000 });
    const sp: Entity = await graph.api("/servicePrincipals").post({ appId: app.appId });
    expect((await graphError(graph.api(`/servicePrincipals(appId='${app.appId}')`).get())).statusCode).toBe(404);
    const arm: Entity = await graph.api(`/servicePrincipals(appId='${ARM_APP_ID}')`).get();
    const e = await graphError(
      graph
        .api("/oauth2PermissionGrants")
        .post({ clientId: sp.id, consentType: "AllPrincipals", resourceId: arm.id, scope: "user_impersonation" }),
    );
    expect([e.statusCode, e.message]).toEqual([
      400,
      `Resource '${sp.id}' does not exist or one of its queried reference-property objects are not present.`,
    ]);
    advance(3_000);
    expect((await graph.api(`/servicePrincipals(appId='${app.appId}')`).get()).id).toBe(sp.id);
    const grant: Entity = await graph
      .api("/oauth2PermissionGrants")
      .post({ clientId: sp.id, consentType: "AllPrincipals", resourceId: arm.id, scope: "user_impersonation" });
    expect((await graphError(graph.api(`/oauth2PermissionGrants/${grant.id}`).get())).statusCode).toBe(404);
    advance(3_000);
    expect((await graph.api(`/oauth2PermissionGrants/${grant.id}`).get()).scope).toBe("user_impersonation");
  });

  test("a service principal picks up the application's new scopes only after the delay", async () => {
    const app = await newApp();
    const sp: Entity = await graph.api("/servicePrincipals").post({ appId: app.appId });
    await setOptions({ visibilityDelayMs: 2_000 });
    await graph.api(`/applications/${app.id}`).patch({
      api: { oauth2PermissionScopes: [{ id: SCOPE_ID, value: "Orders.Read", type: "User", isEnabled: true }] },
    });
    expect((await graph.api(`/servicePrincipals/${sp.id}`).get()).oauth2PermissionScopes).toEqual([]);
    advance(2_000);
    expect(
      (await graph.api(`/servicePrincipals/${sp.id}`).get()).oauth2PermissionScopes.map((s: Entity) => s.id),
    ).toEqual([SCOPE_ID]);
  });
});

describe("authentication and faults", () => {
  test("a token for ARM is refused with 401 InvalidAuthenticationToken", async () => {
    const e = await graphError(clientFor(["https://management.azure.com/.default"]).api("/applications").get());
    expect([e.statusCode, e.code, e.message]).toEqual([
      401,
      "InvalidAuthenticationToken",
      "Access token validation failure. Invalid audience.",
    ]);
    const anonymous = await fetch(`${emu.url}/v1.0/applications`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { message: string } }).error.message).toBe("Access token is empty.");
  });

  test("an injected 429 carries Retry-After in the Graph shape, and the SDK waits and retries", async () => {
    const { token } = (await credential.getToken("https://graph.microsoft.com/.default"))!;
    emu.faults.add({ service: "graph", kind: "status", status: 429, retryAfter: 1, times: 1 });
    const raw = await fetch(`${emu.url}/v1.0/applications`, { headers: { authorization: `Bearer ${token}` } });
    expect([raw.status, raw.headers.get("retry-after")]).toEqual([429, "1"]);
    expect(((await raw.json()) as { error: { code: string } }).error.code).toBe("TooManyRequests");

    emu.faults.add({
      service: "graph",
      kind: "status",
      status: 429,
      retryAfter: 1,
      times: 1,
      path: "^/v1\\.0/servicePrincipals",
    });
    emu.log.clear();
    const started = Date.now();
    const sps: { value: Entity[] } = await graph.api("/servicePrincipals").get();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(sps.value.length).toBeGreaterThanOrEqual(2);
    expect(
      emu.log
        .list()
        .filter((e) => e.service === "graph")
        .map((e) => e.status),
    ).toEqual([429, 200]);
  });
});

describe("service principals and grants", () => {
  test("first-party service principals for ARM and Microsoft Graph exist with their well-known scopes", async () => {
    const arm: Entity = await graph.api(`/servicePrincipals(appId='${ARM_APP_ID}')`).get();
    expect(arm.oauth2PermissionScopes).toEqual([
      expect.objectContaining({
        id: "41094075-9dad-400e-a0bd-54e686782033",
        value: "user_impersonation",
        isEnabled: true,
      }),
    ]);
    const ms: Entity = (await graph.api("/servicePrincipals").filter(`appId eq '${GRAPH_APP_ID}'`).get()).value[0];
    expect(ms.oauth2PermissionScopes).toContainEqual(
      expect.objectContaining({ id: "e1fe6dd8-ba31-4d61-89e7-88639da4683d", value: "User.Read" }),
    );
  });

  test("POST, duplicate POST, GET by appId, PATCH appRoleAssignmentRequired and tags, upsert by appId", async () => {
    const app = await newApp({ identifierUris: [] });
    const sp: Entity = await graph
      .api("/servicePrincipals")
      .post({ appId: app.appId, tags: ["WindowsAzureActiveDirectoryIntegratedApp"] });
    expect(sp).toMatchObject({
      appId: app.appId,
      appDisplayName: app.displayName,
      appRoleAssignmentRequired: false,
      servicePrincipalNames: [app.appId],
    });
    const dup = await graphError(graph.api("/servicePrincipals").post({ appId: app.appId }));
    expect([dup.statusCode, dup.code]).toEqual([409, "Request_MultipleObjectsWithSameKeyValue"]);
    await graph
      .api(`/servicePrincipals(appId='${app.appId}')`)
      .patch({ appRoleAssignmentRequired: true, tags: ["HideApp"] });
    expect(
      await graph.api(`/servicePrincipals/${sp.id}`).select(["appRoleAssignmentRequired", "tags"]).get(),
    ).toMatchObject({ appRoleAssignmentRequired: true, tags: ["HideApp"] });
    const ro = await graphError(graph.api(`/servicePrincipals/${sp.id}`).patch({ appId: app.appId }));
    expect(ro.message).toBe("Property 'appId' is read-only and cannot be set.");

    const other = await newApp();
    const upserted: Entity = await graph
      .api(`/servicePrincipals(appId='${other.appId}')`)
      .header("Prefer", "create-if-missing")
      .patch({ appRoleAssignmentRequired: true });
    expect(upserted).toMatchObject({ appId: other.appId, appRoleAssignmentRequired: true });
  });

  test("grants: POST, filter on clientId/resourceId/consentType, PATCH scope, duplicate refused", async () => {
    const app = await newApp();
    const sp: Entity = await graph.api("/servicePrincipals").post({ appId: app.appId });
    const arm: Entity = await graph.api(`/servicePrincipals(appId='${ARM_APP_ID}')`).get();
    const body = { clientId: sp.id, consentType: "AllPrincipals", resourceId: arm.id, scope: "user_impersonation" };
    const grant: Entity = await graph.api("/oauth2PermissionGrants").post(body);
    expect(grant.id).not.toMatch(/^[0-9a-f-]{36}$/);
    const found: { value: Entity[] } = await graph
      .api("/oauth2PermissionGrants")
      .filter(`clientId eq '${sp.id}' and resourceId eq '${arm.id}' and consentType eq 'AllPrincipals'`)
      .get();
    expect(found.value.map((g: Entity) => g.id)).toEqual([grant.id]);
    await graph.api(`/oauth2PermissionGrants/${grant.id}`).patch({ scope: "user_impersonation openid" });
    expect((await graph.api(`/oauth2PermissionGrants/${grant.id}`).get()).scope).toBe("user_impersonation openid");
    const dup = await graphError(graph.api("/oauth2PermissionGrants").post(body));
    expect([dup.statusCode, dup.message]).toEqual([400, "Permission entry already exists."]);
    const principal = await graphError(
      graph.api("/oauth2PermissionGrants").post({ ...body, consentType: "Principal" }),
    );
    expect(principal.message).toBe(
      "Invalid value specified for property 'principalId' of resource 'OAuth2PermissionGrant'.",
    );
    await graph.api(`/oauth2PermissionGrants/${grant.id}`).delete();
    expect((await graphError(graph.api(`/oauth2PermissionGrants/${grant.id}`).get())).statusCode).toBe(404);
  });

  test("paths outside the emulated sets are 400 naming the segment", async () => {
    const me = await graphError(graph.api("/me").get());
    expect([me.statusCode, me.code, me.message]).toEqual([
      400,
      "BadRequest",
      "Resource not found for the segment 'me'.",
    ]);
    // appRoleAssignedTo is served on servicePrincipals (test/emulator/entra-token-rules.test.ts), not on applications.
    const nav = await graphError(graph.api(`/applications(appId='${ARM_APP_ID}')/appRoleAssignedTo`).get());
    expect(nav.message).toBe("Resource not found for the segment 'appRoleAssignedTo'.");
    const unknown = await graphError(
      graph.api(`/servicePrincipals(appId='${ARM_APP_ID}')/claimsMappingPolicies`).get(),
    );
    expect(unknown.message).toBe("Resource not found for the segment 'claimsMappingPolicies'.");
  });
});

describe("token audiences for app registrations", () => {
  const tokenFor = async (resource: string) => decodeJwt((await credential.getToken(`${resource}/.default`))!.token);

  test("v2 apps get aud = appId, v1 apps get the identifier URI; unknown identifiers have no token", async () => {
    const v2 = await newApp({ api: { requestedAccessTokenVersion: 2 } });
    await graph.api(`/applications/${v2.id}`).patch({ identifierUris: [`api://${v2.appId}`] });
    expect(await tokenFor(`api://${v2.appId}`)).toMatchObject({ aud: v2.appId, ver: "2.0" });

    const v1 = await newApp();
    await graph
      .api(`/applications/${v1.id}`)
      .patch({ identifierUris: [`api://${v1.appId}`, "https://emulated.onmicrosoft.com/orders"] });
    expect(await tokenFor("https://emulated.onmicrosoft.com/orders")).toMatchObject({
      aud: "https://emulated.onmicrosoft.com/orders",
      ver: "1.0",
    });
    expect(await tokenFor(v1.appId)).toMatchObject({ aud: v1.appId, ver: "1.0" });

    // Entra resolves only identifiers the app has: api://{appId} before it is in identifierUris is AADSTS500011.
    const bare = await newApp();
    await expect(credential.getToken(`api://${bare.appId}/.default`)).rejects.toThrow(/AADSTS500011/);
  });
});

test("the admin state view lists applications, service principals and grants", async () => {
  const app = await newApp({ uniqueName: "in-state" });
  const res = await fetch(`${emu.url}/_emulator/graph/state`);
  const state = (await res.json()) as {
    applications: Entity[];
    servicePrincipals: Entity[];
    oauth2PermissionGrants: Entity[];
    settings: Record<string, unknown>;
  };
  expect(state.applications.map((a) => a.id)).toContain(app.id);
  expect(state.servicePrincipals.map((s) => s.appId)).toEqual(expect.arrayContaining([ARM_APP_ID, GRAPH_APP_ID]));
  expect(Array.isArray(state.oauth2PermissionGrants)).toBe(true);
  expect(state.settings).toMatchObject({ verifiedDomains: ["emulated.onmicrosoft.com"] });
  const bad = await fetch(`${emu.url}/_emulator/graph/options`, {
    method: "PUT",
    body: JSON.stringify({ visibilityDelayMs: -1 }),
  });
  expect(bad.status).toBe(400);
});
