import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { ClientSecretCredential } from "@azure/identity";
import { PageIterator, type Client, type PageCollection } from "@microsoft/microsoft-graph-client";
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { graphClientFor, graphError } from "../helpers/graph.ts";
import { adminGet, adminPost } from "../helpers/clients.ts";
import { startTestEmulator } from "../helpers/emulator.ts";
import type { Emulator } from "../../lib/emulator/index.ts";

// Entra's token rules for app registrations held by the emulated Graph: token version per
// api.requestedAccessTokenVersion, AADSTS501051 under appRoleAssignmentRequired, roles from app role assignments,
// and delegated tokens minted by the emulator-only admin route.

interface Entity {
  id: string;
  appId: string;
  displayName: string;
  [k: string]: unknown;
}
interface Assignment {
  id: string;
  appRoleId: string;
  principalId: string;
  principalType: string;
  principalDisplayName: string;
  resourceId: string;
  resourceDisplayName: string;
  createdDateTime: string;
  [k: string]: unknown;
}
interface Api {
  app: Entity;
  sp: Entity;
  uri: string;
}
interface Caller {
  app: Entity;
  sp: Entity;
  secret: string;
  /** A fresh credential each time: MSAL caches tokens per credential, and a test wants the service's answer. */
  credential: () => ClientSecretCredential;
}

const ROLE_CALL = "3e1c7a52-1f0b-4d8e-9a36-5b7c2d9e0f11";
const ROLE_ADMIN = "4f2d8b63-2a1c-4e9f-8b47-6c8d3eaf1022";
const ROLE_USERS_ONLY = "5a3e9c74-3b2d-4fa0-9c58-7d9e4fb02133";
const ROLE_DISABLED = "6b4fad85-4c3e-41b1-8d69-8eaf50c13244";
const DEFAULT_ACCESS = "00000000-0000-0000-0000-000000000000";

const role = (id: string, value: string, allowedMemberTypes = ["Application"], isEnabled = true) => ({
  id,
  value,
  displayName: value,
  description: `Can ${value}`,
  allowedMemberTypes,
  isEnabled,
});

let emu: Emulator;
let graph: Client;
// The Graph clock is the test's, so replication moves on only when a test says so.
let clock = Date.now();
const advance = (ms: number) => (clock += ms);

beforeAll(async () => {
  emu = await startTestEmulator({ graph: { now: () => clock } });
  graph = graphClientFor(emu);
});
afterAll(() => emu.close());
afterEach(async () => {
  await setOptions({ visibilityDelayMs: 0, pageSize: 100 });
});

async function setOptions(options: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emu.url}/_emulator/graph/options`, { method: "PUT", body: JSON.stringify(options) });
  expect(res.status).toBe(200);
}

let n = 0;
/** An API registration (api://{appId}) with app roles, and its service principal. */
async function registerApi(opts: { version?: 1 | 2 | null; assignmentRequired?: boolean } = {}): Promise<Api> {
  const app: Entity = await graph.api("/applications").post({
    displayName: `api-${++n}`,
    signInAudience: "AzureADMyOrg",
    api: { requestedAccessTokenVersion: opts.version ?? null },
    appRoles: [
      role(ROLE_CALL, "Greeting.Call"),
      role(ROLE_ADMIN, "Greeting.Admin"),
      role(ROLE_USERS_ONLY, "Greeting.Users", ["User"]),
      role(ROLE_DISABLED, "Greeting.Old", ["Application"], false),
    ],
  });
  const uri = `api://${app.appId}`;
  await graph.api(`/applications/${app.id}`).patch({ identifierUris: [uri] });
  const sp: Entity = await graph
    .api("/servicePrincipals")
    .post({ appId: app.appId, appRoleAssignmentRequired: opts.assignmentRequired ?? false });
  return { app, sp, uri };
}

/** A client app registration with a service principal, and a secret for it in the emulated directory. */
async function registerCaller(name = `caller-${++n}`): Promise<Caller> {
  const app: Entity = await graph.api("/applications").post({ displayName: name, signInAudience: "AzureADMyOrg" });
  const sp: Entity = await graph.api("/servicePrincipals").post({ appId: app.appId });
  const res = await adminPost(emu, "entra/clients", { clientId: app.appId });
  expect(res.status).toBe(201);
  const { secret, objectId } = (await res.json()) as { secret: string; objectId: string };
  expect(objectId).toBe(sp.id);
  const credential = () =>
    new ClientSecretCredential(emu.tenantId, app.appId, secret, {
      authorityHost: emu.url,
      disableInstanceDiscovery: true,
    });
  return { app, sp, secret, credential };
}

const claimsFor = async (caller: Caller, scope: string) =>
  decodeJwt((await caller.credential().getToken(scope))!.token);

const assign = (api: Api, principalId: string, appRoleId: string): Promise<Assignment> =>
  graph
    .api(`/servicePrincipals/${api.sp.id}/appRoleAssignedTo`)
    .post({ principalId, resourceId: api.sp.id, appRoleId });

/** The raw token endpoint answer (v2 unless `v1`), for the error body a credential folds into its message. */
async function rawToken(
  caller: Caller,
  resource: string,
  v1 = false,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: caller.app.appId,
    client_secret: caller.secret,
    ...(v1 ? { resource } : { scope: `${resource}/.default` }),
  });
  const r = await fetch(`${emu.url}/${emu.tenantId}/oauth2${v1 ? "" : "/v2.0"}/token`, { method: "POST", body: form });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

describe("token version per requestedAccessTokenVersion", () => {
  test("v1 (null): iss sts.windows.net, aud = the identifier as requested, appid; the caller is its service principal", async () => {
    const api = await registerApi({ version: null });
    const caller = await registerCaller();
    const byUri = await claimsFor(caller, `${api.uri}/.default`);
    expect(byUri).toMatchObject({
      iss: `https://sts.windows.net/${emu.tenantId}/`,
      aud: api.uri,
      appid: caller.app.appId,
      appidacr: "1",
      ver: "1.0",
      tid: emu.tenantId,
      oid: caller.sp.id,
      sub: caller.sp.id,
      idtyp: "app",
    });
    expect(byUri).not.toHaveProperty("azp");
    expect(byUri).not.toHaveProperty("roles");
    expect(await claimsFor(caller, `${api.app.appId}/.default`)).toMatchObject({ aud: api.app.appId, ver: "1.0" });
  });

  test("v2: iss login.microsoftonline.com/{tid}/v2.0, aud = the appId even when asked by URI, azp", async () => {
    const api = await registerApi({ version: 2 });
    const caller = await registerCaller();
    for (const scope of [`${api.uri}/.default`, `${api.app.appId}/.default`]) {
      const claims = await claimsFor(caller, scope);
      expect(claims).toMatchObject({
        iss: `https://login.microsoftonline.com/${emu.tenantId}/v2.0`,
        aud: api.app.appId,
        azp: caller.app.appId,
        azpacr: "1",
        ver: "2.0",
        oid: caller.sp.id,
        sub: caller.sp.id,
        idtyp: "app",
      });
      expect(claims).not.toHaveProperty("appid");
    }
  });

  test("the v1 endpoint (resource=) issues the version the resource asks for, and echoes the resource", async () => {
    const v2 = await registerApi({ version: 2 });
    const v1 = await registerApi({ version: 1 });
    const caller = await registerCaller();
    const a = await rawToken(caller, v2.uri, true);
    expect([a.status, a.body.resource]).toEqual([200, v2.uri]);
    expect(decodeJwt(a.body.access_token as string)).toMatchObject({ ver: "2.0", aud: v2.app.appId });
    const b = await rawToken(caller, v1.uri, true);
    expect(decodeJwt(b.body.access_token as string)).toMatchObject({ ver: "1.0", aud: v1.uri });
    // Built-in resources stay v1.
    const arm = await rawToken(caller, "https://management.azure.com/", true);
    expect(decodeJwt(arm.body.access_token as string)).toMatchObject({ ver: "1.0", oid: caller.sp.id });
  });

  test("a client without a service principal keeps the object id it was added with", async () => {
    const clientId = randomUUID();
    const res = await adminPost(emu, "entra/clients", { clientId, secret: "s3cret-value", displayName: "no-sp" });
    const added = (await res.json()) as { objectId: string; displayName: string; secret: string };
    expect([res.status, added.displayName, added.secret]).toEqual([201, "no-sp", "s3cret-value"]);
    const api = await registerApi({ version: 2 });
    const credential = new ClientSecretCredential(emu.tenantId, clientId, "s3cret-value", {
      authorityHost: emu.url,
      disableInstanceDiscovery: true,
    });
    const claims = decodeJwt((await credential.getToken(`${api.uri}/.default`))!.token);
    expect(claims).toMatchObject({ oid: added.objectId, azp: clientId });
    const listed = await adminGet<Array<Record<string, unknown>>>(emu, "entra/clients");
    const mine = listed.find((c) => c.clientId === clientId)!;
    expect(mine).toMatchObject({ objectId: added.objectId, hasSecret: true });
    expect(JSON.stringify(listed)).not.toContain("s3cret-value");
    expect((await adminPost(emu, "entra/clients", { clientId, bogus: 1 })).status).toBe(400);
    const del = await fetch(`${emu.url}/_emulator/entra/clients/${clientId}`, { method: "DELETE" });
    expect(del.status).toBe(204);
    await expect(
      new ClientSecretCredential(emu.tenantId, clientId, "s3cret-value", {
        authorityHost: emu.url,
        disableInstanceDiscovery: true,
      }).getToken(`${api.uri}/.default`),
    ).rejects.toThrow(/AADSTS700016/);
  });
});

describe("appRoleAssignmentRequired and roles", () => {
  test("an unassigned caller is refused with AADSTS501051; assigned through Graph, its token carries the role", async () => {
    const api = await registerApi({ version: 2, assignmentRequired: true });
    const caller = await registerCaller("orders-worker");
    await expect(caller.credential().getToken(`${api.uri}/.default`)).rejects.toThrow(/AADSTS501051/);
    const refused = await rawToken(caller, api.uri);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: "invalid_grant", error_codes: [501051] });
    expect(refused.body.error_description).toMatch(
      new RegExp(
        `^AADSTS501051: Application '${caller.app.appId}'\\(orders-worker\\) is not assigned to a role for the application '${api.uri}'\\(${api.app.displayName}\\)\\. Trace ID: `,
      ),
    );
    // The v1 endpoint applies the same rule.
    expect((await rawToken(caller, api.uri, true)).body.error_codes).toEqual([501051]);

    const created = await assign(api, caller.sp.id, ROLE_CALL);
    expect(created).toMatchObject({
      appRoleId: ROLE_CALL,
      principalId: caller.sp.id,
      principalType: "ServicePrincipal",
      principalDisplayName: "orders-worker",
      resourceId: api.sp.id,
      resourceDisplayName: api.app.displayName,
      deletedDateTime: null,
    });
    expect(created.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.now() - Date.parse(created.createdDateTime)).toBeLessThan(60_000);
    expect(created["@odata.context"]).toBe(
      `${emu.url}/v1.0/$metadata#servicePrincipals('${api.sp.id}')/appRoleAssignedTo/$entity`,
    );
    expect(await claimsFor(caller, `${api.uri}/.default`)).toMatchObject({
      roles: ["Greeting.Call"],
      aud: api.app.appId,
      oid: caller.sp.id,
    });
  });

  test("roles are the values of every enabled role assigned on that resource only; default access adds none", async () => {
    const api = await registerApi({ version: 1 });
    const other = await registerApi({ version: 1 });
    const caller = await registerCaller();
    await assign(api, caller.sp.id, ROLE_CALL);
    await assign(api, caller.sp.id, ROLE_ADMIN);
    await assign(other, caller.sp.id, DEFAULT_ACCESS);
    const claims = await claimsFor(caller, `${api.uri}/.default`);
    expect([...(claims.roles as string[])].sort()).toEqual(["Greeting.Admin", "Greeting.Call"]);
    expect(await claimsFor(caller, `${other.uri}/.default`)).not.toHaveProperty("roles");
    // Disabling a role on the application takes it out of the next token once the service principal follows.
    await graph.api(`/applications/${api.app.id}`).patch({
      appRoles: [
        role(ROLE_CALL, "Greeting.Call"),
        role(ROLE_ADMIN, "Greeting.Admin", ["Application"], false),
        role(ROLE_USERS_ONLY, "Greeting.Users", ["User"]),
        role(ROLE_DISABLED, "Greeting.Old", ["Application"], false),
      ],
    });
    expect((await claimsFor(caller, `${api.uri}/.default`)).roles).toEqual(["Greeting.Call"]);
  });

  test("default access satisfies appRoleAssignmentRequired without a role; deleting the assignment refuses again", async () => {
    const api = await registerApi({ version: 2, assignmentRequired: true });
    const caller = await registerCaller();
    const a = await assign(api, caller.sp.id, DEFAULT_ACCESS);
    expect(await claimsFor(caller, `${api.uri}/.default`)).not.toHaveProperty("roles");
    await graph.api(`/servicePrincipals/${api.sp.id}/appRoleAssignedTo/${a.id}`).delete();
    expect((await rawToken(caller, api.uri)).body.error_codes).toEqual([501051]);
    expect(
      (await graphError(graph.api(`/servicePrincipals/${api.sp.id}/appRoleAssignedTo/${a.id}`).get())).statusCode,
    ).toBe(404);
  });

  test("turning appRoleAssignmentRequired on by PATCH locks out unassigned callers at once", async () => {
    const api = await registerApi({ version: 2 });
    const caller = await registerCaller();
    expect((await rawToken(caller, api.uri)).status).toBe(200);
    await graph.api(`/servicePrincipals/${api.sp.id}`).patch({ appRoleAssignmentRequired: true });
    expect((await rawToken(caller, api.uri)).body.error_codes).toEqual([501051]);
  });

  test("a managed identity's service principal is assigned by object id and signs in with its roles", async () => {
    const api = await registerApi({ version: 2, assignmentRequired: true });
    const res = await adminPost(emu, "graph/managed-identities", { displayName: "apim-gateway" });
    expect(res.status).toBe(201);
    const mi = (await res.json()) as Entity & { servicePrincipalType: string };
    expect(mi.servicePrincipalType).toBe("ManagedIdentity");
    await assign(api, mi.id, ROLE_CALL);
    const secret = "mi-secret-value";
    await adminPost(emu, "entra/clients", { clientId: mi.appId, secret });
    const credential = new ClientSecretCredential(emu.tenantId, mi.appId, secret, {
      authorityHost: emu.url,
      disableInstanceDiscovery: true,
    });
    expect(decodeJwt((await credential.getToken(`${api.uri}/.default`))!.token)).toMatchObject({
      roles: ["Greeting.Call"],
      oid: mi.id,
      azp: mi.appId,
    });
  });

  test("a new assignment counts for tokens and lists only once it has replicated", async () => {
    const api = await registerApi({ version: 2, assignmentRequired: true });
    const caller = await registerCaller();
    await setOptions({ visibilityDelayMs: 4_000 });
    const a = await assign(api, caller.sp.id, ROLE_CALL);
    expect((await graph.api(`/servicePrincipals/${api.sp.id}/appRoleAssignedTo`).get()).value).toEqual([]);
    expect((await rawToken(caller, api.uri)).body.error_codes).toEqual([501051]);
    // The duplicate check sees it already.
    expect((await graphError(assign(api, caller.sp.id, ROLE_CALL))).message).toBe(
      "Permission being assigned already exists on the object.",
    );
    advance(4_000);
    const listed = await graph.api(`/servicePrincipals/${api.sp.id}/appRoleAssignedTo`).get();
    expect(listed.value.map((x: Assignment) => x.id)).toEqual([a.id]);
    expect(decodeJwt((await rawToken(caller, api.uri)).body.access_token as string).roles).toEqual(["Greeting.Call"]);
  });
});

describe("Graph: appRoleAssignedTo and appRoleAssignments", () => {
  test("validation as Graph does it", async () => {
    const api = await registerApi();
    const caller = await registerCaller();
    const post = (body: Record<string, unknown>, sp = api.sp.id) =>
      graphError(graph.api(`/servicePrincipals/${sp}/appRoleAssignedTo`).post(body));
    const body = { principalId: caller.sp.id, resourceId: api.sp.id, appRoleId: ROLE_CALL };
    const notFound = "Permission being assigned was not found on application.";
    for (const appRoleId of [randomUUID(), ROLE_USERS_ONLY, ROLE_DISABLED]) {
      const e = await post({ ...body, appRoleId });
      expect([e.statusCode, e.code, e.message], appRoleId).toEqual([400, "Request_BadRequest", notFound]);
    }
    const mismatch = await post({ ...body, resourceId: caller.sp.id });
    expect([mismatch.statusCode, mismatch.message]).toEqual([
      400,
      "Invalid value specified for property 'resourceId' of resource 'AppRoleAssignment'.",
    ]);
    const missing = await post({ ...body, principalId: randomUUID() });
    expect([missing.statusCode, missing.code, missing.message]).toEqual([
      400,
      "Request_BadRequest",
      "Not a valid reference update.",
    ]);
    expect((await post({ ...body, principalType: "User" })).message).toBe(
      "Property 'principalType' is read-only and cannot be set.",
    );
    expect((await post({ ...body, appRoleId: "not-a-guid" })).message).toBe(
      "Invalid value specified for property 'appRoleId' of resource 'AppRoleAssignment'.",
    );
    expect((await post({ principalId: caller.sp.id, resourceId: api.sp.id })).message).toBe(
      "Invalid value specified for property 'appRoleId' of resource 'AppRoleAssignment'.",
    );
    const unknownSp = randomUUID();
    const gone = await post({ ...body, resourceId: unknownSp }, unknownSp);
    expect([gone.statusCode, gone.code]).toEqual([404, "Request_ResourceNotFound"]);

    await assign(api, caller.sp.id, ROLE_CALL);
    const dup = await post(body);
    expect([dup.statusCode, dup.code, dup.message]).toEqual([
      400,
      "Request_BadRequest",
      "Permission being assigned already exists on the object.",
    ]);
  });

  test("both navigations list the same assignment from each side, by id or appId, with $select, $filter and paging", async () => {
    const api = await registerApi();
    const callers = [await registerCaller(), await registerCaller(), await registerCaller()];
    const made = [];
    for (const c of callers) made.push(await assign(api, c.sp.id, ROLE_CALL));
    const extra = await assign(api, callers[0]!.sp.id, ROLE_ADMIN);

    await setOptions({ pageSize: 2 });
    const first: PageCollection = await graph
      .api(`/servicePrincipals(appId='${api.app.appId}')/appRoleAssignedTo`)
      .get();
    expect(first.value).toHaveLength(2);
    expect(first["@odata.nextLink"]).toMatch(/appRoleAssignedTo\?\$skiptoken=/);
    const seen: string[] = [];
    await new PageIterator(graph, first, (a: Assignment) => {
      seen.push(a.id);
      return true;
    }).iterate();
    expect(seen.sort()).toEqual([...made, extra].map((a) => a.id).sort());

    const held = await graph.api(`/servicePrincipals/${callers[0]!.sp.id}/appRoleAssignments`).get();
    expect(held["@odata.context"]).toBe(
      `${emu.url}/v1.0/$metadata#servicePrincipals('${callers[0]!.sp.id}')/appRoleAssignments`,
    );
    expect(held.value.map((a: Assignment) => a.appRoleId).sort()).toEqual([ROLE_CALL, ROLE_ADMIN].sort());
    const selected = await graph
      .api(`/servicePrincipals/${api.sp.id}/appRoleAssignedTo`)
      .select(["id", "principalId", "principalType", "appRoleId"])
      .filter(`principalId eq '${callers[1]!.sp.id}'`)
      .get();
    expect(selected.value).toEqual([
      { id: made[1]!.id, principalId: callers[1]!.sp.id, principalType: "ServicePrincipal", appRoleId: ROLE_CALL },
    ]);
    const one = await graph.api(`/servicePrincipals/${callers[2]!.sp.id}/appRoleAssignments/${made[2]!.id}`).get();
    expect(one).toMatchObject({ id: made[2]!.id, resourceId: api.sp.id });
  });

  test("POST on appRoleAssignments assigns from the principal's side; deleting a service principal drops its assignments", async () => {
    const api = await registerApi({ version: 2, assignmentRequired: true });
    const caller = await registerCaller();
    const viaPrincipal: Assignment = await graph
      .api(`/servicePrincipals/${caller.sp.id}/appRoleAssignments`)
      .post({ principalId: caller.sp.id, resourceId: api.sp.id, appRoleId: ROLE_CALL });
    expect(viaPrincipal.resourceId).toBe(api.sp.id);
    const wrongSide = await graphError(
      graph
        .api(`/servicePrincipals/${caller.sp.id}/appRoleAssignments`)
        .post({ principalId: api.sp.id, resourceId: api.sp.id, appRoleId: ROLE_CALL }),
    );
    expect(wrongSide.message).toBe(
      "Invalid value specified for property 'principalId' of resource 'AppRoleAssignment'.",
    );
    expect(decodeJwt((await rawToken(caller, api.uri)).body.access_token as string).roles).toEqual(["Greeting.Call"]);

    await graph.api(`/servicePrincipals/${caller.sp.id}`).delete();
    expect((await graph.api(`/servicePrincipals/${api.sp.id}/appRoleAssignedTo`).get()).value).toEqual([]);
    const state = await adminGet<{ appRoleAssignments: Assignment[] }>(emu, "graph/state");
    expect(state.appRoleAssignments.some((a) => a.principalId === caller.sp.id)).toBe(false);
  });
});

test("a not-persisted fault answers 201 for an assignment and then undoes it", async () => {
  const api = await registerApi({ version: 2, assignmentRequired: true });
  const caller = await registerCaller();
  emu.faults.add({ service: "graph", method: "POST", path: "appRoleAssignedTo$", kind: "not-persisted", times: 1 });
  const ghost = await assign(api, caller.sp.id, ROLE_CALL);
  expect(ghost.principalId).toBe(caller.sp.id);
  expect((await graph.api(`/servicePrincipals/${api.sp.id}/appRoleAssignedTo`).get()).value).toEqual([]);
  expect((await rawToken(caller, api.uri)).body.error_codes).toEqual([501051]);
});

describe("minted delegated tokens (POST /_emulator/entra/tokens)", () => {
  const mint = async (body: Record<string, unknown>) => {
    const res = await adminPost(emu, "entra/tokens", body);
    return {
      status: res.status,
      body: (await res.json()) as { access_token: string; claims: Record<string, unknown> },
    };
  };
  const jwks = () => createRemoteJWKSet(new URL(`${emu.url}/${emu.tenantId}/discovery/v2.0/keys`));

  test("v2 for a v2 registration: chosen scp, roles, oid, name, upn and azp, signed by the tenant key", async () => {
    const api = await registerApi({ version: 2 });
    const oid = randomUUID();
    const client = randomUUID();
    const { status, body } = await mint({
      resourceAppId: api.app.appId,
      scp: ["Greeting.Read", "Greeting.Write"],
      roles: ["Greeting.Admin"],
      oid,
      name: "Ada Lovelace",
      upn: "ada@emulated.onmicrosoft.com",
      azp: client,
    });
    expect(status).toBe(200);
    const { payload } = await jwtVerify(body.access_token, jwks(), {
      issuer: `https://login.microsoftonline.com/${emu.tenantId}/v2.0`,
      audience: api.app.appId,
    });
    expect(payload).toMatchObject({
      ver: "2.0",
      tid: emu.tenantId,
      scp: "Greeting.Read Greeting.Write",
      roles: ["Greeting.Admin"],
      oid,
      name: "Ada Lovelace",
      preferred_username: "ada@emulated.onmicrosoft.com",
      azp: client,
      idtyp: "user",
    });
    expect(payload.sub).not.toBe(oid);
    expect(payload).not.toHaveProperty("appid");
    expect(body.claims).toEqual(payload);
    expect(payload.exp! - Math.floor(Date.now() / 1000)).toBeGreaterThan(3500);
  });

  test("v1 by audience: sts.windows.net issuer, appid, upn; the version follows the registration unless given", async () => {
    const api = await registerApi({ version: null });
    const { body } = await mint({ audience: api.uri, scp: "Greeting.Read", upn: "bob@emulated.onmicrosoft.com" });
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({
      iss: `https://sts.windows.net/${emu.tenantId}/`,
      aud: api.uri,
      ver: "1.0",
      appid: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
      upn: "bob@emulated.onmicrosoft.com",
      scp: "Greeting.Read",
    });
    expect(claims).not.toHaveProperty("roles");
    const forced = decodeJwt((await mint({ audience: api.uri, version: 2 })).body.access_token);
    expect([forced.iss, forced.ver, forced.aud]).toEqual([
      `https://login.microsoftonline.com/${emu.tenantId}/v2.0`,
      "2.0",
      api.uri,
    ]);
  });

  test("expiry and not-before can be in the past or future; claims overrides anything", async () => {
    const api = await registerApi({ version: 2 });
    const expired = await mint({ resourceAppId: api.app.appId, expiresInSeconds: -600 });
    const exp = expired.body.claims.exp as number;
    expect(exp).toBeLessThan(Date.now() / 1000 - 590);
    expect(expired.body.claims.iat as number).toBeLessThan(exp);
    await expect(jwtVerify(expired.body.access_token, jwks())).rejects.toMatchObject({ code: "ERR_JWT_EXPIRED" });
    const future = await mint({ resourceAppId: api.app.appId, nbf: Math.floor(Date.now() / 1000) + 3600 });
    await expect(jwtVerify(future.body.access_token, jwks())).rejects.toMatchObject({
      code: "ERR_JWT_CLAIM_VALIDATION_FAILED",
      claim: "nbf",
    });
    const odd = decodeJwt(
      (await mint({ resourceAppId: api.app.appId, claims: { iss: "https://sts.windows.net/other/", extra: 1 } })).body
        .access_token,
    );
    expect([odd.iss, odd.extra]).toEqual(["https://sts.windows.net/other/", 1]);
  });

  test("refuses a request without a target, an unknown resourceAppId and unknown fields", async () => {
    expect((await mint({ scp: "x" })).status).toBe(400);
    expect((await mint({ resourceAppId: randomUUID() })).status).toBe(400);
    expect((await mint({ audience: "api://x", scope: "x" })).status).toBe(400);
    expect((await mint({ audience: "api://x", version: 3 })).status).toBe(400);
  });
});
