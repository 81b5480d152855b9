import { getPath, jsonEqual } from "../../azure/json.ts";
import { configuredProviders } from "../../resources/auth/providers.ts";
import { finding, type Check } from "../check.ts";
import type { CheckDefinition, Finding } from "../finding.ts";
import type { AuditObservations, SiteObservation } from "../observation.ts";
import {
  allowedApplicationsOf,
  asksForArm,
  audiencesOf,
  clientIdOf,
  configuredAad,
  isApi,
  issuerVersion,
  platformEnabled,
  registrationOf,
  requestedResources,
} from "./view.ts";

/** Easy Auth checks: one authsettingsV2 document per app and slot, and the registration its client id names. */

const CMD = "configure-auth";
const def = (d: Omit<CheckDefinition, "area">): CheckDefinition => ({ area: "auth", ...d });

/** Every app/slot whose document was read, with it. */
const withAuth = (o: AuditObservations) =>
  o.sites.flatMap((s) =>
    s.auth ? [{ s, props: s.auth }] : ([] as { s: SiteObservation; props: Record<string, unknown> }[]),
  );
const at = (s: SiteObservation, configPath: string) => ({ appIndex: s.appIndex, configPath });
const action = (props: Record<string, unknown>) => getPath(props, ["globalValidation", "unauthenticatedClientAction"]);

const EA001 = def({
  id: "EA001",
  severity: "critical",
  title: "Easy Auth is off",
  description:
    "App Service Authentication (platform.enabled) is off, so every request reaches the code without a token check. Unless the function validates tokens itself, anyone who knows the URL can call it.",
  fix: "Set auth.enabled: true (and an identity provider), then run configure-auth.",
  command: CMD,
  configField: "apps[].auth.enabled",
  docsAnchor: "no-401-at-all-every-call-gets-through",
});

const EA002 = def({
  id: "EA002",
  severity: "high",
  title: "Unauthenticated requests are allowed on an API",
  description:
    "globalValidation.unauthenticatedClientAction is AllowAnonymous (or requireAuthentication is false): Easy Auth passes requests without a token to the code, which then must refuse them itself.",
  fix: "Set auth.requireAuthentication: true and auth.unauthenticatedClientAction: Return401.",
  command: CMD,
  configField: "apps[].auth.unauthenticatedClientAction",
  docsAnchor: "no-401-at-all-every-call-gets-through",
});

const EA003 = def({
  id: "EA003",
  severity: "medium",
  title: "An API redirects to the login page",
  description:
    "RedirectToLoginPage answers a call without a token with a 302 to Entra's sign-in page; API clients expect a 401 and follow the redirect to an HTML page instead.",
  fix: "Set auth.unauthenticatedClientAction: Return401 for APIs.",
  command: CMD,
  configField: "apps[].auth.unauthenticatedClientAction",
  docsAnchor: "302-to-loginmicrosoftonlinecom-instead-of-401",
});

const EA004 = def({
  id: "EA004",
  severity: "high",
  title: "Excluded paths cover the API routes",
  description:
    "An excluded path passes every request below it without authentication (it covers itself and everything under it). '/', '/*', '/api' or '/api/*' excludes every function.",
  fix: "Exclude only the paths that must be anonymous (/api/health), never /api or /.",
  command: CMD,
  configField: "apps[].auth.excludedPaths",
  docsAnchor: "every-call-gets-through-excluded-paths",
});

const EA005 = def({
  id: "EA005",
  severity: "high",
  title: "Issuer version differs from the registration's token version",
  description:
    "Entra issues v1 tokens (iss https://sts.windows.net/{tenant}/) unless the registration's api.requestedAccessTokenVersion is 2 (iss https://login.microsoftonline.com/{tenant}/v2.0). Easy Auth compares the configured openIdIssuer with the token's iss, so a mismatch answers 401 to every token.",
  fix: "Set auth.azureActiveDirectory.tokenVersion: fromRegistration, then run configure-auth.",
  command: CMD,
  configField: "apps[].auth.azureActiveDirectory.tokenVersion",
  docsAnchor: "401-with-a-valid-token-issuer-mismatch",
});

const EA006 = def({
  id: "EA006",
  severity: "high",
  title: "Allowed audiences match neither an identifier URI nor the client id",
  description:
    "A token's aud is the client id (v2 tokens) or the identifier URI the client asked for (v1 tokens). allowedAudiences that name neither refuse every token of this registration with 401.",
  fix: "Set auth.azureActiveDirectory.allowedAudiences to ['api://{appId}'] (configure-auth adds the bare client id for v2).",
  command: CMD,
  configField: "apps[].auth.azureActiveDirectory.allowedAudiences",
  docsAnchor: "401-with-a-valid-token-audience-mismatch",
});

const EA007 = def({
  id: "EA007",
  severity: "high",
  title: "v2 registration, but the bare client id is not an allowed audience",
  description:
    "v2 access tokens carry aud = the client id (a GUID), never api://…; when allowedAudiences is set and lacks the client id, every v2 token is refused with 401.",
  fix: "Add the client id to auth.azureActiveDirectory.allowedAudiences (configure-auth does it for tokenVersion 2).",
  command: CMD,
  configField: "apps[].auth.azureActiveDirectory.allowedAudiences",
  docsAnchor: "401-with-a-valid-token-audience-mismatch",
});

const EA008 = def({
  id: "EA008",
  severity: "critical",
  title: "The Easy Auth client id is no registration in the tenant",
  description:
    "registration.clientId names an application that does not exist in this tenant (deleted, another tenant, a typo): no token can carry its audience, and sign-in fails with AADSTS700016.",
  fix: "Set auth.azureActiveDirectory.clientId: fromRegistration (or the right appId), then run configure-auth.",
  command: CMD,
  configField: "apps[].auth.azureActiveDirectory.clientId",
  docsAnchor: "aadsts700016-application-not-found",
});

const EA009 = def({
  id: "EA009",
  severity: "high",
  title: "user_impersonation is requested without the token store",
  description:
    "loginParameters ask for an ARM token on the user's behalf, but the token store is off: Easy Auth cannot hand the token to the function (X-MS-TOKEN-AAD-ACCESS-TOKEN, /.auth/me).",
  fix: "Set auth.tokenStore: true, then run configure-auth.",
  command: CMD,
  configField: "apps[].auth.tokenStore",
  docsAnchor: "the-function-gets-no-arm-token",
});

const EA010 = def({
  id: "EA010",
  severity: "high",
  title: "user_impersonation is requested without the client secret setting",
  description:
    "Resource scopes need the authorization-code flow, which redeems the code with the client secret named by clientSecretSettingName; without the name, or without that app setting on the app or slot, sign-in fails.",
  fix: "Set auth.azureActiveDirectory.clientSecretSettingName and create that app setting (a Key Vault reference).",
  command: CMD,
  configField: "apps[].auth.azureActiveDirectory.clientSecretSettingName",
  docsAnchor: "the-function-gets-no-arm-token",
});

const EA013 = def({
  id: "EA013",
  severity: "medium",
  title: "Scopes of several resources in one login request",
  description:
    "An access token has one audience: when loginParameters ask for Graph and ARM scopes together, Entra issues the token for the first resource only and the other scopes are silently missing.",
  fix: "Keep one resource's scopes in auth.azureActiveDirectory.loginParameters (ARM user_impersonation); get others on behalf of the user.",
  command: CMD,
  configField: "apps[].auth.azureActiveDirectory.loginParameters",
  docsAnchor: "the-function-gets-no-arm-token",
});

const EA014 = def({
  id: "EA014",
  severity: "high",
  title: "Classic (V1) auth settings",
  description:
    "The app still uses the V1 authsettings (configVersion v1): allowedApplications, excluded paths and other V2 settings do not exist there, and a V2 write migrates it irreversibly.",
  fix: "Review the app, then run configure-auth --migrate-v1 (a backup is written first).",
  command: `${CMD} --migrate-v1`,
  configField: "apps[].auth",
  docsAnchor: "the-app-is-on-v1-auth-settings",
});

const EA015 = def({
  id: "EA015",
  severity: "medium",
  title: "Auth settings come from a file",
  description:
    "platform.configFilePath (or V1 isAuthFromFile) makes Easy Auth read its settings from a file in the app's content; changes through ARM do not take effect and the portal shows stale values.",
  fix: "Edit that file in the app's content, or clear platform.configFilePath to manage it with configure-auth.",
  configField: "apps[].auth",
  docsAnchor: "changes-do-not-take-effect-file-based-config",
});

const EA018 = def({
  id: "EA018",
  severity: "high",
  title: "Any application of the tenant may call",
  description:
    "allowedApplications is empty and the registration does not require assignment (appRoleAssignmentRequired false): any client of the tenant can get a token for this API and Easy Auth accepts it.",
  fix: "List the callers in auth.azureActiveDirectory.allowedApplications, or set registration.appRoleAssignmentRequired: true.",
  command: CMD,
  configField: "apps[].auth.azureActiveDirectory.allowedApplications",
  docsAnchor: "403-for-one-caller-200-for-another",
});

const EA019 = def({
  id: "EA019",
  severity: "critical",
  title: "Authentication is required but no identity provider is configured",
  description:
    "requireAuthentication is on, but no provider is both enabled and registered (the service fills in every provider with enabled: true and an empty registration, which signs nobody in): every request is refused.",
  fix: "Set auth.azureActiveDirectory.clientId (fromRegistration), then run configure-auth.",
  command: CMD,
  configField: "apps[].auth.azureActiveDirectory.clientId",
  docsAnchor: "401-for-every-caller-no-provider",
});

const EA050 = def({
  id: "EA050",
  severity: "medium",
  title: "A slot's Easy Auth differs from production in an owned field",
  description:
    "Slots swap with production: a slot whose owned Easy Auth fields differ brings its settings into production at the next swap (or tests something production does not do).",
  fix: "Run configure-auth for every slot (no --slot), so each gets the app's config.",
  command: CMD,
  configField: "apps[].slots",
  docsAnchor: "it-worked-in-staging-and-broke-after-the-swap",
});

const BROAD_EXCLUSION = /^\/?(api)?\/?\*?$/i;

export const authChecks: Check[] = [
  {
    definition: EA001,
    run: (o) =>
      withAuth(o)
        // A web app with no auth block may be public on purpose; an API, or an app the config gives Easy Auth, not.
        .filter(({ s, props }) => !platformEnabled(props) && (s.ownedAuthPaths.length > 0 || isApi(s, o)))
        .map(({ s, props }) =>
          finding(
            EA001,
            s.target,
            "App Service Authentication is off",
            { "platform.enabled": (getPath(props, ["platform", "enabled"]) as boolean | undefined) ?? null },
            at(s, "auth.enabled"),
          ),
        ),
  },
  {
    definition: EA002,
    run: (o) =>
      withAuth(o)
        .filter(({ s, props }) => platformEnabled(props) && isApi(s, o))
        .filter(
          ({ props }) =>
            action(props) === "AllowAnonymous" ||
            getPath(props, ["globalValidation", "requireAuthentication"]) === false,
        )
        .map(({ s, props }) =>
          finding(
            EA002,
            s.target,
            "requests without a token reach the API",
            {
              unauthenticatedClientAction: (action(props) as string | undefined) ?? null,
              requireAuthentication:
                (getPath(props, ["globalValidation", "requireAuthentication"]) as boolean | undefined) ?? null,
            },
            at(s, "auth.unauthenticatedClientAction"),
          ),
        ),
  },
  {
    definition: EA003,
    run: (o) =>
      withAuth(o)
        .filter(({ s, props }) => platformEnabled(props) && action(props) === "RedirectToLoginPage" && isApi(s, o))
        .map(({ s }) =>
          finding(
            EA003,
            s.target,
            "an API answers a call without a token with a login redirect (302), not 401",
            { unauthenticatedClientAction: "RedirectToLoginPage" },
            at(s, "auth.unauthenticatedClientAction"),
          ),
        ),
  },
  {
    definition: EA004,
    run: (o) =>
      withAuth(o).flatMap(({ s, props }) => {
        const paths = getPath(props, ["globalValidation", "excludedPaths"]);
        const broad = (Array.isArray(paths) ? paths : []).filter(
          (p): p is string => typeof p === "string" && BROAD_EXCLUSION.test(p.trim()),
        );
        return broad.length && platformEnabled(props)
          ? [
              finding(
                EA004,
                s.target,
                `excluded path ${broad.map((p) => `'${p}'`).join(", ")} covers every API route`,
                { excludedPaths: broad },
                at(s, "auth.excludedPaths"),
              ),
            ]
          : [];
      }),
  },
  {
    definition: EA005,
    run: (o) =>
      withAuth(o).flatMap(({ s, props }) => {
        const aad = configuredAad(props);
        const reg = aad && registrationOf(o, clientIdOf(aad));
        if (!aad || !reg?.found) return [];
        const issuer = getPath(aad, ["registration", "openIdIssuer"]);
        const have = issuerVersion(typeof issuer === "string" ? issuer : undefined);
        // A null requestedAccessTokenVersion is v1 (docs/contracts/graph.md §1.2).
        const want = reg.requestedAccessTokenVersion === 2 ? 2 : 1;
        if (have === undefined || have === want) return [];
        return [
          finding(
            EA005,
            s.target,
            `openIdIssuer is a v${have} issuer, the registration issues v${want} tokens: every token gets 401`,
            { openIdIssuer: String(issuer), requestedAccessTokenVersion: reg.requestedAccessTokenVersion },
            at(s, "auth.azureActiveDirectory.tokenVersion"),
          ),
        ];
      }),
  },
  {
    definition: EA006,
    run: (o) =>
      withAuth(o).flatMap(({ s, props }) => {
        const aad = configuredAad(props);
        const clientId = aad && clientIdOf(aad);
        const reg = registrationOf(o, clientId);
        if (!aad || !clientId || !reg?.found) return [];
        const audiences = audiencesOf(aad);
        const accepted = new Set([clientId, ...reg.identifierUris].map((a) => a.toLowerCase().replace(/\/+$/, "")));
        if (!audiences.length || audiences.some((a) => accepted.has(a.toLowerCase().replace(/\/+$/, "")))) return [];
        return [
          finding(
            EA006,
            s.target,
            "no allowed audience is an identifier URI or the client id of the registration: every token gets 401",
            { allowedAudiences: audiences, identifierUris: reg.identifierUris, clientId },
            at(s, "auth.azureActiveDirectory.allowedAudiences"),
          ),
        ];
      }),
  },
  {
    definition: EA007,
    run: (o) =>
      withAuth(o).flatMap(({ s, props }) => {
        const aad = configuredAad(props);
        const clientId = aad && clientIdOf(aad);
        const reg = registrationOf(o, clientId);
        if (!aad || !clientId || !reg?.found || reg.requestedAccessTokenVersion !== 2) return [];
        const audiences = audiencesOf(aad);
        if (!audiences.length || audiences.some((a) => a.toLowerCase() === clientId.toLowerCase())) return [];
        return [
          finding(
            EA007,
            s.target,
            "v2 tokens carry aud = the client id, which allowedAudiences does not list",
            { allowedAudiences: audiences, clientId },
            at(s, "auth.azureActiveDirectory.allowedAudiences"),
          ),
        ];
      }),
  },
  {
    definition: EA008,
    run: (o) =>
      withAuth(o).flatMap(({ s, props }) => {
        const aad = configuredAad(props);
        const clientId = aad && clientIdOf(aad);
        const reg = registrationOf(o, clientId);
        if (!clientId || !reg || reg.found) return [];
        return [
          finding(
            EA008,
            s.target,
            `client id ${clientId} is no application in the tenant`,
            { clientId },
            at(s, "auth.azureActiveDirectory.clientId"),
          ),
        ];
      }),
  },
  {
    definition: EA009,
    run: (o) =>
      withAuth(o).flatMap(({ s, props }) => {
        const aad = configuredAad(props);
        if (!aad || !asksForArm(aad) || getPath(props, ["login", "tokenStore", "enabled"]) === true) return [];
        return [
          finding(
            EA009,
            s.target,
            "ARM user_impersonation is requested but the token store is off",
            {
              "login.tokenStore.enabled":
                (getPath(props, ["login", "tokenStore", "enabled"]) as boolean | undefined) ?? null,
            },
            at(s, "auth.tokenStore"),
          ),
        ];
      }),
  },
  {
    definition: EA010,
    run: (o) =>
      withAuth(o).flatMap(({ s, props }) => {
        const aad = configuredAad(props);
        if (!aad || !asksForArm(aad)) return [];
        const name = getPath(aad, ["registration", "clientSecretSettingName"]);
        const settingName = typeof name === "string" && name ? name : undefined;
        // App settings are read only when a name is set; an unread list is not "missing".
        const present = settingName && s.appSettings ? s.appSettings.some((a) => a.name === settingName) : true;
        if (settingName && present) return [];
        return [
          finding(
            EA010,
            s.target,
            settingName
              ? `app setting '${settingName}' (clientSecretSettingName) does not exist on this ${s.target.slot ? "slot" : "app"}`
              : "no clientSecretSettingName: the code flow cannot redeem the code",
            { clientSecretSettingName: settingName ?? null },
            at(s, "auth.azureActiveDirectory.clientSecretSettingName"),
          ),
        ];
      }),
  },
  {
    definition: EA013,
    run: (o) =>
      withAuth(o).flatMap(({ s, props }) => {
        const aad = configuredAad(props);
        const resources = aad ? requestedResources(aad) : [];
        if (resources.length < 2) return [];
        return [
          finding(
            EA013,
            s.target,
            `loginParameters ask for scopes of ${resources.join(" and ")}; only the first resource's end up in the token`,
            { resources },
            at(s, "auth.azureActiveDirectory.loginParameters"),
          ),
        ];
      }),
  },
  {
    definition: EA014,
    run: (o) =>
      o.sites
        .filter((s) => s.v1?.configVersion === "v1" && s.v1.enabled !== false)
        .map((s) =>
          finding(EA014, s.target, "the app uses classic (V1) auth settings", { configVersion: "v1" }, at(s, "auth")),
        ),
  },
  {
    definition: EA015,
    run: (o) =>
      o.sites.flatMap((s) => {
        const file = s.auth ? getPath(s.auth, ["platform", "configFilePath"]) : undefined;
        const fromFile = (typeof file === "string" && file !== "") || s.v1?.isAuthFromFile === true;
        if (!fromFile) return [];
        const path = typeof file === "string" && file ? file : (s.v1?.authFilePath ?? null);
        return [
          finding(
            EA015,
            s.target,
            `auth settings come from a file (${path ?? "isAuthFromFile"})`,
            { configFilePath: path },
            at(s, "auth"),
          ),
        ];
      }),
  },
  {
    definition: EA018,
    run: (o) =>
      withAuth(o).flatMap(({ s, props }) => {
        const aad = configuredAad(props);
        const reg = aad && registrationOf(o, clientIdOf(aad));
        if (!aad || !reg?.found || !platformEnabled(props) || !isApi(s, o)) return [];
        if (allowedApplicationsOf(aad).length || reg.servicePrincipal?.appRoleAssignmentRequired) return [];
        return [
          finding(
            EA018,
            s.target,
            "allowedApplications is empty and assignment is not required: any application of the tenant may call",
            {
              allowedApplications: [],
              appRoleAssignmentRequired: reg.servicePrincipal?.appRoleAssignmentRequired ?? null,
            },
            at(s, "auth.azureActiveDirectory.allowedApplications"),
          ),
        ];
      }),
  },
  {
    definition: EA019,
    run: (o) =>
      withAuth(o)
        .filter(
          ({ props }) =>
            platformEnabled(props) &&
            getPath(props, ["globalValidation", "requireAuthentication"]) === true &&
            configuredProviders(props).length === 0,
        )
        .map(({ s }) =>
          finding(
            EA019,
            s.target,
            "authentication is required but no provider is enabled and registered: every request is refused",
            { configuredProviders: [] },
            at(s, "auth.azureActiveDirectory.clientId"),
          ),
        ),
  },
  { definition: EA050, run: slotDrift },
];

/** Each slot against production, field by owned field (the app's config says which fields are owned). */
function slotDrift(o: AuditObservations): Finding[] {
  const out: Finding[] = [];
  for (const slot of o.sites) {
    if (!slot.target.slot || !slot.auth) continue;
    const prod = o.sites.find((p) => p.appIndex === slot.appIndex && !p.target.slot);
    if (!prod?.auth) continue;
    const differing = slot.ownedAuthPaths
      .filter((p) => !jsonEqual(getPath(slot.auth, p) ?? null, getPath(prod.auth, p) ?? null))
      .map((p) => p.join("."));
    if (differing.length)
      out.push(
        finding(
          EA050,
          slot.target,
          `differs from production in ${differing.join(", ")}`,
          { fields: differing },
          { appIndex: slot.appIndex, configPath: "slots" },
        ),
      );
  }
  return out;
}
