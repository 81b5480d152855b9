import { describe, expect, test } from "vitest";
import type { StepId } from "../../lib/audit/explain/model.ts";
import { readEasyAuthSettings } from "../../lib/audit/explain/settings.ts";
import { readToken } from "../../lib/audit/explain/token.ts";
import { excludedBy, functionOf, type SignatureCheck, type WalkInput, walk } from "../../lib/audit/explain/walk.ts";

// The decision, step by step, as a pure function: each step fires on a case that has the problem and passes on one
// that does not.

const TENANT = "11111111-2222-4333-8444-555555555555";
const API = "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c";
const CALLER = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9";
const V2 = `https://login.microsoftonline.com/${TENANT}/v2.0`;
const V1 = `https://sts.windows.net/${TENANT}/`;
const NOW = 1_800_000_000;

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
const jwt = (claims: Record<string, unknown>, header: Record<string, unknown> = { alg: "RS256", kid: "k1" }) =>
  `${b64(header)}.${b64(claims)}.c2lnbmF0dXJl`;
const CLAIMS = { iss: V2, aud: API, azp: CALLER, scp: "Greeting.Read", exp: NOW + 3600, nbf: NOW - 60, ver: "2.0" };

type Doc = Record<string, unknown>;
function doc(o: { gv?: Doc; platform?: Doc; aad?: Doc; validation?: Doc; issuer?: string | null } = {}): Doc {
  return {
    platform: { enabled: true, ...o.platform },
    globalValidation: { requireAuthentication: true, unauthenticatedClientAction: "Return401", ...o.gv },
    identityProviders: {
      azureActiveDirectory: {
        enabled: true,
        registration: { clientId: API, ...(o.issuer === null ? {} : { openIdIssuer: o.issuer ?? V2 }) },
        validation: { allowedAudiences: [`api://${API}`], ...o.validation },
        ...o.aad,
      },
    },
  };
}

const VALID: SignatureCheck = { status: "valid", detail: "RS256, key k1" };
function run(o: {
  doc?: Doc;
  claims?: Record<string, unknown>;
  token?: string;
  signature?: SignatureCheck;
  path?: string;
  functions?: WalkInput["functions"];
}) {
  return walk({
    settings: readEasyAuthSettings(o.doc ?? doc()),
    reading: readToken(o.token ?? jwt({ ...CLAIMS, ...o.claims })),
    signature: o.signature ?? VALID,
    path: o.path ?? "/api/greeting",
    now: NOW,
    tenantIssuers: [V1, V2],
    functions: o.functions ?? { greeting: { scopes: ["Greeting.Read"], roles: ["Greeting.Call"] } },
    configPath: "apps[0].auth",
  });
}
const verdict = (r: ReturnType<typeof run>) => [r.verdict.status, r.verdict.decidedBy];
const step = (r: ReturnType<typeof run>, id: StepId) => r.steps.find((s) => s.id === id);

describe("the walk, step by step", () => {
  test("a valid token with the scope: every step passes, 200", () => {
    const r = run({});
    expect(verdict(r)).toEqual([200, "function-requirement"]);
    expect(r.steps.map((s) => s.id)).toEqual([
      "platform",
      "excluded-path",
      "provider",
      "signature",
      "issuer",
      "audience",
      "lifetime",
      "allowed-applications",
      "allowed-principals",
      "claim-checks",
      "function-requirement",
    ]);
    expect(r.steps.every((s) => s.status === "pass")).toBe(true);
  });

  test("platform off: no caller reaches the function (403), and a function without a requirement answers 200", () => {
    const off = doc({ platform: { enabled: false } });
    expect(verdict(run({ doc: off }))).toEqual([403, "function-requirement"]);
    expect(step(run({ doc: off }), "platform")?.fix).toMatch(/apps\[0\]\.auth\.enabled: true/);
    expect(verdict(run({ doc: off, path: "/api/whoami" }))).toEqual([200, "platform"]);
  });

  test("excluded path: the path and below it, in any case; other paths are not", () => {
    expect(excludedBy("/api/Health/deep", ["/api/health"])).toBe("/api/health");
    expect(excludedBy("/api/healthz", ["/api/health"])).toBeUndefined();
    const d = doc({ gv: { excludedPaths: ["/api/whoami"] } });
    expect(verdict(run({ doc: d, path: "/api/whoami/" }))).toEqual([200, "excluded-path"]);
    expect(step(run({ doc: d }), "excluded-path")?.status).toBe("pass");
  });

  test("provider: disabled or without a client id, the token is not validated", () => {
    expect(verdict(run({ doc: doc({ aad: { enabled: false } }) }))).toEqual([401, "provider"]);
    expect(step(run({}), "provider")?.status).toBe("pass");
  });

  test("signature: invalid fails; unverified (keys unreachable) is said and not held against the token", () => {
    expect(verdict(run({ signature: { status: "invalid", detail: "no key" } }))).toEqual([401, "signature"]);
    const r = run({ signature: { status: "unverified", detail: "keys unreachable" } });
    expect(step(r, "signature")?.status).toBe("skip");
    expect(r.verdict.status).toBe(200);
    expect(verdict(run({ token: jwt(CLAIMS, { alg: "none" }) }))).toEqual([401, "signature"]);
  });

  test("issuer: a v1 token on a v2 config and the reverse; unset accepts either of the tenant's", () => {
    const v1 = run({ claims: { iss: V1, ver: "1.0" } });
    expect(verdict(v1)).toEqual([401, "issuer"]);
    expect(step(v1, "issuer")?.fix).toMatch(/tokenVersion/);
    expect(verdict(run({ doc: doc({ issuer: V1 }) }))).toEqual([401, "issuer"]);
    expect(verdict(run({ doc: doc({ issuer: `${V1.toUpperCase()}` }), claims: { iss: V1 } }))).toEqual([
      200,
      "function-requirement",
    ]);
    expect(verdict(run({ doc: doc({ issuer: null }), claims: { iss: V1 } }))[0]).toBe(200);
  });

  test("audience: the client id is implicit, api:// counts only when listed", () => {
    const r = run({ claims: { aud: "https://graph.microsoft.com" } });
    expect(verdict(r)).toEqual([401, "audience"]);
    expect(step(r, "audience")?.fix).toMatch(/allowedAudiences/);
    expect(verdict(run({ claims: { aud: `api://${API}` } }))[0]).toBe(200);
    expect(
      verdict(run({ doc: doc({ validation: { allowedAudiences: [] } }), claims: { aud: `api://${API}` } })),
    ).toEqual([401, "audience"]);
  });

  test("lifetime: 5 minutes of skew either way; no exp is expired", () => {
    expect(verdict(run({ claims: { exp: NOW - 301 } }))).toEqual([401, "lifetime"]);
    expect(verdict(run({ claims: { exp: NOW - 299 } }))[0]).toBe(200);
    expect(verdict(run({ claims: { nbf: NOW + 301 } }))).toEqual([401, "lifetime"]);
    expect(verdict(run({ claims: { nbf: NOW + 299 } }))[0]).toBe(200);
    expect(verdict(run({ claims: { exp: undefined } }))).toEqual([401, "lifetime"]);
  });

  test("unauthenticated action: Return401, Return403, the default redirect, or allowed through with no caller", () => {
    const bad = { aud: "other" };
    expect(verdict(run({ doc: doc({ gv: { unauthenticatedClientAction: "Return403" } }), claims: bad }))).toEqual([
      403,
      "audience",
    ]);
    const redirect = run({ doc: doc({ gv: { unauthenticatedClientAction: undefined } }), claims: bad });
    expect(verdict(redirect)).toEqual([302, "audience"]);
    expect(step(redirect, "unauthenticated-action")?.fix).toMatch(/Return401/);
    const anon = doc({ gv: { requireAuthentication: false } });
    expect(verdict(run({ doc: anon, claims: bad }))).toEqual([403, "function-requirement"]);
    expect(verdict(run({ doc: anon, claims: bad, path: "/api/whoami" }))).toEqual([200, "unauthenticated-action"]);
    // requireAuthentication unset follows the action
    expect(
      verdict(
        run({
          doc: doc({ gv: { requireAuthentication: undefined, unauthenticatedClientAction: "AllowAnonymous" } }),
          claims: bad,
          path: "/",
        }),
      )[0],
    ).toBe(200);
  });

  test("allowedApplications: azp (v2) or appid (v1), case-insensitive", () => {
    const d = doc({ validation: { defaultAuthorizationPolicy: { allowedApplications: [CALLER.toUpperCase()] } } });
    expect(verdict(run({ doc: d }))[0]).toBe(200);
    expect(verdict(run({ doc: d, claims: { azp: undefined, appid: CALLER } }))[0]).toBe(200);
    const r = run({ doc: d, claims: { azp: "someone-else" } });
    expect(verdict(r)).toEqual([403, "allowed-applications"]);
    expect(step(r, "allowed-applications")?.fix).toMatch(/apps\[0\]\.auth\.azureActiveDirectory\.allowedApplications/);
  });

  test("allowedPrincipals: oid in identities OR a group in groups", () => {
    const d = doc({
      validation: { defaultAuthorizationPolicy: { allowedPrincipals: { identities: ["u1"], groups: ["g1"] } } },
    });
    expect(verdict(run({ doc: d, claims: { oid: "u1" } }))[0]).toBe(200);
    expect(verdict(run({ doc: d, claims: { oid: "u2", groups: ["g1"] } }))[0]).toBe(200);
    expect(verdict(run({ doc: d, claims: { oid: "u2" } }))).toEqual([403, "allowed-principals"]);
  });

  test("jwtClaimChecks: allowedClientApplications and allowedGroups", () => {
    const clients = doc({ validation: { jwtClaimChecks: { allowedClientApplications: [CALLER] } } });
    expect(verdict(run({ doc: clients }))[0]).toBe(200);
    expect(verdict(run({ doc: clients, claims: { azp: "x" } }))).toEqual([403, "claim-checks"]);
    const groups = doc({ validation: { jwtClaimChecks: { allowedGroups: ["g1"] } } });
    expect(verdict(run({ doc: groups, claims: { groups: ["g1"] } }))[0]).toBe(200);
    expect(verdict(run({ doc: groups }))).toEqual([403, "claim-checks"]);
  });

  test("the function's requirement: any declared scope or role; undeclared functions are the code's business", () => {
    expect(verdict(run({ claims: { scp: "User.Read" } }))).toEqual([403, "function-requirement"]);
    expect(verdict(run({ claims: { scp: undefined, roles: ["Greeting.Call"] } }))[0]).toBe(200);
    expect(verdict(run({ claims: { scp: "a Greeting.Read b" } }))[0]).toBe(200);
    expect(verdict(run({ claims: { scp: "User.Read" }, functions: {} }))).toEqual([200, "function-requirement"]);
    expect(functionOf("/api/Greeting/")).toBe("greeting");
    expect(functionOf("/admin/host/status")).toBeUndefined();
  });

  test("the claims shown are the non-secret ones only", () => {
    const r = run({ claims: { name: "Jane Doe", upn: "jane@example.com", nonce: "n" } });
    expect(Object.keys(r.claims).sort()).toEqual(["aud", "azp", "exp", "iss", "nbf", "scp", "ver"]);
    expect(JSON.stringify(r)).not.toContain("jane@example.com");
  });
});
