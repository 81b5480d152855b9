import { isObject, jsonBody, send, type Ctx, type Route } from "../http.ts";
import { armError, legacyError, missingProperties } from "./errors.ts";
import { childResource, clone, siteAndSlot, type ArmEnv, type Target } from "./model.ts";
import type { JsonObject } from "./state.ts";

const ACTIONS = ["RedirectToLoginPage", "AllowAnonymous", "Return401", "Return403"];

// Secret-like values the redacted root GET blanks. The spec does not say what WithoutSecrets hides
// (docs/contracts/arm.md §1.1); the emulator blanks these so that a tool that PUTs back a root-GET body visibly loses data.
const REDACTED_KEYS = /^(clientSecretCertificateThumbprint|clientSecret|appSecret|consumerSecret)$/i;

function redact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redact);
  if (!isObject(v)) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k, REDACTED_KEYS.test(k) && typeof x === "string" ? null : redact(x)]),
  );
}

/**
 * How the service presents a V1-configured app through the V2 API (a read-only projection; the data plane
 * (lib/emulator/sites/) runs a V1 app's Easy Auth from it).
 */
export function v2ViewOfV1(v1: JsonObject): JsonObject {
  if (!v1.enabled) return {};
  return withoutNulls({
    platform: { enabled: true, runtimeVersion: v1.runtimeVersion ?? "~1" },
    globalValidation: {
      requireAuthentication: v1.unauthenticatedClientAction !== "AllowAnonymous",
      unauthenticatedClientAction: v1.unauthenticatedClientAction ?? "RedirectToLoginPage",
    },
    identityProviders: {
      azureActiveDirectory: {
        enabled: Boolean(v1.clientId),
        registration: {
          clientId: v1.clientId,
          openIdIssuer: v1.issuer,
          clientSecretSettingName: v1.clientSecretSettingName,
        },
        login: { loginParameters: v1.additionalLoginParams },
        validation: { allowedAudiences: v1.allowedAudiences ?? [] },
      },
    },
    login: { tokenStore: { enabled: Boolean(v1.tokenStoreEnabled) } },
  }) as JsonObject;
}

function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v;
  if (!isObject(v)) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== null && x !== undefined)
      .map(([k, x]) => [k, withoutNulls(x)]),
  );
}

// What the service stores after a PUT (Azure/azure-cli-extensions `src/authV2` test recordings): every built-in
// identity provider object, each `enabled: true` with an empty `registration` unless the body says otherwise, and
// the token store and nonce defaults. IdentityProviders, TokenStore and Nonce in SiteAuthSettingsV2 (WebApps.json).
const PROVIDERS = [
  "azureActiveDirectory",
  "facebook",
  "gitHub",
  "google",
  "legacyMicrosoftAccount",
  "twitter",
  "apple",
  "azureStaticWebApps",
];
const TOKEN_STORE_DEFAULTS = { enabled: false, tokenRefreshExtensionHours: 72 };
const NONCE_DEFAULTS = { validateNonce: true, nonceExpirationInterval: "00:05:00" };

// Every boolean property of SiteAuthSettingsV2 and its children (WebApps.json 2024-11-01): the service deserializes
// "true"/"False" sent for them and stores booleans.
const BOOLEAN_KEYS = new Set([
  "disableWWWAuthenticate",
  "enabled",
  "isAutoProvisioned",
  "preserveUrlFragmentsForLogins",
  "requireAuthentication",
  "requireHttps",
  "validateNonce",
]);

function booleansOf(v: unknown, key?: string): unknown {
  if (Array.isArray(v)) return v.map((x) => booleansOf(x));
  if (typeof v === "string" && key && BOOLEAN_KEYS.has(key) && /^(true|false)$/i.test(v.trim()))
    return v.trim().toLowerCase() === "true";
  if (!isObject(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, booleansOf(x, k)]));
}

const objectAt = (o: JsonObject, key: string): JsonObject => {
  if (!isObject(o[key])) o[key] = {};
  return o[key] as JsonObject;
};

/** A PUT body as the service stores it: booleans as booleans, then its defaults under what was sent. */
export function storedAuthV2(props: JsonObject): JsonObject {
  const out = booleansOf(clone(props)) as JsonObject;
  const providers = objectAt(out, "identityProviders");
  for (const name of PROVIDERS) {
    const p = objectAt(providers, name);
    if (p.enabled === undefined || p.enabled === null) p.enabled = true;
    objectAt(p, "registration");
  }
  const login = objectAt(out, "login");
  login.tokenStore = { ...TOKEN_STORE_DEFAULTS, ...objectAt(login, "tokenStore") };
  login.nonce = { ...NONCE_DEFAULTS, ...objectAt(login, "nonce") };
  return out;
}

// Every property of SiteAuthSettings (V1, WebApps.json 2024-11-01): the service returns each one, null when unset.
const V1_FIELDS = [
  "enabled",
  "runtimeVersion",
  "unauthenticatedClientAction",
  "tokenStoreEnabled",
  "allowedExternalRedirectUrls",
  "defaultProvider",
  "tokenRefreshExtensionHours",
  "clientId",
  "clientSecret",
  "clientSecretSettingName",
  "clientSecretCertificateThumbprint",
  "issuer",
  "validateIssuer",
  "allowedAudiences",
  "additionalLoginParams",
  "aadClaimsAuthorization",
  "googleClientId",
  "googleClientSecret",
  "googleClientSecretSettingName",
  "googleOAuthScopes",
  "facebookAppId",
  "facebookAppSecret",
  "facebookAppSecretSettingName",
  "facebookOAuthScopes",
  "gitHubClientId",
  "gitHubClientSecret",
  "gitHubClientSecretSettingName",
  "gitHubOAuthScopes",
  "twitterConsumerKey",
  "twitterConsumerSecret",
  "twitterConsumerSecretSettingName",
  "microsoftAccountClientId",
  "microsoftAccountClientSecret",
  "microsoftAccountClientSecretSettingName",
  "microsoftAccountOAuthScopes",
  "isAuthFromFile",
  "authFilePath",
];

function v1Properties(t: Target): JsonObject {
  const all: JsonObject = Object.fromEntries(V1_FIELDS.map((k) => [k, null]));
  return { ...all, ...clone(t.app.authV1), configVersion: t.app.configVersion };
}

function v2Properties(t: Target): JsonObject {
  if (t.app.authV2) return clone(t.app.authV2);
  return t.app.configVersion === "v1" ? v2ViewOfV1(t.app.authV1) : {};
}

function invalidAction(props: JsonObject): string | undefined {
  const gv = props.globalValidation;
  const action = isObject(gv) ? gv.unauthenticatedClientAction : undefined;
  if (action === undefined || action === null) return undefined;
  return typeof action === "string" && ACTIONS.includes(action) ? undefined : String(action);
}

export function authSettingsRoutes(env: ArmEnv): Route[] {
  const v2Doc = (t: Target, props: unknown) => ({
    ...childResource(t, "config/authsettingsV2", "config", "authsettingsV2", props),
    kind: t.site.kind,
  });
  const v1Doc = (t: Target) => ({
    ...childResource(t, "config/authsettings", "config", "authsettings", v1Properties(t)),
    kind: t.site.kind,
  });

  const putV2 = (ctx: Ctx, t: Target) => {
    const body = jsonBody(ctx);
    if (!isObject(body) || !("properties" in body)) throw missingProperties();
    if (body.properties !== null && !isObject(body.properties))
      return armError(
        ctx,
        400,
        "InvalidRequestContent",
        "The request content was invalid and could not be deserialized: 'properties' must be an object.",
      );
    const props = (body.properties ?? {}) as JsonObject;
    const bad = invalidAction(props);
    if (bad)
      return armError(
        ctx,
        400,
        "InvalidRequestContent",
        `The request content was invalid and could not be deserialized: Error converting value "${bad}" to type 'UnauthenticatedClientActionV2'. Path 'properties.globalValidation.unauthenticatedClientAction'.`,
      );
    t.app.authV2 = body.properties === null ? undefined : storedAuthV2(props);
    // A V2 PUT on a V1 app is the migration (configure-authentication-api-version: "can't be reversed").
    t.app.configVersion = "v2";
    send(ctx, 200, v2Doc(t, t.app.authV2 ?? {}));
  };

  const putV1 = (ctx: Ctx, t: Target) => {
    const body = jsonBody(ctx);
    if (!isObject(body) || !isObject(body.properties))
      return legacyError(ctx, 400, "BadRequest", "Properties object is not present in the request body.");
    const { configVersion, ...props } = body.properties;
    t.app.authV1 = clone(props);
    if (configVersion === "v1" || configVersion === "v2") t.app.configVersion = configVersion;
    if (t.app.configVersion === "v1") t.app.authV2 = undefined;
    send(ctx, 200, v1Doc(t));
  };

  const noPatch = (ctx: Ctx) =>
    legacyError(ctx, 405, "MethodNotAllowed", "The requested resource does not support http method 'PATCH'.");

  return [
    ...siteAndSlot(env, "GET", "/config/authsettingsV2/list", (ctx, t) => send(ctx, 200, v2Doc(t, v2Properties(t)))),
    ...siteAndSlot(env, "GET", "/config/authsettingsV2", (ctx, t) => send(ctx, 200, v2Doc(t, redact(v2Properties(t))))),
    ...siteAndSlot(env, "PUT", "/config/authsettingsV2", putV2),
    ...siteAndSlot(env, "PATCH", "/config/authsettingsV2", noPatch),
    ...siteAndSlot(env, "POST", "/config/authsettings/list", (ctx, t) => send(ctx, 200, v1Doc(t))),
    ...siteAndSlot(env, "PUT", "/config/authsettings", putV1),
  ];
}
