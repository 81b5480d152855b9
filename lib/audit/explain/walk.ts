import type { Explanation, Step, StepId, Verdict } from "./model.ts";
import type { EasyAuthSettings } from "./settings.ts";
import { safeClaims, type TokenReading } from "./token.ts";

/**
 * The decision Easy Auth and then the function make for one bearer request, as a pure function of the stored
 * authsettingsV2, the token, its signature check and the clock, in the platform's order:
 *
 * 1. `platform.enabled` not true: the module is off, the request reaches the app with no caller
 *    (https://learn.microsoft.com/azure/app-service/overview-authentication-authorization: it runs "when it's enabled").
 * 2. `globalValidation.excludedPaths`: the path (or one below it) passes with no caller
 *    (https://learn.microsoft.com/azure/app-service/configure-authentication-file-based).
 * 3. The Microsoft provider authenticates the token: provider enabled with a client id, signature by the issuer's
 *    keys, `iss` = `registration.openIdIssuer`, `aud` in `validation.allowedAudiences` or the client id ("always
 *    implicitly considered to be an allowed audience"), `exp`/`nbf` with Microsoft.IdentityModel's 5-minute clock
 *    skew (https://learn.microsoft.com/azure/app-service/configure-authentication-provider-aad).
 * 4. Unauthenticated: "Allow unauthenticated requests" defers to the app with no caller; "Require authentication"
 *    answers per `unauthenticatedClientAction`: 401, 403 or a 302 to the login page
 *    (https://learn.microsoft.com/azure/app-service/overview-authentication-authorization#authorization-behavior).
 * 5. The built-in authorization policy: `allowedApplications` (`azp`/`appid`), `allowedPrincipals` (`oid` or
 *    `groups`, a logical OR), `jwtClaimChecks`; failing them "is given an HTTP 403 Forbidden response"
 *    (https://learn.microsoft.com/azure/app-service/configure-authentication-provider-aad#use-a-built-in-authorization-policy).
 * 6. The function's own check of `scp`/`roles`, where the config declares one (`apps[].auth.functions`): Easy Auth
 *    does not check roles, the code does.
 */

/** Microsoft.IdentityModel `TokenValidationParameters.DefaultClockSkew`: 300 seconds. */
export const CLOCK_SKEW_SECONDS = 300;

export type SignatureCheck =
  | { status: "valid"; detail: string }
  | { status: "invalid"; detail: string }
  /** The issuer's keys could not be read: the walk goes on as if the signature were valid, and says so. */
  | { status: "unverified"; detail: string };

export interface FunctionRequirement {
  scopes?: string[];
  roles?: string[];
}

export interface WalkInput {
  settings: EasyAuthSettings;
  reading: TokenReading;
  signature: SignatureCheck;
  /** The request path (`/api/greeting`). */
  path: string;
  /** Seconds since the epoch. */
  now: number;
  /** The tenant's own issuers (v1, v2) of the run's cloud: accepted when `openIdIssuer` is unset. */
  tenantIssuers: readonly [string, string];
  /** `apps[].auth.functions` of the app, by function name. */
  functions?: Readonly<Record<string, FunctionRequirement>>;
  /** Where the fixes point: `apps[3].auth` (undefined without a config). */
  configPath?: string;
}

const AAD = "identityProviders.azureActiveDirectory";
const trimSlash = (p: string) => p.replace(/\/+$/, "").toLowerCase();
const normIssuer = (iss: string) => iss.trim().replace(/\/+$/, "").toLowerCase();
const lower = (xs: readonly string[]) => xs.map((x) => x.toLowerCase());
const strings = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");
const shown = (xs: readonly string[]) => (xs.length ? xs.map((x) => `'${x}'`).join(", ") : "(none)");
const when = (s: number) => new Date(s * 1000).toISOString();

/** An excluded path covers itself and what is below it, in any case, trailing slash ignored. */
export function excludedBy(path: string, paths: readonly string[]): string | undefined {
  const p = trimSlash(path) || "/";
  return paths.find((x) => {
    const e = trimSlash(x.startsWith("/") ? x : `/${x}`) || "/";
    return p === e || p.startsWith(e === "/" ? "/" : `${e}/`);
  });
}

/** `/api/{name}` names a function (the default `api` route prefix). */
export function functionOf(path: string): string | undefined {
  const m = /^\/api\/([^/?#]+)\/*$/i.exec(path);
  return m ? decodeURIComponent(m[1]!).toLowerCase() : undefined;
}

export function walk(input: WalkInput): Explanation {
  const { settings: s, reading } = input;
  const steps: Step[] = [];
  const cfg = (field: string) => (input.configPath ? `${input.configPath}.${field}` : `auth.${field}`);
  const add = (step: Step) => steps.push(step);
  const header = reading.ok
    ? {
        ...(typeof reading.token.header.alg === "string" ? { alg: reading.token.header.alg } : {}),
        ...(typeof reading.token.header.kid === "string" ? { kid: reading.token.header.kid } : {}),
        ...(typeof reading.token.header.typ === "string" ? { typ: reading.token.header.typ } : {}),
      }
    : {};
  const claims = reading.ok ? safeClaims(reading.token.payload) : {};
  const done = (verdict: Verdict): Explanation => ({ header, claims, steps, verdict });

  // 1. platform
  if (!s.platformEnabled) {
    add({
      id: "platform",
      title: "App Service Authentication is off",
      status: "skip",
      setting: "platform.enabled",
      detail: "not true: Easy Auth does not run; the request reaches the app with no caller",
      fix: `Set ${cfg("enabled")}: true and run configure-auth.`,
    });
    return callerStep(input, steps, undefined, "platform", done);
  }
  add({
    id: "platform",
    title: "App Service Authentication is on",
    status: "pass",
    setting: "platform.enabled",
    detail: "true",
  });

  // 2. excluded path
  const excluded = excludedBy(input.path, s.excludedPaths);
  if (excluded) {
    add({
      id: "excluded-path",
      title: `${input.path} is an excluded path`,
      status: "skip",
      setting: "globalValidation.excludedPaths",
      detail: `'${excluded}' covers it: Easy Auth lets it through unauthenticated, with no caller`,
      fix: `Remove '${excluded}' from ${cfg("excludedPaths")} if this route is an API, and run configure-auth.`,
    });
    return callerStep(input, steps, undefined, "excluded-path", done);
  }
  add({
    id: "excluded-path",
    title: `${input.path} is not excluded`,
    status: "pass",
    setting: "globalValidation.excludedPaths",
    detail: shown(s.excludedPaths),
  });

  // 3. authentication of the token
  const failure = authenticate(input, add, cfg);
  if (failure) {
    const anonymous = !s.requireAuthentication || s.action === "AllowAnonymous";
    if (anonymous) {
      add({
        id: "unauthenticated-action",
        title: "Unauthenticated requests are allowed",
        status: "skip",
        setting: "globalValidation.requireAuthentication / unauthenticatedClientAction",
        detail: `${s.requireAuthentication ? "requireAuthentication true" : "requireAuthentication false"}, action ${s.action}: the request reaches the app with no caller`,
        fix: `For an API set ${cfg("requireAuthentication")}: true and ${cfg("unauthenticatedClientAction")}: Return401.`,
      });
      return callerStep(input, steps, undefined, "unauthenticated-action", done);
    }
    const status = s.action === "Return401" ? 401 : s.action === "Return403" ? 403 : 302;
    add({
      id: "unauthenticated-action",
      title: `Authentication is required: ${s.action}`,
      status: "fail",
      setting: "globalValidation.unauthenticatedClientAction",
      detail: `${s.actionSet ?? "unset (the platform's default, RedirectToLoginPage)"}: an unauthenticated request gets ${status}`,
      ...(status === 302
        ? {
            fix: `An API should answer 401, not a login redirect: set ${cfg("unauthenticatedClientAction")}: Return401.`,
          }
        : {}),
    });
    return done({
      status,
      decidedBy: failure,
      reason: `the token failed the ${failure} step; ${s.action} answers ${status}`,
    });
  }

  // 5. the built-in authorization policy
  const refused = authorize(input, add, cfg);
  if (refused)
    return done({
      status: 403,
      decidedBy: refused,
      reason: `the built-in authorization policy refused the caller (${refused})`,
    });
  return callerStep(input, steps, reading.ok ? reading.token.payload : undefined, undefined, done);
}

/** Step 3; the id of the failing step, or undefined when the token is authenticated. */
function authenticate(input: WalkInput, add: (s: Step) => void, cfg: (f: string) => string): StepId | undefined {
  const { settings: s, reading } = input;
  const aad = s.aad;
  if (!aad?.enabled || !aad.clientId) {
    add({
      id: "provider",
      title: "No Microsoft provider can validate the token",
      status: "fail",
      setting: `${AAD}.enabled / registration.clientId`,
      detail: !aad
        ? "no azureActiveDirectory provider"
        : !aad.enabled
          ? "the provider is disabled"
          : "the provider has no registration.clientId",
      fix: `Set ${cfg("azureActiveDirectory.clientId")} (and enabled: true) and run configure-auth.`,
    });
    return "provider";
  }
  add({
    id: "provider",
    title: "The Microsoft provider is on",
    status: "pass",
    setting: `${AAD}.registration.clientId`,
    detail: aad.clientId,
  });
  if (!reading.ok) {
    // An unsigned token fails where a bad signature does; anything not a JWT fails to parse before that.
    add({
      id: "signature",
      title: reading.problem === "unsigned" ? "The token is unsigned" : "The input is not a JWT",
      status: "fail",
      setting: `${AAD}.registration.openIdIssuer (its signing keys)`,
      detail: reading.message,
      fix: "Send the access token exactly as the token endpoint returned it.",
    });
    return "signature";
  }
  const c = reading.token.payload;
  const sig = input.signature;
  add({
    id: "signature",
    title:
      sig.status === "valid"
        ? "The signature is the issuer's"
        : sig.status === "invalid"
          ? "The signature is not the issuer's"
          : "The signature could not be checked",
    status: sig.status === "invalid" ? "fail" : sig.status === "valid" ? "pass" : "skip",
    setting: `${AAD}.registration.openIdIssuer (its signing keys)`,
    detail: sig.detail,
    ...(sig.status === "invalid"
      ? { fix: "The token was altered or signed by someone else: get a new one from the tenant's token endpoint." }
      : {}),
  });
  if (sig.status === "invalid") return "signature";

  const issuers = aad.openIdIssuer ? [aad.openIdIssuer] : [...input.tenantIssuers];
  const iss = typeof c.iss === "string" ? c.iss : undefined;
  const issOk = iss !== undefined && issuers.some((i) => normIssuer(i) === normIssuer(iss));
  const v1 = c.ver === "1.0" || (iss !== undefined && /\/\/sts\./i.test(iss));
  add({
    id: "issuer",
    title: issOk ? "The issuer is the one configured" : "The issuer is not the one configured",
    status: issOk ? "pass" : "fail",
    setting: `${AAD}.registration.openIdIssuer`,
    detail: `token iss ${iss ? `'${iss}'` : "(none)"}${typeof c.ver === "string" ? ` (ver ${c.ver})` : ""}; accepted: ${shown(issuers)}${aad.openIdIssuer ? "" : " (openIdIssuer unset: the tenant's own)"}`,
    ...(issOk
      ? {}
      : {
          fix: `The token is v${v1 ? 1 : 2} and Easy Auth expects ${aad.openIdIssuer ?? "another issuer"}: make ${cfg("azureActiveDirectory.tokenVersion")} agree with the registration's requestedAccessTokenVersion (or use fromRegistration), then run configure-auth.`,
        }),
  });
  if (!issOk) return "issuer";

  const allowed = [...new Set([...aad.allowedAudiences, aad.clientId])];
  const auds = strings(c.aud);
  const audOk = auds.some((a) => allowed.includes(a));
  add({
    id: "audience",
    title: audOk ? "The audience is allowed" : "The audience is not allowed",
    status: audOk ? "pass" : "fail",
    setting: `${AAD}.validation.allowedAudiences (+ registration.clientId)`,
    detail: `token aud ${shown(auds)}; allowed: ${shown(allowed)}`,
    ...(audOk
      ? {}
      : {
          fix: `Request the token for this API (scope '${aad.clientId}/.default' or one of its identifier URIs), or add the audience to ${cfg("azureActiveDirectory.allowedAudiences")} and run configure-auth.`,
        }),
  });
  if (!audOk) return "audience";

  const exp = typeof c.exp === "number" ? c.exp : undefined;
  const nbf = typeof c.nbf === "number" ? c.nbf : undefined;
  const expired = exp === undefined || input.now > exp + CLOCK_SKEW_SECONDS;
  const early = !expired && nbf !== undefined && input.now < nbf - CLOCK_SKEW_SECONDS;
  add({
    id: "lifetime",
    title: expired
      ? "The token has expired"
      : early
        ? "The token is not valid yet"
        : "The token is within its lifetime",
    status: expired || early ? "fail" : "pass",
    setting: "exp / nbf, 5 minutes of clock skew (not a setting)",
    detail: `now ${when(input.now)}; exp ${exp === undefined ? "(none)" : when(exp)}; nbf ${nbf === undefined ? "(none)" : when(nbf)}`,
    ...(expired
      ? { fix: "Get a new token (clients should refresh before exp)." }
      : early
        ? { fix: "The caller's or the issuer's clock is ahead: sync the clocks (NTP) or wait until nbf." }
        : {}),
  });
  if (expired || early) return "lifetime";
  return undefined;
}

/** Step 5; the id of the refusing step, or undefined. */
function authorize(input: WalkInput, add: (s: Step) => void, cfg: (f: string) => string): StepId | undefined {
  const aad = input.settings.aad!;
  const c = input.reading.ok ? input.reading.token.payload : {};
  // "This policy evaluates the appid or azp claim of the incoming token" (v1 tokens carry appid, v2 azp).
  const client = lower(strings(c.azp ?? c.appid));
  const groups = lower(strings(c.groups));
  const oid = lower(strings(c.oid));
  const apps = aad.allowedApplications;
  const appsOk = !apps.length || client.some((x) => lower(apps).includes(x));
  add({
    id: "allowed-applications",
    title: !apps.length ? "No client allow-list" : appsOk ? "The client is allowed" : "The client is not allowed",
    status: appsOk ? "pass" : "fail",
    setting: `${AAD}.validation.defaultAuthorizationPolicy.allowedApplications`,
    detail: `token ${c.azp !== undefined ? "azp" : "appid"} ${shown(strings(c.azp ?? c.appid))}; allowed: ${apps.length ? shown(apps) : "any"}`,
    ...(appsOk
      ? {}
      : {
          fix: `Add the client's app id to ${cfg("azureActiveDirectory.allowedApplications")} and run configure-auth, or call with an allowed client.`,
        }),
  });
  if (!appsOk) return "allowed-applications";

  const { identities, groups: allowedGroups } = aad;
  const principalsSet = identities.length > 0 || allowedGroups.length > 0;
  const principalsOk =
    !principalsSet ||
    oid.some((x) => lower(identities).includes(x)) ||
    groups.some((g) => lower(allowedGroups).includes(g));
  add({
    id: "allowed-principals",
    title: !principalsSet
      ? "No principal allow-list"
      : principalsOk
        ? "The principal is allowed"
        : "The principal is not allowed",
    status: principalsOk ? "pass" : "fail",
    setting: `${AAD}.validation.defaultAuthorizationPolicy.allowedPrincipals`,
    detail: principalsSet
      ? `token oid ${shown(strings(c.oid))}, ${groups.length} group(s); identities ${shown(identities)}, groups ${shown(allowedGroups)}`
      : "identities and groups unset",
    ...(principalsOk
      ? {}
      : { fix: "Add the caller's object id (or a group it is in) to allowedPrincipals in authsettingsV2." }),
  });
  if (!principalsOk) return "allowed-principals";

  const checks = aad.claimChecks;
  const clientsOk =
    !checks.allowedClientApplications.length || client.some((x) => lower(checks.allowedClientApplications).includes(x));
  const groupsOk = !checks.allowedGroups.length || groups.some((g) => lower(checks.allowedGroups).includes(g));
  const checksSet = checks.allowedClientApplications.length > 0 || checks.allowedGroups.length > 0;
  add({
    id: "claim-checks",
    title: !checksSet ? "No JWT claim checks" : clientsOk && groupsOk ? "The claim checks pass" : "A claim check fails",
    status: clientsOk && groupsOk ? "pass" : "fail",
    setting: `${AAD}.validation.jwtClaimChecks`,
    detail: checksSet
      ? `allowedClientApplications ${shown(checks.allowedClientApplications)}, allowedGroups ${shown(checks.allowedGroups)}`
      : "unset",
    ...(clientsOk && groupsOk
      ? {}
      : { fix: "Call with a client (or as a member of a group) jwtClaimChecks lists, or widen jwtClaimChecks." }),
  });
  return clientsOk && groupsOk ? undefined : "claim-checks";
}

/** Step 6: the function's own requirement, with the caller Easy Auth hands it (none when it let the request by). */
function callerStep(
  input: WalkInput,
  steps: Step[],
  caller: Record<string, unknown> | undefined,
  passedBy: StepId | undefined,
  done: (v: Verdict) => Explanation,
): Explanation {
  const name = functionOf(input.path);
  const req = name ? Object.entries(input.functions ?? {}).find(([k]) => k.toLowerCase() === name)?.[1] : undefined;
  const setting = input.configPath ? `${input.configPath}.functions.${name ?? "?"}` : `auth.functions.${name ?? "?"}`;
  const through = passedBy ? ` (let through by the ${passedBy} step, with no caller)` : "";
  if (!req) {
    steps.push({
      id: "function-requirement",
      title: "The function declares no scope or role",
      status: "skip",
      setting,
      detail: name
        ? `the config names no requirement for '${name}'; its code decides`
        : `${input.path} is no /api/{function} route`,
    });
    return done({
      status: 200,
      decidedBy: passedBy ?? "function-requirement",
      reason: `Easy Auth lets the request through${through}`,
    });
  }
  const scopes = req.scopes ?? [];
  const roles = req.roles ?? [];
  const want = `${scopes.length ? `scope ${shown(scopes)}` : ""}${scopes.length && roles.length ? " or " : ""}${roles.length ? `role ${shown(roles)}` : ""}`;
  if (!caller) {
    steps.push({
      id: "function-requirement",
      title: `The function needs a caller with ${want}`,
      status: "fail",
      setting,
      detail: `the request reaches '${name}' with no caller${through}`,
      fix: "Require authentication for this route (Easy Auth on, path not excluded, Return401) and call with a token that carries it.",
    });
    return done({
      status: 403,
      decidedBy: "function-requirement",
      reason: `'${name}' refuses a request with no caller`,
    });
  }
  const scp = typeof caller.scp === "string" ? caller.scp.split(" ").filter(Boolean) : [];
  const has = strings(caller.roles);
  const ok = scopes.some((x) => scp.includes(x)) || roles.some((x) => has.includes(x));
  steps.push({
    id: "function-requirement",
    title: ok ? `The caller has ${want}` : `The caller lacks ${want}`,
    status: ok ? "pass" : "fail",
    setting,
    detail: `token scp ${shown(scp)}, roles ${shown(has)}`,
    ...(ok
      ? {}
      : {
          fix: `Delegated callers: request the scope (consent/preauthorize it on the registration); app-only callers: assign the app role (update-manifest registration.assignments).`,
        }),
  });
  return ok
    ? done({ status: 200, decidedBy: "function-requirement", reason: `'${name}' accepts the caller` })
    : done({ status: 403, decidedBy: "function-requirement", reason: `'${name}' needs ${want}` });
}
