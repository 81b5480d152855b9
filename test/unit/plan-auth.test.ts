import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ownedFields } from "../../lib/resources/auth/owned-fields.ts";
import { planAuth, prerequisiteWarnings, unpersistedFields } from "../../lib/resources/auth/plan.ts";
import { parseAuth, type AuthConfigInput } from "../../lib/resources/auth/schema.ts";
import { getPath } from "../../lib/azure/json.ts";

const TENANT = "7e3a0f1c-5b2d-4c8e-9a61-0d4f2b8c6e11";
const CLIENT = "4b2d6f8a-1c3e-4a5b-9d7f-0e2c4a6b8d10";
const ctx = { tenantId: TENANT, clientId: CLIENT, tokenVersion: 2 as const };
const auth = (a: AuthConfigInput) => parseAuth(a);

describe("planAuth", () => {
  test("issuer follows the token version; v2 audiences include the bare client id", () => {
    const cfg = auth({ azureActiveDirectory: { clientId: CLIENT, allowedAudiences: ["api://{appId}"] } });
    const v2 = planAuth({}, cfg, ctx).desired;
    expect(getPath(v2, ["identityProviders", "azureActiveDirectory", "registration", "openIdIssuer"])).toBe(
      `https://login.microsoftonline.com/${TENANT}/v2.0`,
    );
    expect(getPath(v2, ["identityProviders", "azureActiveDirectory", "validation", "allowedAudiences"])).toEqual([
      `api://${CLIENT}`,
      CLIENT,
    ]);
    const v1 = planAuth({}, cfg, { ...ctx, tokenVersion: 1 }).desired;
    expect(getPath(v1, ["identityProviders", "azureActiveDirectory", "registration", "openIdIssuer"])).toBe(
      `https://sts.windows.net/${TENANT}/`,
    );
    expect(getPath(v1, ["identityProviders", "azureActiveDirectory", "validation", "allowedAudiences"])).toEqual([
      `api://${CLIENT}`,
    ]);
  });

  test("include keeps other list values; exact removes them and the plan shows a removal", () => {
    const observed = { globalValidation: { excludedPaths: ["/old", "/api/health"] } };
    const include = planAuth(observed, auth({ excludedPaths: ["/api/health", "/api/ping"] }), ctx);
    expect(getPath(include.desired, ["globalValidation", "excludedPaths"])).toEqual([
      "/old",
      "/api/health",
      "/api/ping",
    ]);
    const exact = planAuth(observed, auth({ excludedPaths: { mode: "exact", values: ["/api/health"] } }), ctx);
    expect(getPath(exact.desired, ["globalValidation", "excludedPaths"])).toEqual(["/api/health"]);
    expect(exact.changes.find((c) => c.field === "globalValidation.excludedPaths")?.kind).toBe("remove");
  });

  test("only configured fields are owned; unknown fields and other providers are carried over", () => {
    const observed = {
      futureSection: { a: 1 },
      identityProviders: {
        customOpenIdConnectProviders: { okta: { enabled: true } },
        azureActiveDirectory: { isAutoProvisioned: true, futureField: "x" },
      },
    };
    const { desired, changes } = planAuth(observed, auth({ unauthenticatedClientAction: "Return401" }), ctx);
    expect(desired).toMatchObject(observed);
    expect(changes.map((c) => c.field).sort()).toEqual([
      "globalValidation.unauthenticatedClientAction",
      "platform.enabled",
    ]);
    expect(changes.every((c) => c.security)).toBe(true);
  });

  test("user_impersonation prerequisites and one-audience rule are reported", () => {
    const w = prerequisiteWarnings({
      identityProviders: {
        azureActiveDirectory: {
          enabled: true,
          login: { loginParameters: ["scope=openid https://management.azure.com/user_impersonation User.Read"] },
        },
      },
    });
    expect(w.join("\n")).toMatch(/one audience/);
    expect(w.join("\n")).toMatch(/token store is off/);
    expect(w.join("\n")).toMatch(/clientSecretSettingName/);
  });

  test("verification names every owned field the service did not keep", () => {
    const cfg = auth({ requireAuthentication: true, tokenStore: true });
    const { desired, ownedPaths } = planAuth({}, cfg, ctx);
    const reread = structuredClone(desired) as Record<string, unknown>;
    delete (reread.login as Record<string, unknown>).tokenStore;
    expect(unpersistedFields(desired, reread, ownedPaths)).toEqual(["login.tokenStore.enabled"]);
  });
});

// Arbitrary documents with unknown fields, and arbitrary configs.
const str = fc.constantFrom("a", "b", "/x", "/api/health", "api://{appId}", CLIENT, "c-d");
const list = fc.array(str, { maxLength: 4 });
const policy = fc.oneof(list, fc.record({ mode: fc.constantFrom("include" as const, "exact" as const), values: list }));
const configArb = fc.record(
  {
    enabled: fc.boolean(),
    requireAuthentication: fc.boolean(),
    unauthenticatedClientAction: fc.constantFrom(
      "Return401" as const,
      "Return403" as const,
      "RedirectToLoginPage" as const,
      "AllowAnonymous" as const,
    ),
    excludedPaths: policy,
    tokenStore: fc.boolean(),
    requireHttps: fc.boolean(),
    azureActiveDirectory: fc.record(
      {
        enabled: fc.boolean(),
        clientId: fc.constant(CLIENT),
        clientSecretSettingName: fc.constantFrom("MICROSOFT_PROVIDER_AUTHENTICATION_SECRET", "S2"),
        loginParameters: fc.array(
          fc.constantFrom(
            "scope=openid",
            "scope=email https://management.azure.com/user_impersonation",
            "response_type=code id_token",
            "prompt=login",
          ),
          { maxLength: 3 },
        ),
        allowedAudiences: policy,
        allowedApplications: policy,
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);
const jsonLeaf = fc.oneof(fc.boolean(), fc.integer(), fc.string({ maxLength: 5 }), list);
const docArb = fc.record(
  {
    platform: fc.record(
      { enabled: fc.boolean(), runtimeVersion: fc.constant("~1"), futureFlag: jsonLeaf },
      { requiredKeys: [] },
    ),
    globalValidation: fc.record(
      { requireAuthentication: fc.boolean(), excludedPaths: list, redirectToProvider: fc.constant("aad") },
      { requiredKeys: [] },
    ),
    identityProviders: fc.record(
      {
        azureActiveDirectory: fc.record(
          {
            enabled: fc.boolean(),
            registration: fc.record(
              { clientId: str, openIdIssuer: str, futureRegistrationField: jsonLeaf },
              { requiredKeys: [] },
            ),
            login: fc.record(
              {
                loginParameters: fc.array(
                  fc.constantFrom("scope=openid email", "response_type=code", "prompt=consent"),
                  { maxLength: 3 },
                ),
                disableWWWAuthenticate: fc.boolean(),
              },
              { requiredKeys: [] },
            ),
            validation: fc.record({ allowedAudiences: list, jwtClaimChecks: fc.constant({}) }, { requiredKeys: [] }),
          },
          { requiredKeys: [] },
        ),
        futureProvider: fc.dictionary(fc.constantFrom("k1", "k2"), jsonLeaf),
      },
      { requiredKeys: [] },
    ),
    login: fc.record(
      {
        tokenStore: fc.record(
          { enabled: fc.boolean(), tokenRefreshExtensionHours: fc.integer() },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
    futureTopLevelSection: fc.dictionary(fc.string({ maxLength: 3 }), jsonLeaf),
  },
  { requiredKeys: [] },
);

describe("planAuth properties", () => {
  test("applying a plan and planning again gives an empty plan", () => {
    fc.assert(
      fc.property(docArb, configArb, fc.constantFrom(1 as const, 2 as const), (doc, cfgIn, tokenVersion) => {
        const cfg = parseAuth(cfgIn);
        const c = { ...ctx, tokenVersion };
        const first = planAuth(doc, cfg, c);
        const second = planAuth(first.desired, cfg, c);
        expect(second.changes).toEqual([]);
      }),
    );
  });

  test("fields outside the owned set are untouched", () => {
    fc.assert(
      fc.property(docArb, configArb, (doc, cfgIn) => {
        const cfg = parseAuth(cfgIn);
        const { desired } = planAuth(doc, cfg, ctx);
        const owned = ownedFields(cfg, ctx).map((f) => f.path.join("."));
        const strip = (o: unknown, prefix = ""): unknown => {
          if (typeof o !== "object" || o === null || Array.isArray(o)) return o;
          const out: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(o)) {
            const p = prefix ? `${prefix}.${k}` : k;
            if (owned.includes(p)) continue;
            const s = strip(v, p);
            // Empty objects are pruned on both sides: the planner may create parents to hold an owned field.
            if (typeof s === "object" && s !== null && !Array.isArray(s) && Object.keys(s).length === 0) continue;
            out[k] = s;
          }
          return out;
        };
        expect(strip(desired)).toEqual(strip(doc));
      }),
    );
  });

  test("an existing loginParameters key or scope is never lost", () => {
    fc.assert(
      fc.property(docArb, configArb, (doc, cfgIn) => {
        const cfg = parseAuth(cfgIn);
        const { desired } = planAuth(doc, cfg, ctx);
        const before =
          (getPath(doc, ["identityProviders", "azureActiveDirectory", "login", "loginParameters"]) as
            | string[]
            | undefined) ?? [];
        const after =
          (getPath(desired, ["identityProviders", "azureActiveDirectory", "login", "loginParameters"]) as
            | string[]
            | undefined) ?? [];
        const scopes = (l: string[]) =>
          l
            .filter((e) => e.startsWith("scope="))
            .flatMap((e) => e.slice(6).split(" "))
            .filter(Boolean);
        for (const s of scopes(before)) expect(scopes(after)).toContain(s);
        for (const e of before.filter((x) => !x.startsWith("scope=")))
          expect(after.map((a) => a.split("=")[0])).toContain(e.split("=")[0]);
      }),
    );
  });
});
