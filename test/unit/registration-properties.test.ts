import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Application } from "../../lib/emulator/graph/model.ts";
import { newApplication } from "../../lib/emulator/graph/model.ts";
import type { RegistrationConfig } from "../../lib/resources/registration/schema.ts";
import { desiredRegistration } from "../../lib/resources/registration/desired.ts";
import { planRegistration } from "../../lib/resources/registration/plan.ts";
import type { ObservedGrant, ObservedServicePrincipal } from "../../lib/resources/registration/types.ts";
import { ARM_APP_ID, GRAPH_APP_ID } from "../../lib/resources/registration/well-known.ts";
import { applyToWorld, observe, type World } from "./registration-model.ts";

const VALUES = ["Greeting.Read", "Greeting.Write", "Orders.Read", "Admin.All"];
const TEXTS = ["Read greetings", "Write greetings", "Allows it", "Other text"];
const CLIENTS = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"];
const ARM_SP = "aaaaaaaa-0000-4000-8000-000000000001";
const GRAPH_SP = "aaaaaaaa-0000-4000-8000-000000000002";
const RESOURCES = {
  [ARM_APP_ID]: {
    appId: ARM_APP_ID,
    servicePrincipalId: ARM_SP,
    scopes: { user_impersonation: "41094075-9dad-400e-a0bd-54e686782033" },
    roles: {},
  },
  [GRAPH_APP_ID]: {
    appId: GRAPH_APP_ID,
    servicePrincipalId: GRAPH_SP,
    scopes: { "User.Read": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", openid: "37f7f235-527c-4136-accd-4a02d197296e" },
    roles: {},
  },
};

const text = fc.constantFrom(...TEXTS);
const maybeText = fc.option(text, { nil: null });

const observedScope = fc.record({
  value: fc.constantFrom(...VALUES),
  type: fc.constantFrom("User", "Admin"),
  isEnabled: fc.boolean(),
  adminConsentDisplayName: text,
  adminConsentDescription: text,
  userConsentDisplayName: maybeText,
  userConsentDescription: maybeText,
});
const memberTypes = fc.subarray(["User", "Application"], { minLength: 1 });
const observedRole = fc.record({
  value: fc.constantFrom(...VALUES),
  isEnabled: fc.boolean(),
  displayName: text,
  description: text,
  allowedMemberTypes: memberTypes,
});

const existingApp = fc
  .record({
    scopes: fc.uniqueArray(observedScope, { selector: (s) => s.value, maxLength: 4 }),
    roles: fc.uniqueArray(observedRole, { selector: (r) => r.value, maxLength: 3 }),
    version: fc.constantFrom(null, 1, 2),
    customUri: fc.boolean(),
    knownClients: fc.subarray(["33333333-3333-4333-8333-333333333333"]),
    graphAccess: fc.boolean(),
    preAuth: fc.uniqueArray(
      fc.record({
        appId: fc.constantFrom(...CLIENTS),
        picks: fc.array(fc.nat(5), { maxLength: 3 }),
        dangling: fc.boolean(),
      }),
      { selector: (p) => p.appId, maxLength: 2 },
    ),
    sp: fc.option(
      fc.record({ required: fc.boolean(), tags: fc.subarray(["HideApp", "WindowsAzureActiveDirectoryIntegratedApp"]) }),
      { nil: undefined },
    ),
    grant: fc.option(fc.constantFrom("openid", "user_impersonation", ""), { nil: undefined }),
  })
  .map((o) => o);

const configScope = fc.record(
  {
    value: fc.constantFrom(...VALUES),
    type: fc.constantFrom("User" as const, "Admin" as const),
    adminConsentDisplayName: text,
    adminConsentDescription: text,
    userConsentDisplayName: text,
    enabled: fc.boolean(),
  },
  { requiredKeys: ["value"] },
);
const configRole = fc.record(
  {
    value: fc.constantFrom(...VALUES),
    displayName: text,
    description: text,
    allowedMemberTypes: fc.subarray(["User" as const, "Application" as const], { minLength: 1 }),
    enabled: fc.boolean(),
  },
  { requiredKeys: ["value"] },
);
const listOf = <T>(item: fc.Arbitrary<T & { value: string }>) =>
  fc.oneof(
    fc.uniqueArray(item, { selector: (x) => x.value, maxLength: 4 }),
    fc.record({
      mode: fc.constantFrom("include" as const, "exact" as const),
      values: fc.uniqueArray(item, { selector: (x) => x.value, maxLength: 4 }),
    }),
  );

const config: fc.Arbitrary<RegistrationConfig> = fc
  .record({
    scopes: fc.option(listOf(configScope), { nil: undefined }),
    appRoles: fc.option(listOf(configRole), { nil: undefined }),
    tokenVersion: fc.option(fc.constantFrom(1 as const, 2 as const), { nil: undefined }),
    identifierUris: fc.option(fc.constant(["https://emulated.onmicrosoft.com/greeting"]), { nil: undefined }),
    rra: fc.subarray([
      { resource: "arm" as const, scopes: ["user_impersonation"] },
      { resource: "graph" as const, scopes: ["User.Read"] },
    ]),
    appRoleAssignmentRequired: fc.option(fc.boolean(), { nil: undefined }),
    adminConsent: fc.option(fc.boolean(), { nil: undefined }),
    preAuthClient: fc.option(fc.constantFrom(...CLIENTS), { nil: undefined }),
    tags: fc.option(fc.constant(["HideApp"]), { nil: undefined }),
  })
  .map((c): RegistrationConfig => {
    const scopeValues = c.scopes ? (Array.isArray(c.scopes) ? c.scopes : c.scopes.values).map((s) => s.value) : [];
    return {
      uniqueName: "fleet-api",
      scopes: c.scopes,
      appRoles: c.appRoles,
      tokenVersion: c.tokenVersion,
      identifierUris: c.identifierUris && [...c.identifierUris],
      requiredResourceAccess: c.rra,
      appRoleAssignmentRequired: c.appRoleAssignmentRequired,
      adminConsent: c.adminConsent,
      // Pre-authorizations name scopes of the config, as the cross-checks require.
      preAuthorizedApplications:
        c.preAuthClient && scopeValues.length
          ? [{ appId: c.preAuthClient, scopes: scopeValues.slice(0, 2) }]
          : undefined,
      tags: c.tags && [...c.tags],
    };
  });

type Existing = typeof existingApp extends fc.Arbitrary<infer T> ? T : never;

function worldOf(e: Existing | undefined): World {
  const w: World = { grants: [], resources: structuredClone(RESOURCES), history: [] };
  if (!e) return w;
  const app: Application = newApplication(
    {
      displayName: "Fleet API",
      uniqueName: "fleet-api",
      signInAudience: "AzureADMyOrg",
      requiredResourceAccess: e.graphAccess
        ? [
            {
              resourceAppId: GRAPH_APP_ID,
              resourceAccess: [{ id: "37f7f235-527c-4136-accd-4a02d197296e", type: "Scope" }],
            },
          ]
        : [],
    },
    {
      now: Date.now(),
      publisherDomain: "emulated.onmicrosoft.com",
      createdByAppId: null,
      defaultSignInAudience: "AzureADMyOrg",
    },
  );
  // State as someone else left it (portal, scripts): written directly, not through the rules. Ids are distinct.
  const scopes = e.scopes.map((s, i) => ({ ...s, id: `5c000000-0000-4000-8000-${String(i).padStart(12, "0")}` }));
  const ids = scopes.map((s) => s.id);
  app.appRoles = e.roles.map((r, i) => ({
    ...r,
    id: `6e000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    origin: "Application",
  }));
  app.api!.oauth2PermissionScopes = scopes.map((s) => ({ ...s, origin: "Application" }));
  app.api!.requestedAccessTokenVersion = e.version;
  app.api!.knownClientApplications = e.knownClients;
  app.api!.preAuthorizedApplications = e.preAuth.map((p) => ({
    appId: p.appId,
    delegatedPermissionIds: [
      ...new Set([
        ...p.picks.filter((i) => i < ids.length).map((i) => ids[i]!),
        ...(p.dangling ? ["99999999-9999-4999-8999-999999999999"] : []),
      ]),
    ],
  }));
  app.identifierUris = [`api://${app.appId}`, ...(e.customUri ? ["https://emulated.onmicrosoft.com/old"] : [])];
  w.app = app;
  if (e.sp) {
    const sp: ObservedServicePrincipal = {
      id: "bbbbbbbb-0000-4000-8000-000000000001",
      appId: app.appId,
      appRoleAssignmentRequired: e.sp.required,
      tags: e.sp.tags,
    };
    w.sp = sp;
    if (e.grant !== undefined)
      w.grants.push({
        id: "grant-1",
        clientId: sp.id,
        resourceId: ARM_SP,
        consentType: "AllPrincipals",
        scope: e.grant,
      } satisfies ObservedGrant);
  }
  return w;
}

let counter = 0;
const ids = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, "0")}`;

const scenario = fc.tuple(fc.option(existingApp, { nil: undefined }), config);

describe("update-manifest planner properties", () => {
  test("applying a plan (under the emulator's rules, with nested objects replaced whole) leaves nothing to plan", () => {
    fc.assert(
      fc.property(scenario, ([existing, cfg]) => {
        const w = worldOf(existing);
        const desired = desiredRegistration(cfg);
        const first = planRegistration(desired, observe(w), ids);
        expect(first.steps.length === 0).toBe(first.changes.length === 0);
        applyToWorld(w, first.steps);
        const second = planRegistration(desired, observe(w), ids);
        expect(second.changes).toEqual([]);
        expect(second.steps).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  test("ids of existing scopes and roles never change; new ones come from the generator once", () => {
    fc.assert(
      fc.property(scenario, ([existing, cfg]) => {
        const w = worldOf(existing);
        const before = observe(w).application;
        const generated: string[] = [];
        const gen = () => {
          const id = ids();
          generated.push(id);
          return id;
        };
        applyToWorld(w, planRegistration(desiredRegistration(cfg), observe(w), gen).steps);
        const after = observe(w).application!;
        for (const s of before?.api.oauth2PermissionScopes ?? []) {
          const now = after.api.oauth2PermissionScopes.find((x) => x.value === s.value);
          if (now) expect(now.id).toBe(s.id);
        }
        for (const r of before?.appRoles ?? []) {
          const now = after.appRoles.find((x) => x.value === r.value);
          if (now) expect(now.id).toBe(r.id);
        }
        const fresh = [...after.api.oauth2PermissionScopes, ...after.appRoles].filter(
          (x) =>
            ![...(before?.api.oauth2PermissionScopes ?? []), ...(before?.appRoles ?? [])].some((b) => b.id === x.id),
        );
        for (const f of fresh) expect(generated).toContain(f.id);
        expect(new Set(generated).size).toBe(generated.length);
      }),
      { numRuns: 300 },
    );
  });

  test("no write removes or changes an enabled scope or role: removal is disable, then remove", () => {
    fc.assert(
      fc.property(scenario, ([existing, cfg]) => {
        const w = worldOf(existing);
        const initial = observe(w).application;
        applyToWorld(w, planRegistration(desiredRegistration(cfg), observe(w), ids).steps);
        const strip = <T extends { isEnabled: boolean }>({ isEnabled: _e, ...rest }: T) => rest;
        for (const h of w.history) {
          if (!h.before) continue;
          const pairs = [
            [h.before.api?.oauth2PermissionScopes ?? [], h.after.api?.oauth2PermissionScopes ?? []],
            [h.before.appRoles, h.after.appRoles],
          ] as const;
          for (const [was, now] of pairs) {
            for (const old of was) {
              if (!old.isEnabled) continue;
              const kept = (now as typeof was).find((x) => x.id === old.id);
              expect(kept, `enabled ${old.value} removed in one write`).toBeDefined();
              expect(strip(kept!)).toEqual(strip(old));
            }
          }
        }
        // Every enabled scope that is gone at the end was seen disabled by an earlier write.
        const final = observe(w).application!;
        for (const s of initial?.api.oauth2PermissionScopes ?? []) {
          if (!s.isEnabled || final.api.oauth2PermissionScopes.some((x) => x.id === s.id)) continue;
          expect(
            w.history.some((h) => h.after.api?.oauth2PermissionScopes.some((x) => x.id === s.id && !x.isEnabled)),
          ).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  test("members of api the tool does not own survive, and no body carries read-only members", () => {
    fc.assert(
      fc.property(scenario, ([existing, cfg]) => {
        const w = worldOf(existing);
        const known = w.app?.api?.knownClientApplications ?? [];
        const plan = planRegistration(desiredRegistration(cfg), observe(w), ids);
        for (const s of plan.steps)
          expect(JSON.stringify("body" in s ? s.body : {})).not.toMatch(
            /"origin"|"oauth2RequiredPostResponse"|"publisherDomain"/,
          );
        applyToWorld(w, plan.steps);
        expect(w.app!.api!.knownClientApplications).toEqual(known);
        // At most: create, two application writes, one service principal write, one write per consent grant.
        expect(plan.steps.filter((s) => s.op === "patchApplication").length).toBeLessThanOrEqual(2);
      }),
      { numRuns: 300 },
    );
  });
});
