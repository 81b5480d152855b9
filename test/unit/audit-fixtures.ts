import { setPath } from "../../lib/azure/json.ts";
import type { AuditObservations, SiteObservation } from "../../lib/audit/observation.ts";
import { storedAuthV2 } from "../../lib/emulator/arm/auth-settings.ts";

/**
 * Observation fixtures for the audit's pure checks. `healthy()` is a fleet with nothing to report, its Easy Auth
 * documents as the service stores them (every provider filled in with enabled: true and an empty registration);
 * each case in CASES breaks exactly one thing, for one check id.
 */

export const TENANT = "7e3a0f1c-5b2d-4c8e-9a61-0d4f2b8c6e11";
export const API_ID = "6a1f3c2e-9b4d-4e8f-a1c7-5d2e8f9b0a13";
export const NOW = "2026-12-01T12:00:00.000Z";
const DAY = 86_400_000;

const authDoc = () =>
  storedAuthV2({
    platform: { enabled: true, runtimeVersion: "~1" },
    globalValidation: {
      requireAuthentication: true,
      unauthenticatedClientAction: "Return401",
      excludedPaths: ["/api/health"],
    },
    identityProviders: {
      azureActiveDirectory: {
        enabled: true,
        registration: {
          clientId: API_ID,
          openIdIssuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
          clientSecretSettingName: "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET",
        },
        login: { loginParameters: ["scope=openid profile https://management.azure.com/user_impersonation"] },
        validation: {
          allowedAudiences: [`api://${API_ID}`, API_ID],
          defaultAuthorizationPolicy: { allowedApplications: ["04b07795-8ddb-461a-bbee-02f9e1bf7b46"] },
        },
      },
    },
    login: { tokenStore: { enabled: "true" } },
    httpSettings: { requireHttps: true },
  });

const site = (slot?: string): SiteObservation => ({
  target: { label: slot ? `func-a/${slot}` : "func-a", app: "func-a", ...(slot ? { slot } : {}) },
  appIndex: 0,
  siteKind: "functionapp",
  configRegistration: API_ID,
  auth: authDoc(),
  ownedAuthPaths: [
    ["platform", "enabled"],
    ["globalValidation", "unauthenticatedClientAction"],
    ["identityProviders", "azureActiveDirectory", "registration", "clientId"],
  ],
  v1: { configVersion: "v2", enabled: false, isAuthFromFile: false, authFilePath: null, inlineClientSecret: false },
  site: {
    httpsOnly: true,
    web: {
      minTlsVersion: "1.2",
      scmMinTlsVersion: "1.2",
      ftpsState: "FtpsOnly",
      remoteDebuggingEnabled: false,
      cors: { allowedOrigins: ["https://portal.contoso.com"], supportCredentials: false },
    },
  },
  appSettings: [{ name: "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET", keyVaultReference: true }],
});

export function healthy(): AuditObservations {
  return {
    now: NOW,
    sites: [site(), site("staging")],
    registrations: {
      [API_ID]: {
        appId: API_ID,
        label: "application 'func-a-api'",
        found: true,
        appIndex: 0,
        displayName: "A API",
        identifierUris: [`api://${API_ID}`],
        requestedAccessTokenVersion: 2,
        scopes: ["Greeting.Read"],
        appRoles: ["Greeting.Call"],
        requiredResources: ["797f4846-ba00-4fd7-ba43-dac1f8f63013"],
        armUserImpersonation: true,
        armConsent: true,
        servicePrincipal: { appRoleAssignmentRequired: true },
        passwordCredentials: [
          { keyId: "k1", displayName: "easy-auth", endDateTime: new Date(Date.parse(NOW) + 200 * DAY).toISOString() },
        ],
      },
    },
    keys: [
      {
        target: { label: "func-a", app: "func-a", key: "greeting/apim" },
        appIndex: 0,
        rotateIndex: 0,
        logical: "apim",
        scope: "function",
        maxAgeMs: 30 * DAY,
        renewInPlace: false,
        keyNames: ["default", "apim-20261120t0800z"],
        physical: [{ name: "apim-20261120t0800z", createdAt: "2026-11-20T08:00:00.000Z" }],
        secretName: "func-a-production-greeting-apim",
        published: { state: "found", keyName: "apim-20261120t0800z", matchesApp: true },
      },
    ],
  };
}

type Mutate = (o: AuditObservations) => void;
const prod = (o: AuditObservations) => o.sites[0]!;
const auth = (o: AuditObservations) => prod(o).auth!;
const aad = ["identityProviders", "azureActiveDirectory"];
const set = (o: AuditObservations, path: string[], v: unknown) => setPath(auth(o), path, v);
/** The same change on production and the slot (so that the slot comparison, EA050, stays silent). */
const setAll = (o: AuditObservations, path: string[], v: unknown) => {
  for (const s of o.sites) setPath(s.auth!, path, v);
};
const reg = (o: AuditObservations) => o.registrations[API_ID]!;
const everySite = (o: AuditObservations, f: (s: SiteObservation) => void) => {
  for (const s of o.sites) f(s);
};

/** Per check id: how to break the healthy fleet so that (only) this check has something to say. */
export const CASES: Record<string, { problem: string; mutate: Mutate; also?: string[] }> = {
  EA001: { problem: "platform.enabled false", mutate: (o) => setAll(o, ["platform", "enabled"], false) },
  EA002: {
    problem: "AllowAnonymous on a function app",
    mutate: (o) => setAll(o, ["globalValidation", "unauthenticatedClientAction"], "AllowAnonymous"),
  },
  EA003: {
    problem: "RedirectToLoginPage on a function app",
    mutate: (o) => setAll(o, ["globalValidation", "unauthenticatedClientAction"], "RedirectToLoginPage"),
  },
  EA004: {
    problem: "excludedPaths ['/api/*']",
    mutate: (o) => set(o, ["globalValidation", "excludedPaths"], ["/api/*"]),
  },
  EA005: {
    problem: "v1 issuer, v2 registration",
    mutate: (o) => set(o, [...aad, "registration", "openIdIssuer"], `https://sts.windows.net/${TENANT}/`),
  },
  EA006: {
    problem: "audiences of another app",
    mutate: (o) => set(o, [...aad, "validation", "allowedAudiences"], ["api://some-other-app"]),
    // The registration is v2, so the missing bare client id is a finding of its own.
    also: ["EA007"],
  },
  EA007: {
    problem: "v2 registration, audiences without the bare client id",
    mutate: (o) => set(o, [...aad, "validation", "allowedAudiences"], [`api://${API_ID}`]),
  },
  EA008: {
    problem: "client id of no registration",
    mutate: (o) => {
      reg(o).found = false;
    },
  },
  EA009: {
    problem: "token store off with ARM scope",
    mutate: (o) => set(o, ["login", "tokenStore", "enabled"], false),
  },
  EA010: {
    problem: "the secret app setting is missing",
    mutate: (o) => {
      prod(o).appSettings = [{ name: "SOMETHING_ELSE", keyVaultReference: true }];
    },
  },
  EA011: {
    problem: "ARM missing from requiredResourceAccess",
    mutate: (o) => {
      reg(o).armUserImpersonation = false;
      reg(o).requiredResources = [];
    },
  },
  EA012: {
    problem: "no admin consent for ARM",
    mutate: (o) => {
      reg(o).armConsent = false;
    },
  },
  EA013: {
    problem: "Graph and ARM scopes together",
    mutate: (o) =>
      set(
        o,
        [...aad, "login", "loginParameters"],
        ["scope=openid User.Read https://management.azure.com/user_impersonation"],
      ),
  },
  EA014: {
    problem: "configVersion v1",
    mutate: (o) => {
      prod(o).v1 = { configVersion: "v1", enabled: true, isAuthFromFile: false, authFilePath: null };
    },
  },
  EA015: {
    problem: "platform.configFilePath set",
    mutate: (o) => set(o, ["platform", "configFilePath"], "/auth/config.json"),
  },
  EA016: {
    problem: "appRoleAssignmentRequired false, allowedApplications kept",
    mutate: (o) => {
      reg(o).servicePrincipal = { appRoleAssignmentRequired: false };
    },
  },
  EA017: {
    problem: "identifier URI, no scope, no role",
    mutate: (o) => {
      reg(o).scopes = [];
      reg(o).appRoles = [];
    },
  },
  EA018: {
    problem: "no allowedApplications and no assignment required",
    mutate: (o) => {
      everySite(o, (s) =>
        setPath(s.auth!, [...aad, "validation", "defaultAuthorizationPolicy", "allowedApplications"], []),
      );
      reg(o).servicePrincipal = { appRoleAssignmentRequired: false };
    },
    // Assignment not required on an API registration is a finding of its own.
    also: ["EA016"],
  },
  EA019: {
    problem: "only the service's empty default providers",
    mutate: (o) => setAll(o, [...aad, "registration"], {}),
  },
  EA020: {
    problem: "httpsOnly false",
    mutate: (o) => {
      prod(o).site!.httpsOnly = false;
    },
  },
  EA021: {
    problem: "minTlsVersion 1.0",
    mutate: (o) => {
      prod(o).site!.web.minTlsVersion = "1.0";
    },
  },
  EA022: {
    problem: "scmMinTlsVersion 1.1",
    mutate: (o) => {
      prod(o).site!.web.scmMinTlsVersion = "1.1";
    },
  },
  EA023: {
    problem: "CORS '*'",
    mutate: (o) => {
      prod(o).site!.web.cors = { allowedOrigins: ["*"] };
    },
  },
  EA024: {
    problem: "ftpsState AllAllowed",
    mutate: (o) => {
      prod(o).site!.web.ftpsState = "AllAllowed";
    },
  },
  EA025: {
    problem: "remote debugging on",
    mutate: (o) => {
      prod(o).site!.web.remoteDebuggingEnabled = true;
    },
  },
  EA030: {
    problem: "the secret setting holds a plain value",
    mutate: (o) => {
      prod(o).appSettings = [{ name: "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET", keyVaultReference: false }];
    },
  },
  EA031: {
    problem: "a password ending in 10 days",
    mutate: (o) => {
      reg(o).passwordCredentials[0]!.endDateTime = new Date(Date.parse(NOW) + 10 * DAY).toISOString();
    },
  },
  EA032: {
    problem: "a password that ended yesterday",
    mutate: (o) => {
      reg(o).passwordCredentials[0]!.endDateTime = new Date(Date.parse(NOW) - DAY).toISOString();
    },
  },
  EA040: {
    problem: "newest key 40 days old, maxAge 30d",
    mutate: (o) => {
      o.keys[0]!.physical = [{ name: "apim-20261022t0800z", createdAt: "2026-10-22T08:00:00.000Z" }];
      o.keys[0]!.keyNames = ["default", "apim-20261022t0800z"];
      o.keys[0]!.published = { state: "found", keyName: "apim-20261022t0800z", matchesApp: true };
    },
  },
  EA041: {
    problem: "callers hold 'default' (the secret names it)",
    mutate: (o) => {
      o.keys[0]!.published = { state: "found", keyName: "default", matchesApp: true };
    },
  },
  EA042: {
    problem: "the secret names a key the app no longer has",
    mutate: (o) => {
      o.keys[0]!.published = { state: "found", keyName: "apim-20261001t0800z", matchesApp: false };
    },
  },
  EA043: {
    problem: "a managed key with no secret",
    mutate: (o) => {
      o.keys[0]!.published = { state: "absent" };
    },
  },
  EA050: {
    problem: "staging's action differs from production's",
    mutate: (o) => setPath(o.sites[1]!.auth!, ["globalValidation", "unauthenticatedClientAction"], "Return403"),
  },
};

/** The healthy fleet with one case applied. */
export function broken(id: string): AuditObservations {
  const o = healthy();
  CASES[id]!.mutate(o);
  return o;
}
