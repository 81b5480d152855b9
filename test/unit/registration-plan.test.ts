import { GraphError } from "@microsoft/microsoft-graph-client";
import { describe, expect, test } from "vitest";
import { RefusedError } from "../../lib/errors.ts";
import { GraphRequestError, toGraphError } from "../../lib/azure/graph-client.ts";
import { validateConfig } from "../../lib/config/load.ts";
import type { RegistrationConfig } from "../../lib/resources/registration/schema.ts";
import {
  noBackingApplication,
  notYetVisible,
  withConsistencyRetry,
} from "../../lib/resources/registration/consistency.ts";
import { desiredRegistration } from "../../lib/resources/registration/desired.ts";
import { planRegistration } from "../../lib/resources/registration/plan.ts";
import {
  APP_ID,
  SP_ID,
  type ApiApplication,
  type GraphStep,
  type Observed,
  type ObservedApplication,
  type PermissionScope,
} from "../../lib/resources/registration/types.ts";
import { ARM_APP_ID, GRAPH_APP_ID } from "../../lib/resources/registration/well-known.ts";
import { applyToWorld, observe, type World } from "./registration-model.ts";
import { APP, existingApplication } from "./registration-fixtures.ts";

const ARM_SP = "aaaaaaaa-0000-4000-8000-000000000001";
const RESOURCES: Observed["resources"] = {
  [ARM_APP_ID]: {
    appId: ARM_APP_ID,
    servicePrincipalId: ARM_SP,
    scopes: { user_impersonation: "41094075-9dad-400e-a0bd-54e686782033" },
    roles: {},
  },
  [GRAPH_APP_ID]: {
    appId: GRAPH_APP_ID,
    servicePrincipalId: "aaaaaaaa-0000-4000-8000-000000000002",
    scopes: { "User.Read": "e1fe6dd8-ba31-4d61-89e7-88639da4683d" },
    roles: {},
  },
};
const SP = "5e0e0000-0000-4000-8000-000000000002";
const CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const S_READ = "5c000000-0000-4000-8000-000000000001";
const S_WRITE = "5c000000-0000-4000-8000-000000000002";

let n = 0;
const ids = () => `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`;
const scope = (id: string, value: string, isEnabled = true, extra: Partial<PermissionScope> = {}): PermissionScope => ({
  id,
  value,
  type: "User",
  isEnabled,
  adminConsentDisplayName: value,
  adminConsentDescription: value,
  userConsentDisplayName: null,
  userConsentDescription: null,
  ...extra,
});

const plan = (reg: RegistrationConfig, observed: Partial<Observed> = {}) =>
  planRegistration(desiredRegistration(reg), { grants: [], resources: RESOURCES, ...observed }, ids);
const ops = (steps: GraphStep[]) => steps.map((s) => s.op);
/** A step's request body, typed as the application parts the planner sends (tests read it, nothing writes it). */
type StepBody = Partial<Omit<ObservedApplication, "api">> & { api: ApiApplication } & Record<string, unknown>;
const body = (s: GraphStep | undefined) => (s && "body" in s ? s.body : {}) as StepBody;

const GREETING: RegistrationConfig = {
  uniqueName: "greeting-api",
  displayName: "Greeting API",
  identifierUris: ["https://emulated.onmicrosoft.com/greeting"],
  scopes: [
    {
      value: "Greeting.Read",
      adminConsentDisplayName: "Read API Greetings",
      adminConsentDescription: "Allows the user to see greetings from the API.",
    },
  ],
  requiredResourceAccess: [{ resource: "arm", scopes: ["user_impersonation"] }],
  appRoleAssignmentRequired: true,
  adminConsent: true,
  preAuthorizedApplications: [{ appId: CLI, scopes: ["Greeting.Read"] }],
};

describe("create", () => {
  test("upsert by uniqueName, then api://{appId} and pre-authorizations, then service principal, then consent", () => {
    const p = plan(GREETING);
    expect(ops(p.steps)).toEqual(["createApplication", "patchApplication", "createServicePrincipal", "createGrant"]);
    const create = body(p.steps[0]);
    // A non-default URI goes in the create itself: if Graph refuses it, nothing exists afterwards.
    expect(create.identifierUris).toEqual(["https://emulated.onmicrosoft.com/greeting"]);
    expect(create.signInAudience).toBe("AzureADMyOrg");
    expect(create.api.requestedAccessTokenVersion).toBe(2);
    expect(create.api.preAuthorizedApplications).toEqual([]);
    expect(create.requiredResourceAccess).toEqual([
      { resourceAppId: ARM_APP_ID, resourceAccess: [{ id: "41094075-9dad-400e-a0bd-54e686782033", type: "Scope" }] },
    ]);
    const after = body(p.steps[1]);
    expect(after.identifierUris).toEqual([`api://${APP_ID}`, "https://emulated.onmicrosoft.com/greeting"]);
    const newScopeId = create.api.oauth2PermissionScopes[0]!.id;
    expect(after.api.preAuthorizedApplications).toEqual([{ appId: CLI, delegatedPermissionIds: [newScopeId] }]);
    expect(body(p.steps[2])).toEqual({ appRoleAssignmentRequired: true });
    expect(body(p.steps[3])).toEqual({
      clientId: SP_ID,
      consentType: "AllPrincipals",
      resourceId: ARM_SP,
      scope: "user_impersonation",
    });
    expect(p.changes[0]).toMatchObject({ field: "application", kind: "add" });
  });

  test("an appId that does not exist is not created: clear error naming the fix", () => {
    expect(() => plan({ appId: "5e0e0000-0000-4000-8000-0000000000ff" })).toThrow(RefusedError);
    expect(() => plan({ appId: "5e0e0000-0000-4000-8000-0000000000ff" })).toThrow(/no application has appId/);
  });
});

describe("scopes by value", () => {
  test("removing an enabled scope is two writes: disable, then remove; ids of the others stay", () => {
    const app = existingApplication(
      {},
      { oauth2PermissionScopes: [scope(S_READ, "Greeting.Read"), scope(S_WRITE, "Greeting.Write")] },
    );
    const p = plan(
      { uniqueName: "greeting-api", scopes: { mode: "exact", values: [{ value: "Greeting.Read" }] } },
      { application: app, servicePrincipal: { id: SP, appId: APP, appRoleAssignmentRequired: false, tags: [] } },
    );
    const patches = p.steps.filter((s) => s.op === "patchApplication");
    expect(patches).toHaveLength(2);
    expect(body(patches[0]).api.oauth2PermissionScopes.map((s: PermissionScope) => [s.id, s.isEnabled])).toEqual([
      [S_READ, true],
      [S_WRITE, false],
    ]);
    expect(body(patches[1]).api.oauth2PermissionScopes.map((s: PermissionScope) => s.id)).toEqual([S_READ]);
    expect(patches[1]).toMatchObject({ afterDisable: true });
    expect(p.changes.find((c) => c.field === "api.oauth2PermissionScopes[Greeting.Write]")?.kind).toBe("remove");
    expect(p.warnings.join("\n")).toMatch(/Greeting.Write: disabled first/);
  });

  test("include mode never removes; a disabled scope is removed in one write; changing an enabled scope's text is two writes", () => {
    const app = existingApplication(
      {},
      { oauth2PermissionScopes: [scope(S_READ, "Greeting.Read"), scope(S_WRITE, "Greeting.Write", false)] },
    );
    const sp = { id: SP, appId: APP, appRoleAssignmentRequired: false, tags: [] };
    expect(
      plan(
        { uniqueName: "greeting-api", scopes: [{ value: "Greeting.Read" }] },
        { application: app, servicePrincipal: sp },
      ).steps,
    ).toEqual([]);
    const removeDisabled = plan(
      { uniqueName: "greeting-api", scopes: { mode: "exact", values: [{ value: "Greeting.Read" }] } },
      { application: app, servicePrincipal: sp },
    );
    expect(removeDisabled.steps).toHaveLength(1);
    expect(body(removeDisabled.steps[0]).api.oauth2PermissionScopes.map((s: PermissionScope) => s.id)).toEqual([
      S_READ,
    ]);
    const reword = plan(
      { uniqueName: "greeting-api", scopes: [{ value: "Greeting.Read", adminConsentDescription: "New text" }] },
      { application: app, servicePrincipal: sp },
    );
    expect(
      reword.steps.map((s) => [
        s.op,
        body(s).api?.oauth2PermissionScopes?.[0]?.isEnabled,
        body(s).api?.oauth2PermissionScopes?.[0]?.adminConsentDescription,
      ]),
    ).toEqual([
      ["patchApplication", false, "Greeting.Read"],
      ["patchApplication", true, "New text"],
    ]);
  });

  test("a new scope gets the generator's id; the whole api object is sent, built from the observed one", () => {
    const app = existingApplication(
      {},
      {
        oauth2PermissionScopes: [scope(S_READ, "Greeting.Read")],
        knownClientApplications: ["33333333-3333-4333-8333-333333333333"],
        acceptMappedClaims: true,
      },
    );
    const p = plan(
      { uniqueName: "greeting-api", scopes: [{ value: "Greeting.Write" }] },
      { application: app, servicePrincipal: { id: SP, appId: APP, appRoleAssignmentRequired: false, tags: [] } },
    );
    expect(p.steps).toHaveLength(1);
    const api = body(p.steps[0]).api;
    expect(Object.keys(api).sort()).toEqual([
      "acceptMappedClaims",
      "knownClientApplications",
      "oauth2PermissionScopes",
      "preAuthorizedApplications",
      "requestedAccessTokenVersion",
    ]);
    expect(api.knownClientApplications).toEqual(["33333333-3333-4333-8333-333333333333"]);
    expect(api.oauth2PermissionScopes.map((s: PermissionScope) => s.id)).toEqual([
      S_READ,
      `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    ]);
    // The plan itself shows no generated id, so a saved plan still matches at apply time.
    expect(JSON.stringify(p.changes)).not.toContain("00000000-0000-4000-8000");
  });

  test("pre-authorizing an existing scope is one write; a new scope's pre-authorization waits for the next", () => {
    const app = existingApplication({}, { oauth2PermissionScopes: [scope(S_READ, "Greeting.Read")] });
    const sp = { id: SP, appId: APP, appRoleAssignmentRequired: false, tags: [] };
    const one = plan(
      {
        uniqueName: "greeting-api",
        scopes: [{ value: "Greeting.Read" }],
        preAuthorizedApplications: [{ appId: CLI, scopes: ["Greeting.Read"] }],
      },
      { application: app, servicePrincipal: sp },
    );
    expect(one.steps).toHaveLength(1);
    const two = plan(
      {
        uniqueName: "greeting-api",
        scopes: [{ value: "Greeting.Write" }],
        preAuthorizedApplications: [{ appId: CLI, scopes: ["Greeting.Write"] }],
      },
      { application: app, servicePrincipal: sp },
    );
    expect(two.steps).toHaveLength(2);
    expect(body(two.steps[0]).api.preAuthorizedApplications).toEqual([]);
    expect(body(two.steps[1]).api.preAuthorizedApplications).toHaveLength(1);
  });
});

describe("everything else", () => {
  test("requiredResourceAccess merges by resource and permission id; nothing is removed", () => {
    const app = existingApplication({
      requiredResourceAccess: [
        {
          resourceAppId: GRAPH_APP_ID,
          resourceAccess: [{ id: "e1fe6dd8-ba31-4d61-89e7-88639da4683d", type: "Scope" }],
        },
      ],
    });
    const p = plan(
      {
        uniqueName: "greeting-api",
        requiredResourceAccess: [
          { resource: "arm", scopes: ["user_impersonation"] },
          { resource: "graph", scopes: ["User.Read"] },
        ],
      },
      { application: app, servicePrincipal: { id: SP, appId: APP, appRoleAssignmentRequired: false, tags: [] } },
    );
    expect(body(p.steps[0]).requiredResourceAccess).toEqual([
      { resourceAppId: GRAPH_APP_ID, resourceAccess: [{ id: "e1fe6dd8-ba31-4d61-89e7-88639da4683d", type: "Scope" }] },
      { resourceAppId: ARM_APP_ID, resourceAccess: [{ id: "41094075-9dad-400e-a0bd-54e686782033", type: "Scope" }] },
    ]);
    expect(p.changes.map((c) => c.field)).toEqual(["requiredResourceAccess[arm]"]);
    expect(() =>
      plan({ uniqueName: "x", requiredResourceAccess: [{ resource: "arm", scopes: ["user_impersonaton"] }] }),
    ).toThrow(/'user_impersonaton' is not a delegated permission \(scope\) of arm/);
  });

  test("admin consent: created once, then the scope string is merged as a set and never shrunk", () => {
    const sp = { id: SP, appId: APP, appRoleAssignmentRequired: true, tags: [] };
    const reg: RegistrationConfig = {
      uniqueName: "greeting-api",
      requiredResourceAccess: [{ resource: "arm", scopes: ["user_impersonation"] }],
      adminConsent: ["arm"],
    };
    const app = existingApplication({
      requiredResourceAccess: [
        { resourceAppId: ARM_APP_ID, resourceAccess: [{ id: "41094075-9dad-400e-a0bd-54e686782033", type: "Scope" }] },
      ],
    });
    expect(ops(plan(reg, { application: app, servicePrincipal: sp }).steps)).toEqual(["createGrant"]);
    const merged = plan(reg, {
      application: app,
      servicePrincipal: sp,
      grants: [{ id: "g1", clientId: SP, resourceId: ARM_SP, consentType: "AllPrincipals", scope: "openid" }],
    });
    expect(merged.steps).toEqual([
      expect.objectContaining({ op: "patchGrant", grantId: "g1", body: { scope: "openid user_impersonation" } }),
    ]);
    expect(
      plan(reg, {
        application: app,
        servicePrincipal: sp,
        grants: [
          {
            id: "g1",
            clientId: SP,
            resourceId: ARM_SP,
            consentType: "AllPrincipals",
            scope: "user_impersonation openid",
          },
        ],
      }).steps,
    ).toEqual([]);
  });

  test("token version null counts as 1; a flip warns that issuers change", () => {
    const v1 = existingApplication({}, { requestedAccessTokenVersion: null });
    const sp = { id: SP, appId: APP, appRoleAssignmentRequired: false, tags: [] };
    expect(
      plan({ uniqueName: "greeting-api", tokenVersion: 1 }, { application: v1, servicePrincipal: sp }).steps,
    ).toEqual([]);
    const flip = plan({ uniqueName: "greeting-api", tokenVersion: 2 }, { application: v1, servicePrincipal: sp });
    expect(body(flip.steps[0]).api.requestedAccessTokenVersion).toBe(2);
    expect(flip.warnings.join("\n")).toMatch(/changes iss and aud/);
  });

  test("a created registration matches the plan: a second plan on the result is empty (the model applies the emulator's rules)", () => {
    const w: World = { grants: [], resources: RESOURCES, history: [] };
    applyToWorld(w, plan(GREETING).steps);
    expect(planRegistration(desiredRegistration(GREETING), observe(w), ids).changes).toEqual([]);
    expect(w.app!.identifierUris).toEqual([`api://${w.app!.appId}`, "https://emulated.onmicrosoft.com/greeting"]);
  });
});

describe("config and Graph errors", () => {
  const base = { defaults: { subscriptionId: "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2", resourceGroup: "rg" } };
  test("registration checks: an address is required, addresses and URIs are unique, pre-authorized scopes must be listed", () => {
    let issues: string[] = [];
    try {
      validateConfig(
        {
          ...base,
          apps: [
            { name: "a", registration: { displayName: "Only a name" } },
            {
              name: "b",
              registration: {
                uniqueName: "shared",
                identifierUris: ["https://contoso.com/api"],
                scopes: [{ value: "X.Read" }],
                preAuthorizedApplications: [{ appId: CLI, scopes: ["Y.Read"] }],
              },
            },
            {
              name: "c",
              registration: {
                uniqueName: "shared",
                identifierUris: ["https://contoso.com/api"],
                requiredResourceAccess: [{ resource: "arm", scopes: ["user_impersonation"] }],
                adminConsent: ["graph"],
              },
            },
            {
              name: "d",
              registration: { uniqueName: "bad value", scopes: [{ value: "has space" }], identifierUris: ["ftp://x"] },
            },
          ],
        },
        "fleet.yaml",
        {},
      );
    } catch (e) {
      issues = (e as { issues: string[] }).issues;
    }
    const text = issues.join("\n");
    expect(text).toMatch(/apps\[3\]\.registration\.uniqueName: must be 1-120/);
    expect(text).toMatch(/apps\[3\]\.registration\.scopes\[0\]\.value: letters, digits/);
    expect(text).toMatch(/apps\[3\]\.registration\.identifierUris\[0\]: must be an api:\/\/ or https:\/\//);
    // Cross-checks run only once the schema passes, so check them on their own.
    const cross = (() => {
      try {
        validateConfig(
          {
            ...base,
            apps: [
              { name: "a", registration: { displayName: "Only a name" } },
              {
                name: "b",
                registration: {
                  uniqueName: "shared",
                  identifierUris: ["https://contoso.com/api"],
                  scopes: [{ value: "X.Read" }],
                  preAuthorizedApplications: [{ appId: CLI, scopes: ["Y.Read"] }],
                },
              },
              {
                name: "c",
                registration: {
                  uniqueName: "shared",
                  identifierUris: ["https://contoso.com/api"],
                  requiredResourceAccess: [{ resource: "arm", scopes: ["user_impersonation"] }],
                  adminConsent: ["graph"],
                },
              },
            ],
          },
          "f.yaml",
          {},
        );
        return "";
      } catch (e) {
        return (e as { issues: string[] }).issues.join("\n");
      }
    })();
    expect(cross).toMatch(/apps\[0\]\.registration: needs appId or uniqueName .*display names are not unique/);
    expect(cross).toMatch(/apps\[2\]\.registration: same registration \(uniqueName shared\) as apps\[1\]/);
    expect(cross).toMatch(
      /apps\[2\]\.registration\.identifierUris: 'https:\/\/contoso\.com\/api' is also used by apps\[1\]/,
    );
    expect(cross).toMatch(
      /apps\[1\]\.registration\.preAuthorizedApplications\[0\]\.scopes: 'Y\.Read' is not one of this registration's scopes/,
    );
    expect(cross).toMatch(/apps\[2\]\.registration\.adminConsent: 'graph' is not in requiredResourceAccess/);
  });

  test("defaults.registration applies only to apps with a registration block", () => {
    const c = validateConfig(
      {
        ...base,
        defaults: { ...base.defaults, registration: { appRoleAssignmentRequired: true } },
        apps: [{ name: "a", registration: { uniqueName: "a-api" } }, { name: "b" }],
      },
      "f.yaml",
      {},
    );
    expect(c.apps[0]!.registration).toEqual({ appRoleAssignmentRequired: true, uniqueName: "a-api" });
    expect(c.apps[1]!.registration).toBeUndefined();
  });

  test("a GraphError becomes a typed error: service graph, status, code, request id, detail codes, fix", () => {
    const e = new GraphError(
      400,
      "The appId '…' of the service principal does not reference a valid application object.",
    );
    e.code = "Request_BadRequest";
    e.requestId = "req-1";
    e.body = JSON.stringify({
      code: "Request_BadRequest",
      details: [{ code: "NoBackingApplicationObject", target: "appId" }],
    });
    const t = toGraphError(e, "POST", "/servicePrincipals", "https://graph.microsoft.com");
    expect(t).toBeInstanceOf(GraphRequestError);
    expect([t.service, t.status, t.code, t.requestId, t.retryable, t.detailCodes]).toEqual([
      "graph",
      400,
      "Request_BadRequest",
      "req-1",
      false,
      ["NoBackingApplicationObject"],
    ]);
    expect(noBackingApplication(t)).toBe(true);
    const refused = new GraphError(
      400,
      "Values of identifierUris property must use a verified domain of the organization or its subdomain: 'https://contoso.com/api'",
    );
    refused.code = "HostNameNotOnVerifiedDomain";
    expect(toGraphError(refused, "PATCH", "/applications/x", "https://graph.microsoft.com").fix).toMatch(
      /api:\/\/\{appId\}.*verify the domain/,
    );
    const throttled = new GraphError(429, "Too many");
    expect(toGraphError(throttled, "GET", "/applications", "https://graph.microsoft.com").retryable).toBe(true);
  });

  test("the eventual-consistency retry polls with growing back-off, retries only what it is told, and is bounded", async () => {
    const notFound = () =>
      toGraphError(
        Object.assign(new GraphError(404, "Resource 'x' does not exist"), { code: "Request_ResourceNotFound" }),
        "GET",
        "/applications/x",
        "https://g",
      );
    let calls = 0;
    // Waits are recorded, not slept: the back-off is checked without depending on wall-clock speed.
    const waits: number[] = [];
    const record = async (ms: number) => void waits.push(ms);
    const value = await withConsistencyRetry(
      async () => (++calls < 6 ? Promise.reject(notFound()) : "visible"),
      notYetVisible,
      { attempts: 8, initialDelayMs: 20, maxDelayMs: 100 },
      undefined,
      record,
    );
    expect([value, calls]).toEqual(["visible", 6]);
    // 20, 40, 80, 100, 100 ms, each with ±25 % jitter: growing, then capped.
    expect(waits).toHaveLength(5);
    [20, 40, 80, 100, 100].forEach((base, i) => {
      expect(waits[i]).toBeGreaterThanOrEqual(base * 0.75);
      expect(waits[i]).toBeLessThanOrEqual(base * 1.25);
    });
    calls = 0;
    await expect(
      withConsistencyRetry(async () => Promise.reject(notFound()), notYetVisible, {
        attempts: 3,
        initialDelayMs: 1,
        maxDelayMs: 2,
      }).then(() => ++calls),
    ).rejects.toBeInstanceOf(GraphRequestError);
    let other = 0;
    await expect(
      withConsistencyRetry(
        async () => {
          other++;
          throw notFound();
        },
        noBackingApplication,
        {
          attempts: 5,
          initialDelayMs: 1,
          maxDelayMs: 2,
        },
      ),
    ).rejects.toThrow(/404/);
    expect(other).toBe(1);
  });
});
