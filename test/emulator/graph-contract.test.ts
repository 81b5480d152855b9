import { readFileSync } from "node:fs";
import { graphClientFor } from "../helpers/graph.ts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ClientSecretCredential } from "@azure/identity";
import type { Client } from "@microsoft/microsoft-graph-client";
import { startTestEmulator } from "../helpers/emulator.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { CSDL_TYPES } from "../../lib/emulator/graph/csdl-types.ts";

// Contract: emulator responses against the JSON derived from Graph's published CSDL (a copy of
// shared/reference/microsoft-graph in test/reference, MIT, so the test runs on a clean clone).
const DERIVED_JSON = new URL("../reference/microsoft-graph/graph-v1.0.subset.derived.json", import.meta.url);

interface DerivedProp {
  name: string;
  type: string;
  nullable: boolean;
}
interface DerivedType {
  kind: "EntityType" | "ComplexType" | "EnumType";
  baseType?: string;
  openType?: boolean;
  isFlags?: boolean;
  properties?: DerivedProp[];
  members?: Array<{ name: string }>;
}
const derived = JSON.parse(readFileSync(DERIVED_JSON, "utf8")) as { types: Record<string, DerivedType> };

function declared(typeName: string): { props: DerivedProp[]; open: boolean } {
  const t = derived.types[typeName];
  if (!t) throw new Error(`type ${typeName} is not in the derived JSON`);
  const base = t.baseType ? declared(t.baseType) : { props: [], open: false };
  return { props: [...base.props, ...(t.properties ?? [])], open: base.open || t.openType === true };
}

interface Report {
  errors: string[];
  /** Properties an open type carries beyond its declaration. */
  extras: string[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function checkPrimitive(type: string, v: unknown): boolean {
  switch (type) {
    case "Edm.String":
      return typeof v === "string";
    case "Edm.Guid":
      return typeof v === "string" && GUID.test(v);
    case "Edm.Boolean":
      return typeof v === "boolean";
    case "Edm.Int32":
      return Number.isInteger(v) && Math.abs(v as number) <= 2 ** 31;
    case "Edm.DateTimeOffset":
      return typeof v === "string" && DATE_TIME.test(v);
    case "Edm.Binary":
      return typeof v === "string" && /^[A-Za-z0-9+/=_-]*$/.test(v);
    default:
      return false;
  }
}

/** Validates `value` as `type`; `partial` skips the "non-nullable members present" check ($select answers). */
function validate(
  value: unknown,
  type: string,
  partial = false,
  path = "$",
  report: Report = { errors: [], extras: [] },
): Report {
  const collection = /^Collection\((.+)\)$/.exec(type);
  if (collection) {
    if (!Array.isArray(value)) report.errors.push(`${path}: expected an array`);
    else
      for (const [i, v] of value.entries()) {
        if (v === null) report.errors.push(`${path}[${i}]: null element`);
        else validate(v, collection[1]!, false, `${path}[${i}]`, report);
      }
    return report;
  }
  if (type.startsWith("Edm.")) {
    if (type === "Edm.Stream") report.errors.push(`${path}: a stream property must not appear in JSON`);
    else if (!checkPrimitive(type, value)) report.errors.push(`${path}: ${JSON.stringify(value)} is not ${type}`);
    return report;
  }
  const t = derived.types[type];
  if (!t) {
    report.errors.push(`${path}: unknown type ${type}`);
    return report;
  }
  if (t.kind === "EnumType") {
    const names = (t.members ?? []).map((m) => m.name);
    const parts = typeof value === "string" ? (t.isFlags ? value.split(",").map((s) => s.trim()) : [value]) : [];
    if (parts.length === 0 || parts.some((p) => !names.includes(p)))
      report.errors.push(`${path}: ${JSON.stringify(value)} is not a ${type} member`);
    return report;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    report.errors.push(`${path}: expected an object of ${type}`);
    return report;
  }
  const { props, open } = declared(type);
  const obj = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) {
    if (k.startsWith("@odata.")) continue;
    const p = props.find((x) => x.name === k);
    if (!p) (open ? report.extras : report.errors).push(`${path}.${k}${open ? "" : ": not declared"}`);
    else if (v === null) {
      if (!p.nullable) report.errors.push(`${path}.${k}: null but Nullable=false`);
    } else validate(v, p.type, false, `${path}.${k}`, report);
  }
  if (!partial) {
    for (const p of props)
      if (!p.nullable && p.type !== "Edm.Stream" && !(p.name in obj))
        report.errors.push(`${path}.${p.name}: Nullable=false but missing`);
  }
  return report;
}

const APPLICATION = "microsoft.graph.application";
const SERVICE_PRINCIPAL = "microsoft.graph.servicePrincipal";
const GRANT = "microsoft.graph.oAuth2PermissionGrant";
const ASSIGNMENT = "microsoft.graph.appRoleAssignment";

// GET bodies say `oauth2RequiredPostResponse` where the metadata declares `oauth2RequirePostResponse`
// (docs/contracts/graph.md §2.3, msgraph-sdk-dotnet #2890): the emulator reproduces that drift on purpose.
const APPLICATION_DRIFT: Report = {
  errors: ["$.oauth2RequirePostResponse: Nullable=false but missing"],
  extras: ["$.oauth2RequiredPostResponse"],
};
const CLEAN: Report = { errors: [], extras: [] };

interface Entity {
  id: string;
  appId: string;
  [k: string]: unknown;
}

let emu: Emulator;
let graph: Client;
let credential: ClientSecretCredential;
beforeAll(async () => {
  emu = await startTestEmulator();
  credential = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.url,
    disableInstanceDiscovery: true,
  });
  graph = graphClientFor(emu, { credential: credential, scopes: ["https://graph.microsoft.com/.default"] });
});
afterAll(() => emu.close());

describe("the validator itself", () => {
  test("rejects wrong types, nulls in non-nullable members, undeclared members of closed types and missing required members", () => {
    const role = {
      allowedMemberTypes: ["Application"],
      description: null,
      displayName: "x",
      id: "not-a-guid",
      isEnabled: "yes",
      origin: null,
      value: "x",
      extra: 1,
    };
    const report = validate(role, "microsoft.graph.appRole");
    expect(report.errors).toEqual([
      '$.id: "not-a-guid" is not Edm.Guid',
      '$.isEnabled: "yes" is not Edm.Boolean',
      "$.extra: not declared",
    ]);
    expect(validate({ id: "a", clientId: null, resourceId: "r" }, GRANT).errors).toEqual([
      "$.clientId: null but Nullable=false",
    ]);
    expect(validate({ addIns: [] }, APPLICATION).errors).toContain("$.identifierUris: Nullable=false but missing");
  });
});

test("the emulator's property table matches the CSDL-derived JSON in both directions", () => {
  const short = (t: string): string => {
    const c = /^Collection\((.+)\)$/.exec(t);
    if (c) return `[${short(c[1]!)}]`;
    const edm: Record<string, string> = {
      "Edm.String": "string",
      "Edm.Guid": "guid",
      "Edm.Boolean": "boolean",
      "Edm.Int32": "int32",
      "Edm.DateTimeOffset": "date",
      "Edm.Binary": "binary",
      "Edm.Stream": "stream",
    };
    return edm[t] ?? t.replace("microsoft.graph.", "");
  };
  for (const [name, table] of Object.entries(CSDL_TYPES)) {
    const fromCsdl = Object.fromEntries(
      declared(`microsoft.graph.${name}`).props.map((p) => [p.name, `${short(p.type)}${p.nullable ? "" : "!"}`]),
    );
    expect(table, name).toEqual(fromCsdl);
  }
});

describe("applications", () => {
  test("POST, GET by id and alternate keys, list and upsert answers are application entities", async () => {
    const created: Entity = await graph
      .api("/applications")
      .post({ displayName: "contract-app", signInAudience: "AzureADMyOrg", tags: ["t1"] });
    expect(validate(created, APPLICATION)).toEqual(APPLICATION_DRIFT);
    await graph.api(`/applications/${created.id}`).patch({
      identifierUris: [`api://${created.appId}`],
      api: {
        requestedAccessTokenVersion: 2,
        oauth2PermissionScopes: [
          {
            id: "5f1a3b8e-2c4d-4e6f-8a9b-0c1d2e3f4a5b",
            value: "Greeting.Read",
            type: "User",
            adminConsentDisplayName: "Read greetings",
            adminConsentDescription: "Read greetings",
            isEnabled: true,
          },
        ],
      },
      appRoles: [
        {
          id: "6a2b4c8d-3e5f-4a7b-9c0d-1e2f3a4b5c6d",
          value: "Greeting.Read.All",
          displayName: "Read all",
          description: "Read all",
          allowedMemberTypes: ["Application"],
          isEnabled: true,
        },
      ],
      requiredResourceAccess: [
        {
          resourceAppId: "797f4846-ba00-4fd7-ba43-dac1f8f63013",
          resourceAccess: [{ id: "41094075-9dad-400e-a0bd-54e686782033", type: "Scope" }],
        },
      ],
      web: {
        redirectUris: ["https://f1.azurewebsites.net/.auth/login/aad/callback"],
        implicitGrantSettings: { enableIdTokenIssuance: true },
      },
    });
    for (const path of [`/applications/${created.id}`, `/applications(appId='${created.appId}')`]) {
      expect(validate(await graph.api(path).get(), APPLICATION), path).toEqual(APPLICATION_DRIFT);
    }
    const upserted: Entity = await graph
      .api("/applications(uniqueName='contract-upsert')")
      .header("Prefer", "create-if-missing")
      .patch({ displayName: "contract-upsert" });
    expect(validate(upserted, APPLICATION)).toEqual(APPLICATION_DRIFT);
    expect(validate(await graph.api("/applications(uniqueName='contract-upsert')").get(), APPLICATION)).toEqual(
      APPLICATION_DRIFT,
    );
    const list: { value: Entity[] } = await graph.api("/applications").get();
    expect(list.value.length).toBe(2);
    for (const item of list.value) expect(validate(item, APPLICATION)).toEqual(APPLICATION_DRIFT);
  });

  test("$select answers carry only declared, selected members", async () => {
    const list: { value: Entity[]; "@odata.context": string } = await graph
      .api("/applications")
      .select(["id", "appId", "api", "identifierUris"])
      .get();
    expect(list["@odata.context"]).toBe(`${emu.url}/v1.0/$metadata#applications(id,appId,api,identifierUris)`);
    for (const item of list.value) {
      expect(Object.keys(item).sort()).toEqual(["api", "appId", "id", "identifierUris"]);
      expect(validate(item, APPLICATION, true)).toEqual(CLEAN);
    }
  });
});

describe("servicePrincipals and oauth2PermissionGrants", () => {
  test("first-party and created service principals, and grants, are valid entities", async () => {
    const app: Entity = await graph
      .api("/applications")
      .post({ displayName: "contract-client", signInAudience: "AzureADMyOrg" });
    const sp: Entity = await graph.api("/servicePrincipals").post({ appId: app.appId });
    expect(validate(sp, SERVICE_PRINCIPAL)).toEqual(CLEAN);
    const arm: Entity = await graph.api("/servicePrincipals(appId='797f4846-ba00-4fd7-ba43-dac1f8f63013')").get();
    const msGraph: { value: Entity[] } = await graph
      .api("/servicePrincipals")
      .filter("appId eq '00000003-0000-0000-c000-000000000000'")
      .get();
    for (const s of [arm, ...msGraph.value, await graph.api(`/servicePrincipals/${sp.id}`).get()])
      expect(validate(s, SERVICE_PRINCIPAL)).toEqual(CLEAN);

    const grant: Entity = await graph
      .api("/oauth2PermissionGrants")
      .post({ clientId: sp.id, consentType: "AllPrincipals", resourceId: arm.id, scope: "user_impersonation" });
    expect(validate(grant, GRANT)).toEqual(CLEAN);
    expect(grant.principalId).toBeNull();
    const listed: { value: Entity[] } = await graph
      .api("/oauth2PermissionGrants")
      .filter(`clientId eq '${sp.id}'`)
      .get();
    expect(listed.value).toHaveLength(1);
    for (const g of [...listed.value, await graph.api(`/oauth2PermissionGrants/${grant.id}`).get()])
      expect(validate(g, GRANT)).toEqual(CLEAN);
  });
});

test("appRoleAssignedTo and appRoleAssignments answer appRoleAssignment entities", async () => {
  const api: Entity = await graph.api("/applications").post({
    displayName: "contract-api",
    signInAudience: "AzureADMyOrg",
    appRoles: [
      {
        id: "7c5e0b96-5d4f-42c2-9e7a-9fb061d24355",
        value: "Greeting.Call",
        displayName: "Call",
        description: "Call",
        allowedMemberTypes: ["Application"],
        isEnabled: true,
      },
    ],
  });
  const apiSp: Entity = await graph.api("/servicePrincipals").post({ appId: api.appId });
  const client: Entity = await graph
    .api("/applications")
    .post({ displayName: "contract-caller", signInAudience: "AzureADMyOrg" });
  const clientSp: Entity = await graph.api("/servicePrincipals").post({ appId: client.appId });
  const created: Entity = await graph
    .api(`/servicePrincipals/${apiSp.id}/appRoleAssignedTo`)
    .post({ principalId: clientSp.id, resourceId: apiSp.id, appRoleId: "7c5e0b96-5d4f-42c2-9e7a-9fb061d24355" });
  expect(validate(created, ASSIGNMENT)).toEqual(CLEAN);
  const listed: { value: Entity[] } = await graph.api(`/servicePrincipals/${apiSp.id}/appRoleAssignedTo`).get();
  const held: { value: Entity[] } = await graph.api(`/servicePrincipals/${clientSp.id}/appRoleAssignments`).get();
  for (const a of [...listed.value, ...held.value]) expect(validate(a, ASSIGNMENT)).toEqual(CLEAN);
  const selected: { value: Entity[] } = await graph
    .api(`/servicePrincipals/${apiSp.id}/appRoleAssignedTo`)
    .select(["id", "appRoleId"])
    .get();
  for (const a of selected.value) expect(validate(a, ASSIGNMENT, true)).toEqual(CLEAN);
});

test("errors use the OData envelope with innerError date, request-id and the caller's client-request-id", async () => {
  const { token } = (await credential.getToken("https://graph.microsoft.com/.default"))!;
  const res = await fetch(`${emu.url}/v1.0/applications/00000000-0000-0000-0000-000000000001`, {
    headers: { authorization: `Bearer ${token}`, "client-request-id": "contract-crid" },
  });
  expect(res.status).toBe(404);
  expect(res.headers.get("content-type")).toMatch(/^application\/json;/);
  expect(res.headers.get("client-request-id")).toBe("contract-crid");
  const body = (await res.json()) as { error: { code: string; message: string; innerError: Record<string, string> } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe("Request_ResourceNotFound");
  expect(body.error.message).toBe(
    "Resource '00000000-0000-0000-0000-000000000001' does not exist or one of its queried reference-property objects are not present.",
  );
  expect(body.error.innerError.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  expect(body.error.innerError["request-id"]).toMatch(GUID);
  expect(body.error.innerError["request-id"]).toBe(res.headers.get("request-id"));
  expect(body.error.innerError["client-request-id"]).toBe("contract-crid");
});
