import fc from "fast-check";
import { decodeJwt as peek, exportJWK, generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, test } from "vitest";
import { Directory } from "../../lib/emulator/directory.ts";
import { CLOCK_SKEW_SECONDS, evaluateEasyAuth, type GateEnv, type GateRequest } from "../../lib/emulator/sites/gate.ts";
import { clientApp } from "./data-plane-client.ts";

// The Easy Auth gate as a pure function: tokens signed by a test Directory (the tenant's JWKS) and by a foreign key.

const TENANT = "11111111-2222-4333-8444-555555555555";
const API = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const CALLER = clientApp("cccccccc-0000-4000-8000-000000000001", "dddddddd-0000-4000-8000-000000000001");
const V1 = `https://sts.windows.net/${TENANT}/`;
const V2 = `https://login.microsoftonline.com/${TENANT}/v2.0`;

let dir: Directory;
let foreignKey: CryptoKey;
beforeAll(async () => {
  dir = await Directory.create(TENANT);
  foreignKey = (await generateKeyPair("RS256")).privateKey as CryptoKey;
});

const env = (now = Math.floor(Date.now() / 1000)): GateEnv => ({
  now,
  jwks: [dir.publicJwk],
  authority: "https://127.0.0.1:1",
  tenantId: TENANT,
});
const req = (authorization?: string, path = "/api/greeting"): GateRequest => ({
  host: "func-x.azurewebsites.net",
  path,
  search: "",
  authorization: authorization && `Bearer ${authorization}`,
});
const base = (over: Record<string, unknown> = {}) => ({
  platform: { enabled: true },
  globalValidation: { requireAuthentication: true, unauthenticatedClientAction: "Return401" },
  identityProviders: {
    azureActiveDirectory: {
      enabled: true,
      registration: { clientId: API, openIdIssuer: V2 },
      validation: { allowedAudiences: [`api://${API}`] },
      ...over,
    },
  },
});
const token = async (audience = API, version: 1 | 2 = 2, claims: Record<string, unknown> = {}) =>
  (await dir.issueAccessToken(CALLER, { audience, version }, claims)).token;

describe("the gate's steps", () => {
  test("passes a valid token with its principal", async () => {
    const r = evaluateEasyAuth(base(), req(await token(API, 2, { name: "Ada" })), env());
    expect(r).toMatchObject({ pass: true, decision: "passed", principal: { id: CALLER.objectId, name: "Ada" } });
  });

  test("not yet valid beyond the skew, valid within it", async () => {
    const t = await token();
    const nbf = peek(t).nbf!;
    expect(evaluateEasyAuth(base(), req(t), env(nbf - CLOCK_SKEW_SECONDS - 1)).decision).toBe("not-yet-valid");
    expect(evaluateEasyAuth(base(), req(t), env(nbf - CLOCK_SKEW_SECONDS + 1)).decision).toBe("passed");
  });

  test("expired beyond the skew, valid within it", async () => {
    const t = await token();
    const exp = peek(t).exp!;
    expect(evaluateEasyAuth(base(), req(t), env(exp + CLOCK_SKEW_SECONDS + 1)).decision).toBe("expired");
    expect(evaluateEasyAuth(base(), req(t), env(exp + CLOCK_SKEW_SECONDS - 1)).decision).toBe("passed");
  });

  test("a token without exp is refused; garbage is malformed", async () => {
    const own = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(own.publicKey)), kid: "k1" };
    const noExp = await new SignJWT({ aud: API, iss: V2 })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .sign(own.privateKey);
    expect(evaluateEasyAuth(base(), req(noExp), { ...env(), jwks: [jwk] }).decision).toBe("expired");
    expect(evaluateEasyAuth(base(), req("not.a-jwt"), env()).decision).toBe("malformed");
  });

  test("an unset openIdIssuer accepts the tenant's v1 and v2 issuers", async () => {
    const doc = base({ registration: { clientId: API } });
    expect(evaluateEasyAuth(doc, req(await token(API, 1)), env()).decision).toBe("passed");
    expect(evaluateEasyAuth(doc, req(await token(API, 2)), env()).decision).toBe("passed");
  });

  test("RedirectToLoginPage with another default provider goes to its /.auth/login route", () => {
    const doc = base();
    doc.globalValidation = {
      requireAuthentication: true,
      unauthenticatedClientAction: "RedirectToLoginPage",
      redirectToProvider: "okta",
    } as typeof doc.globalValidation;
    const r = evaluateEasyAuth(doc, req(undefined, "/x"), env());
    expect(r).toMatchObject({ pass: false, status: 302 });
    expect(!r.pass && r.headers.location).toBe(
      "https://func-x.azurewebsites.net/.auth/login/okta?post_login_redirect_uri=%2Fx",
    );
  });

  test("an excluded path covers what is below it, not a sibling prefix", () => {
    const doc = base();
    (doc.globalValidation as Record<string, unknown>).excludedPaths = ["/api/public"];
    expect(evaluateEasyAuth(doc, req(undefined, "/api/public/x"), env()).decision).toBe("excluded-path");
    expect(evaluateEasyAuth(doc, req(undefined, "/api/publicity"), env()).decision).toBe("no-token");
  });
});

// ---- property: stable, and never a principal for an unsigned, foreign-signed, expired or wrong-audience token ----

const ACTIONS = ["Return401", "Return403", "RedirectToLoginPage", "AllowAnonymous", "Bogus", undefined];
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const settingsArb = fc.record({
  platform: fc.record({ enabled: fc.oneof(fc.boolean(), fc.constant(undefined)) }),
  globalValidation: fc.record({
    requireAuthentication: maybe(fc.boolean()),
    unauthenticatedClientAction: fc.constantFrom(...ACTIONS),
    excludedPaths: fc.subarray(["/api/health", "/api/greeting/x", "/"]),
  }),
  identityProviders: fc.record({
    azureActiveDirectory: fc.record({
      enabled: maybe(fc.boolean()),
      registration: fc.record({
        clientId: fc.constantFrom(API, undefined),
        openIdIssuer: fc.constantFrom(V1, V2, `${V2}/`, V1.slice(0, -1), undefined),
      }),
      validation: fc.record({
        allowedAudiences: fc.subarray([`api://${API}`, API, "https://other"]),
        defaultAuthorizationPolicy: fc.record({
          allowedApplications: fc.subarray([CALLER.clientId, "someone-else"]),
          allowedPrincipals: fc.record({
            identities: fc.subarray([CALLER.objectId, "x"]),
            groups: fc.subarray(["g1"]),
          }),
        }),
      }),
    }),
  }),
});

const claimsArb = fc.record({
  scp: maybe(fc.constantFrom("Greeting.Read", "User.Read Greeting.Read", "")),
  roles: maybe(fc.subarray(["Greeting.Call", "Other"])),
  groups: maybe(fc.subarray(["g1", "g2"])),
  name: maybe(fc.string({ maxLength: 8 })),
});

type Bad = "unsigned" | "foreign" | "expired" | "audience";

async function badToken(kind: Bad, version: 1 | 2, claims: Record<string, unknown>) {
  const now = Math.floor(Date.now() / 1000);
  if (kind === "audience") return { token: await token("api://not-this-app", version, claims), now };
  const valid = await token(API, version, claims);
  if (kind === "expired") return { token: valid, now: peek(valid).exp! + CLOCK_SKEW_SECONDS + 1 + (now % 5000) };
  const payload = peek(valid);
  if (kind === "unsigned") {
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT", kid: dir.kid })).toString("base64url");
    return { token: `${header}.${valid.split(".")[1]}.`, now };
  }
  const forged = await new SignJWT(payload).setProtectedHeader({ alg: "RS256", kid: dir.kid }).sign(foreignKey);
  return { token: forged, now };
}

describe("property", () => {
  test("the gate's answer is stable and never lets a bad token through with a principal", async () => {
    await fc.assert(
      fc.asyncProperty(
        settingsArb,
        claimsArb,
        fc.constantFrom<Bad>("unsigned", "foreign", "expired", "audience"),
        fc.constantFrom<1 | 2>(1, 2),
        fc.constantFrom("/api/greeting", "/api/health", "/admin/host/status"),
        async (settings, claims, kind, version, path) => {
          const { token: t, now } = await badToken(kind, version, claims);
          const r = evaluateEasyAuth(settings, req(t, path), env(now));
          expect(evaluateEasyAuth(structuredClone(settings), req(t, path), env(now))).toEqual(r);
          expect(r.decision).not.toBe("passed");
          expect(r.pass && r.principal).toBeFalsy();
          // a refusal is an error status or the login redirect, never a 2xx
          if (!r.pass) expect([302, 401, 403]).toContain(r.status);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("the same settings let a good token through (the property is not vacuous)", async () => {
    await fc.assert(
      fc.asyncProperty(claimsArb, fc.constantFrom<1 | 2>(1, 2), async (claims, version) => {
        const doc = base({ registration: { clientId: API, openIdIssuer: version === 1 ? V1 : V2 } });
        const r = evaluateEasyAuth(doc, req(await token(`api://${API}`, version, claims)), env());
        expect(r).toMatchObject({ pass: true, decision: "passed" });
        expect(evaluateEasyAuth(doc, req(await token(`api://${API}`, version, claims)), env()).decision).toBe("passed");
      }),
      { numRuns: 50 },
    );
  });
});
