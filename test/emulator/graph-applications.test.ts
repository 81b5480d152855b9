import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { graphClientFor, graphError } from "../helpers/graph.ts";
import { ClientSecretCredential } from "@azure/identity";
import type { Client } from "@microsoft/microsoft-graph-client";
import { startTestEmulator } from "../helpers/emulator.ts";
import type { Emulator } from "../../lib/emulator/index.ts";

interface App {
  id: string;
  appId: string;
  displayName: string;
  uniqueName: string | null;
  identifierUris: string[];
  tags: string[];
  signInAudience: string;
  publisherDomain: string;
  createdDateTime: string;
  api: {
    requestedAccessTokenVersion: number | null;
    oauth2PermissionScopes: Scope[];
    preAuthorizedApplications: Array<{ appId: string; delegatedPermissionIds: string[] }>;
  };
  appRoles: Array<Record<string, unknown>>;
  requiredResourceAccess: unknown[];
}
interface Scope {
  id: string;
  value: string;
  type: string;
  isEnabled: boolean;
  adminConsentDisplayName: string;
  adminConsentDescription: string;
}

let emu: Emulator;
let graph: Client;
beforeAll(async () => {
  emu = await startTestEmulator();
  const credential = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.url,
    disableInstanceDiscovery: true,
  });
  graph = graphClientFor(emu, { credential: credential, scopes: ["https://graph.microsoft.com/.default"] });
});
afterAll(() => emu.close());

let n = 0;
const newApp = (extra: Record<string, unknown> = {}): Promise<App> =>
  graph.api("/applications").post({ displayName: `app-${++n}`, signInAudience: "AzureADMyOrg", ...extra });
const read = (id: string): Promise<App> => graph.api(`/applications/${id}`).get();

const scope = (id: string, value: string, isEnabled = true): Scope => ({
  id,
  value,
  type: "User",
  isEnabled,
  adminConsentDisplayName: `Consent ${value}`,
  adminConsentDescription: `Allows ${value}`,
});
const SCOPE_A = "1b4f816e-5eaf-48b9-8613-7923830595ad";
const SCOPE_B = "2c5e927f-6fb0-49ca-9724-8a34941606be";

describe("create and upsert", () => {
  test("POST fills server-generated properties; without signInAudience the upsert doc's defaults apply", async () => {
    const app: App & { createdByAppId: string } = await graph.api("/applications").post({ displayName: "defaults" });
    expect(app.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(app.appId).toMatch(/^[0-9a-f-]{36}$/);
    expect(app.appId).not.toBe(app.id);
    expect(app.publisherDomain).toBe("emulated.onmicrosoft.com");
    expect(Date.now() - Date.parse(app.createdDateTime)).toBeLessThan(60_000);
    expect(app.signInAudience).toBe("AzureADandPersonalMicrosoftAccount");
    expect(app.api.requestedAccessTokenVersion).toBe(2);
    expect(app.createdByAppId).toBe(emu.clientId);
    const myOrg = await newApp();
    expect([myOrg.signInAudience, myOrg.api.requestedAccessTokenVersion]).toEqual(["AzureADMyOrg", null]);
  });

  test("create-if-missing twice creates one app: 201 with the object, then 204", async () => {
    const first: App = await graph
      .api("/applications(uniqueName='fleet-api-one')")
      .header("Prefer", "create-if-missing")
      .patch({ displayName: "Fleet API", signInAudience: "AzureADMyOrg" });
    expect(first).toMatchObject({ uniqueName: "fleet-api-one", displayName: "Fleet API" });
    const second: unknown = await graph
      .api("/applications(uniqueName='fleet-api-one')")
      .header("Prefer", "create-if-missing")
      .patch({ displayName: "Fleet API renamed" });
    expect(second).toBeUndefined();
    const found: { value: App[] } = await graph.api("/applications").filter("uniqueName eq 'fleet-api-one'").get();
    expect(found.value).toHaveLength(1);
    expect(found.value[0]).toMatchObject({ id: first.id, appId: first.appId, displayName: "Fleet API renamed" });
  });

  test("without Prefer a missing uniqueName is 404 and nothing is created", async () => {
    const e = await graphError(graph.api("/applications(uniqueName='no-such-app')").patch({ displayName: "x" }));
    expect([e.statusCode, e.code]).toEqual([404, "Request_ResourceNotFound"]);
    expect((await graph.api("/applications").filter("uniqueName eq 'no-such-app'").get()).value).toEqual([]);
  });

  test("uniqueName is immutable and unique", async () => {
    const app = await newApp({ uniqueName: "immutable-name" });
    const e = await graphError(graph.api(`/applications/${app.id}`).patch({ uniqueName: "other-name" }));
    expect([e.statusCode, e.message]).toEqual([400, "Property 'uniqueName' is read-only and cannot be set."]);
    const dup = await graphError(newApp({ uniqueName: "immutable-name" }));
    expect([dup.statusCode, dup.code, dup.message]).toEqual([
      400,
      "Request_BadRequest",
      "Another object with the same value for property uniqueName already exists.",
    ]);
  });
});

describe("addressing and queries", () => {
  test("GET by id, appId and uniqueName alternate keys, with $select", async () => {
    const app = await newApp({ uniqueName: "addressed" });
    for (const path of [
      `/applications/${app.id}`,
      `/applications(appId='${app.appId}')`,
      "/applications(uniqueName='addressed')",
    ]) {
      const got: Record<string, unknown> = await graph.api(path).select(["id", "appId"]).get();
      expect(got).toEqual({
        "@odata.context": `${emu.url}/v1.0/$metadata#applications(id,appId)/$entity`,
        id: app.id,
        appId: app.appId,
      });
    }
    const e = await graphError(graph.api(`/applications/${app.id}`).select("a").get());
    expect([e.statusCode, e.code, e.message]).toEqual([
      400,
      "Request_UnsupportedQuery",
      "Property 'a' does not exist as a declared property or extension property.",
    ]);
  });

  test("$filter: eq on appId, uniqueName and displayName (case-insensitive), startswith, identifierUris/any, and/or", async () => {
    const a = await newApp({ displayName: "Orders API", uniqueName: "orders-api" });
    const b = await newApp({ displayName: "Orders Worker" });
    await graph.api(`/applications/${b.id}`).patch({ identifierUris: [`api://${b.appId}`] });
    const ids = async (filter: string) =>
      ((await graph.api("/applications").filter(filter).get()).value as App[]).map((x) => x.id).sort();
    expect(await ids(`appId eq '${a.appId}'`)).toEqual([a.id]);
    expect(await ids("uniqueName eq 'orders-api'")).toEqual([a.id]);
    expect(await ids("displayName eq 'orders api'")).toEqual([a.id]);
    expect(await ids("startswith(displayName,'Orders ')")).toEqual([a.id, b.id].sort());
    expect(await ids(`identifierUris/any(x:x eq 'api://${b.appId}')`)).toEqual([b.id]);
    expect(await ids(`appId eq '${a.appId}' or appId eq '${b.appId}'`)).toEqual([a.id, b.id].sort());
    expect(await ids(`startswith(displayName,'Orders') and uniqueName eq 'orders-api'`)).toEqual([a.id]);
    const e = await graphError(graph.api("/applications").filter("notes eq 'x'").get());
    expect([e.statusCode, e.code, e.message]).toEqual([
      400,
      "Request_UnsupportedQuery",
      "Unsupported or invalid query filter clause specified for property 'notes' of resource 'Application'.",
    ]);
  });
});

describe("collections and nested objects on PATCH", () => {
  test("collections are replaced whole", async () => {
    const app = await newApp({ tags: ["a", "b"] });
    await graph.api(`/applications/${app.id}`).patch({ tags: ["c"] });
    expect((await read(app.id)).tags).toEqual(["c"]);
  });

  test("`api` is merged: members left out keep their value; with nestedPatch=replace they are reset", async () => {
    const app = await newApp({ api: { oauth2PermissionScopes: [scope(SCOPE_A, "Greeting.Read")] } });
    await graph.api(`/applications/${app.id}`).patch({ api: { requestedAccessTokenVersion: 2 } });
    const merged = await read(app.id);
    expect(merged.api.requestedAccessTokenVersion).toBe(2);
    expect(merged.api.oauth2PermissionScopes.map((s) => s.id)).toEqual([SCOPE_A]);

    const put = await fetch(`${emu.url}/_emulator/graph/options`, {
      method: "PUT",
      body: JSON.stringify({ nestedPatch: "replace" }),
    });
    expect(put.status).toBe(200);
    try {
      // Replacing `api` drops the enabled scope, which the entitlement rule refuses.
      const e = await graphError(
        graph.api(`/applications/${app.id}`).patch({ api: { requestedAccessTokenVersion: 1 } }),
      );
      expect(e.code).toBe("CannotDeleteOrUpdateEnabledEntitlement");
    } finally {
      await fetch(`${emu.url}/_emulator/graph/options`, {
        method: "PUT",
        body: JSON.stringify({ nestedPatch: "merge" }),
      });
    }
  });

  test("read-only and undeclared properties are refused, so a GET body cannot be PATCHed back", async () => {
    const app = await newApp();
    const e1 = await graphError(graph.api(`/applications/${app.id}`).patch({ appId: app.appId }));
    expect([e1.statusCode, e1.code, e1.message]).toEqual([
      400,
      "Request_BadRequest",
      "Property 'appId' is read-only and cannot be set.",
    ]);
    const e2 = await graphError(graph.api(`/applications/${app.id}`).patch({ oauth2RequiredPostResponse: false }));
    expect(e2.message).toBe("Invalid property 'oauth2RequiredPostResponse'.");
    const e3 = await graphError(
      graph
        .api(`/applications/${app.id}`)
        .patch({ api: { preAuthorizedApplications: [{ appId: app.appId, permissionIds: [] }] } }),
    );
    expect([e3.statusCode, e3.message]).toEqual([400, "Unexpected contents in request body."]);
    const e4 = await graphError(graph.api(`/applications/${app.id}`).patch({ displayName: 42 }));
    expect(e4.message).toBe("Invalid value specified for property 'displayName' of resource 'Application'.");
  });
});

describe("scopes and app roles: disable before remove", () => {
  test("removing an enabled scope in one PATCH fails; disabling then removing in two PATCHes succeeds", async () => {
    const app = await newApp({
      api: { oauth2PermissionScopes: [scope(SCOPE_A, "Greeting.Read"), scope(SCOPE_B, "Greeting.Write")] },
    });
    const remove = { api: { oauth2PermissionScopes: [scope(SCOPE_A, "Greeting.Read")] } };
    const e = await graphError(graph.api(`/applications/${app.id}`).patch(remove));
    expect([e.statusCode, e.code, e.message]).toEqual([
      400,
      "CannotDeleteOrUpdateEnabledEntitlement",
      "Permission (scope or role) cannot be deleted or updated unless disabled first.",
    ]);
    expect((await read(app.id)).api.oauth2PermissionScopes.map((s) => [s.id, s.isEnabled])).toEqual([
      [SCOPE_A, true],
      [SCOPE_B, true],
    ]);

    await graph.api(`/applications/${app.id}`).patch({
      api: { oauth2PermissionScopes: [scope(SCOPE_A, "Greeting.Read"), scope(SCOPE_B, "Greeting.Write", false)] },
    });
    await graph.api(`/applications/${app.id}`).patch(remove);
    expect((await read(app.id)).api.oauth2PermissionScopes.map((s) => s.value)).toEqual(["Greeting.Read"]);
  });

  test("changing anything but isEnabled of an enabled scope or role fails, even while disabling it", async () => {
    const role = {
      id: "3d6fa380-7ac1-4adb-a835-9b45a52717cf",
      value: "Orders.All",
      displayName: "Orders",
      description: "All orders",
      allowedMemberTypes: ["Application"],
      isEnabled: true,
    };
    const app = await newApp({ api: { oauth2PermissionScopes: [scope(SCOPE_A, "Greeting.Read")] }, appRoles: [role] });
    const e1 = await graphError(
      graph
        .api(`/applications/${app.id}`)
        .patch({ api: { oauth2PermissionScopes: [{ ...scope(SCOPE_A, "Greeting.Read2"), isEnabled: false }] } }),
    );
    expect(e1.code).toBe("CannotDeleteOrUpdateEnabledEntitlement");
    const e2 = await graphError(
      graph.api(`/applications/${app.id}`).patch({ appRoles: [{ ...role, allowedMemberTypes: ["User"] }] }),
    );
    expect(e2.code).toBe("CannotDeleteOrUpdateEnabledEntitlement");
    const e3 = await graphError(graph.api(`/applications/${app.id}`).patch({ appRoles: [] }));
    expect(e3.code).toBe("CannotDeleteOrUpdateEnabledEntitlement");
    await graph.api(`/applications/${app.id}`).patch({ appRoles: [{ ...role, isEnabled: false }] });
    await graph
      .api(`/applications/${app.id}`)
      .patch({ appRoles: [{ ...role, isEnabled: false, value: "Orders.Changed" }] });
    expect((await read(app.id)).appRoles.map((r) => r.value)).toEqual(["Orders.Changed"]);
  });

  test("scope and role ids are required GUIDs; duplicate ids or values in a collection are DuplicateValue", async () => {
    const app = await newApp();
    const { id: _id, ...noId } = scope(SCOPE_A, "x");
    const missing = await graphError(
      graph.api(`/applications/${app.id}`).patch({ api: { oauth2PermissionScopes: [noId] } }),
    );
    expect([missing.statusCode, missing.message]).toEqual([
      400,
      "Invalid value specified for property 'id' of resource 'PermissionScope'.",
    ]);
    const e = await graphError(
      graph
        .api(`/applications/${app.id}`)
        .patch({ api: { oauth2PermissionScopes: [scope(SCOPE_A, "x"), scope(SCOPE_B, "x")] } }),
    );
    expect([e.statusCode, e.code]).toEqual([400, "DuplicateValue"]);
    expect(JSON.parse(e.body as string).details).toEqual([
      {
        code: "DuplicateValue",
        message: "Request contains a property with duplicate values.",
        target: "api.oauth2PermissionScopes",
      },
    ]);
  });
});

describe("identifierUris", () => {
  test("api://{appId} and verified-domain URIs are accepted", async () => {
    const app = await newApp();
    const uris = [
      `api://${app.appId}`,
      "https://emulated.onmicrosoft.com/orders",
      "api://orders.emulated.onmicrosoft.com/v1",
      `api://${emu.tenantId}/orders`,
    ];
    await graph.api(`/applications/${app.id}`).patch({ identifierUris: uris });
    expect((await read(app.id)).identifierUris).toEqual(uris);
  });

  test("a URI on an unverified domain is HostNameNotOnVerifiedDomain and nothing of the PATCH is written", async () => {
    const app = await newApp({ displayName: "before" });
    const e = await graphError(
      graph
        .api(`/applications/${app.id}`)
        .patch({ displayName: "after", identifierUris: [`api://${app.appId}`, "https://contoso.com/orders"] }),
    );
    expect([e.statusCode, e.code, e.message]).toEqual([
      400,
      "HostNameNotOnVerifiedDomain",
      "Values of identifierUris property must use a verified domain of the organization or its subdomain: 'https://contoso.com/orders'",
    ]);
    const after = await read(app.id);
    expect([after.displayName, after.identifierUris]).toEqual(["before", []]);
    const e2 = await graphError(
      graph.api(`/applications/${app.id}`).patch({ identifierUris: ["api://some-other-app-id"] }),
    );
    expect(e2.code).toBe("HostNameNotOnVerifiedDomain");
  });

  test("an identifier URI used by another application is refused", async () => {
    const a = await newApp();
    const b = await newApp();
    await graph.api(`/applications/${a.id}`).patch({ identifierUris: ["https://emulated.onmicrosoft.com/shared"] });
    const e = await graphError(
      graph.api(`/applications/${b.id}`).patch({ identifierUris: ["https://emulated.onmicrosoft.com/shared"] }),
    );
    expect([e.statusCode, e.message]).toEqual([
      400,
      "Another object with the same value for property identifierUris already exists.",
    ]);
  });
});

describe("preAuthorizedApplications", () => {
  test("must reference scope ids already stored: the same PATCH that adds the scope fails, a second PATCH works", async () => {
    const app = await newApp();
    const client = "0e4a5b6c-7d8e-4f90-a1b2-c3d4e5f60718";
    const withPreAuth = {
      api: {
        oauth2PermissionScopes: [scope(SCOPE_A, "Greeting.Read")],
        preAuthorizedApplications: [{ appId: client, delegatedPermissionIds: [SCOPE_A] }],
      },
    };
    const e = await graphError(graph.api(`/applications/${app.id}`).patch(withPreAuth));
    expect([e.statusCode, e.code, e.message]).toEqual([
      400,
      "InvalidValue",
      "Property api.preAuthorizedApplications.delegatedPermissionIds has a Permission Id that cannot be found in the AppPermissions sets.",
    ]);
    expect((await read(app.id)).api.oauth2PermissionScopes).toEqual([]);
    await graph
      .api(`/applications/${app.id}`)
      .patch({ api: { oauth2PermissionScopes: [scope(SCOPE_A, "Greeting.Read")] } });
    await graph.api(`/applications/${app.id}`).patch(withPreAuth);
    expect((await read(app.id)).api.preAuthorizedApplications).toEqual([
      { appId: client, delegatedPermissionIds: [SCOPE_A] },
    ]);
  });
});
