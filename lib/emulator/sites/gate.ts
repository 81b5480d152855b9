import { v1Issuer, v2Issuer } from "../directory.ts";
import { createHash } from "node:crypto";
import type { JWK } from "jose";
import { decodeJwt, signatureValid } from "./jwt.ts";
import { principalOf, type Principal } from "./principal.ts";
import { readAuthSettings, type AadSettings, type AuthSettings } from "./settings.ts";

/**
 * Easy Auth in front of an app, as a pure function of the stored `authsettingsV2` document, the request and the
 * clock: same input, same answer. The steps, in the platform's order (docs/emulator.md, "Data plane"):
 *
 * 1. `platform.enabled` false → the module is off, the request passes with no principal
 *    (overview-authentication-authorization: the module runs only "when it's enabled").
 * 2. `globalValidation.excludedPaths` → passes with no principal (configure-authentication-file-based).
 * 3. Authentication of the bearer token by the Microsoft provider (configure-authentication-provider-aad): no
 *    token, no enabled provider, signature, issuer (`registration.openIdIssuer`), audience (`allowedAudiences` and the
 *    client id, "always implicitly considered to be an allowed audience"), lifetime with 5 minutes of clock skew
 *    (Microsoft.IdentityModel's default `ClockSkew`). A request that fails here is unauthenticated.
 * 4. Unauthenticated: "Allow unauthenticated requests" (`requireAuthentication` false, or the AllowAnonymous
 *    action) defers to the app, with no principal; "Require authentication" answers per
 *    `unauthenticatedClientAction`: Return401, Return403 or RedirectToLoginPage (302)
 *    (overview-authentication-authorization#authorization-behavior).
 * 5. The built-in authorization policy on an authenticated request: `defaultAuthorizationPolicy.allowedApplications`
 *    (`azp`/`appid`), `.allowedPrincipals` (`oid` in `identities` or a `groups` claim in `groups`), and
 *    `jwtClaimChecks`; a request that fails them "is given an HTTP 403 Forbidden response"
 *    (configure-authentication-provider-aad#use-a-built-in-authorization-policy).
 * 6. Passed: the app gets the principal (principal.ts).
 */

/** Microsoft.IdentityModel `TokenValidationParameters.DefaultClockSkew`: 300 seconds. */
export const CLOCK_SKEW_SECONDS = 300;

/** Why a request is unauthenticated (step 3). */
export type Unauthenticated =
  | "no-token"
  | "no-provider"
  | "malformed"
  | "signature"
  | "issuer"
  | "audience"
  | "expired"
  | "not-yet-valid";

export type PolicyRefusal = "allowed-applications" | "allowed-principals" | "jwt-claim-checks";

export type AuthDecision =
  | "platform-disabled"
  | "excluded-path"
  | "anonymous"
  | "passed"
  | Unauthenticated
  | PolicyRefusal;

export interface GateRequest {
  /** The app's canonical host name (`func-x.azurewebsites.net`), whatever the client connected to. */
  host: string;
  path: string;
  /** The query string with its `?`, or "". */
  search: string;
  authorization?: string;
}

export interface GateEnv {
  /** Seconds since the epoch. */
  now: number;
  /** The tenant's signing keys (the emulator Directory's JWKS). */
  jwks: readonly JWK[];
  /** Authority host of sign-in redirects: the emulator's origin (it serves `/{tenant}/oauth2/…`). */
  authority: string;
  /** The emulated tenant, for an issuer the settings leave unset. */
  tenantId: string;
  /** The tenant's own issuers, v1 then v2, of the cloud the emulator impersonates (default: the public cloud's). */
  issuers?: readonly [string, string];
}

const tenantIssuers = (env: GateEnv): readonly [string, string] =>
  env.issuers ?? [v1Issuer(env.tenantId), v2Issuer(env.tenantId)];

export type GateResult =
  | {
      pass: true;
      decision: "platform-disabled" | "excluded-path" | "anonymous" | "passed";
      /** For `anonymous`: why the request was unauthenticated. */
      reason?: Unauthenticated;
      principal?: Principal;
    }
  | {
      pass: false;
      decision: Unauthenticated | PolicyRefusal;
      status: number;
      headers: Record<string, string>;
      body: string;
    };

// The text App Service (IIS) answers with its 401 and 403.
export const DENIED_BODY = "You do not have permission to view this directory or page.";

export function evaluateEasyAuth(document: unknown, req: GateRequest, env: GateEnv): GateResult {
  const s = readAuthSettings(document);
  if (!s.platformEnabled) return { pass: true, decision: "platform-disabled" };
  if (excluded(req.path, s.excludedPaths)) return { pass: true, decision: "excluded-path" };
  const claims = authenticate(req.authorization, s.aad, env);
  if (typeof claims === "string") return unauthenticated(claims, s, req, env);
  const refusal = authorize(claims, s.aad);
  if (refusal) return { pass: false, decision: refusal, status: 403, headers: {}, body: DENIED_BODY };
  return { pass: true, decision: "passed", principal: principalOf(claims) };
}

const trimSlash = (p: string) => p.replace(/\/+$/, "").toLowerCase();

/** An excluded path covers itself and what is below it (`/api/health` covers `/api/health/deep`), in any case. */
function excluded(path: string, paths: string[]): boolean {
  const p = trimSlash(path) || "/";
  return paths.some((x) => {
    const e = trimSlash(x.startsWith("/") ? x : `/${x}`) || "/";
    return p === e || p.startsWith(e === "/" ? "/" : `${e}/`);
  });
}

function bearerToken(authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return m?.[1];
}

const normIssuer = (iss: string) => iss.trim().replace(/\/+$/, "").toLowerCase();

function authenticate(
  authorization: string | undefined,
  aad: AadSettings | undefined,
  env: GateEnv,
): Record<string, unknown> | Unauthenticated {
  const token = bearerToken(authorization);
  if (!token) return "no-token";
  // A bearer token is validated by the provider that issued it; with the Microsoft provider off or without a client
  // id, no provider can: the request stays unauthenticated.
  if (!aad?.enabled || !aad.clientId) return "no-provider";
  const jwt = decodeJwt(token);
  if (!jwt) return "malformed";
  if (!signatureValid(jwt, env.jwks)) return "signature";
  const c = jwt.payload;
  // Without openIdIssuer the emulated tenant's own issuers (v1 and v2) are accepted.
  const issuers = aad.openIdIssuer ? [aad.openIdIssuer] : tenantIssuers(env);
  if (typeof c.iss !== "string" || !issuers.some((i) => normIssuer(i) === normIssuer(c.iss as string))) return "issuer";
  const allowed = [...aad.allowedAudiences, aad.clientId];
  const auds = (Array.isArray(c.aud) ? c.aud : [c.aud]).filter((a): a is string => typeof a === "string");
  if (!auds.some((a) => allowed.includes(a))) return "audience";
  if (typeof c.exp !== "number" || env.now > c.exp + CLOCK_SKEW_SECONDS) return "expired";
  if (typeof c.nbf === "number" && env.now < c.nbf - CLOCK_SKEW_SECONDS) return "not-yet-valid";
  return c;
}

const lower = (xs: string[]) => xs.map((x) => x.toLowerCase());
const strings = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");

function authorize(claims: Record<string, unknown>, aad: AadSettings | undefined): PolicyRefusal | undefined {
  if (!aad) return undefined;
  // "This policy evaluates the appid or azp claim of the incoming token" (v1 tokens carry appid, v2 azp).
  const client = strings(claims.azp ?? claims.appid).map((x) => x.toLowerCase());
  const groups = lower(strings(claims.groups));
  const oid = strings(claims.oid).map((x) => x.toLowerCase());
  const p = aad.policy;
  if (p.allowedApplications.length && !client.some((x) => lower(p.allowedApplications).includes(x)))
    return "allowed-applications";
  // allowedPrincipals is "a logical OR over its configured properties" (identities by oid, groups by groups claim).
  if (p.identities.length || p.groups.length) {
    const byId = oid.some((x) => lower(p.identities).includes(x));
    const byGroup = groups.some((g) => lower(p.groups).includes(g));
    if (!byId && !byGroup) return "allowed-principals";
  }
  const checks = aad.jwtClaimChecks;
  if (
    checks.allowedClientApplications.length &&
    !client.some((x) => lower(checks.allowedClientApplications).includes(x))
  )
    return "jwt-claim-checks";
  if (checks.allowedGroups.length && !groups.some((g) => lower(checks.allowedGroups).includes(g)))
    return "jwt-claim-checks";
  return undefined;
}

function unauthenticated(reason: Unauthenticated, s: AuthSettings, req: GateRequest, env: GateEnv): GateResult {
  if (!s.requireAuthentication || s.action === "AllowAnonymous") return { pass: true, decision: "anonymous", reason };
  if (s.action === "Return403") return { pass: false, decision: reason, status: 403, headers: {}, body: DENIED_BODY };
  const login = loginUrl(s, req, env);
  if (s.action === "Return401") {
    const challenge = [`Bearer realm="${req.host}"`, `authorization_uri="${login.authorize}"`];
    if (s.aad?.clientId) challenge.push(`resource_id="${s.aad.clientId}"`);
    // login.disableWWWAuthenticate: "true if the www-authenticate provider should be omitted from the request".
    const headers: Record<string, string> = s.aad?.disableWWWAuthenticate
      ? {}
      : { "www-authenticate": challenge.join(" ") };
    return { pass: false, decision: reason, status: 401, headers, body: DENIED_BODY };
  }
  return { pass: false, decision: reason, status: 302, headers: { location: login.redirect }, body: "" };
}

/**
 * Where RedirectToLoginPage sends a browser: with the Microsoft provider, straight to the authority's authorize
 * endpoint (hybrid flow, `response_mode=form_post`, the callback `/.auth/login/aad/callback`, the return path in
 * `state`), `loginParameters` added; with another default provider (`redirectToProvider`), to its
 * `/.auth/login/{provider}` route (overview-authentication-authorization, "Authentication flow").
 */
function loginUrl(s: AuthSettings, req: GateRequest, env: GateEnv): { authorize: string; redirect: string } {
  const issuer = s.aad?.openIdIssuer ?? tenantIssuers(env)[1];
  const tenant = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.exec(issuer)?.[0] ?? env.tenantId;
  const v2 = /\/v2\.0\/?$/i.test(issuer);
  const authorize = `${env.authority}/${tenant}/oauth2/${v2 ? "v2.0/" : ""}authorize`;
  const returnTo = req.path + req.search;
  const provider = s.redirectToProvider?.toLowerCase();
  if (!s.aad?.enabled || !s.aad.clientId || (provider && provider !== "azureactivedirectory" && provider !== "aad")) {
    const q = new URLSearchParams({ post_login_redirect_uri: returnTo });
    return { authorize, redirect: `https://${req.host}/.auth/login/${provider ?? "aad"}?${q}` };
  }
  const q = new URLSearchParams({
    response_type: "code id_token",
    redirect_uri: `https://${req.host}/.auth/login/aad/callback`,
    client_id: s.aad.clientId,
    scope: "openid profile email",
    response_mode: "form_post",
    // Derived from the request so the gate stays a function of its input; the platform's is random.
    nonce: createHash("sha256").update(`${req.host}|${returnTo}|${env.now}`).digest("hex").slice(0, 32),
    state: `redir=${returnTo}`,
  });
  for (const p of s.aad.loginParameters) {
    const i = p.indexOf("=");
    if (i > 0) q.set(p.slice(0, i).trim(), p.slice(i + 1).trim());
  }
  return { authorize, redirect: `${authorize}?${q}` };
}
