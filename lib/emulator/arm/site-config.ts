import { isObject, send, type Ctx, type Route } from "../http.ts";
import { LegacyArmError } from "./errors.ts";
import { bodyObject, childResource, clone, siteAndSlot, type ArmEnv, type Target } from "./model.ts";
import type { JsonObject } from "./state.ts";

// `SupportedTlsVersions` and `FtpsState` as @azure/arm-appservice 19 lists them (KnownSupportedTlsVersions,
// KnownFtpsState; docs/contracts/arm.md §11.1). The service answers the canonical spelling whatever case was sent.
const TLS_VERSIONS = ["1.0", "1.1", "1.2", "1.3"];
const ENUMS: Record<string, string[]> = {
  minTlsVersion: TLS_VERSIONS,
  scmMinTlsVersion: TLS_VERSIONS,
  ftpsState: ["AllAllowed", "FtpsOnly", "Disabled"],
};
const BOOLEANS = [
  "remoteDebuggingEnabled",
  "http20Enabled",
  "alwaysOn",
  "webSocketsEnabled",
  "requestTracingEnabled",
  "httpLoggingEnabled",
  "detailedErrorLoggingEnabled",
  "use32BitWorkerProcess",
  "scmIpSecurityRestrictionsUseMain",
  "vnetRouteAllEnabled",
];

const ALLOW_ALL = [
  { ipAddress: "Any", action: "Allow", priority: 2147483647, name: "Allow all", description: "Allow all access" },
];

/**
 * What GET config/web answers for a field nobody set: the platform defaults of a new app (names from the SDK's
 * `SiteConfig`; values as GET config/web shows them on a new app, e.g. the response quoted in
 * prancer-io/prancer-compliance-test#413). Minimum TLS 1.2 is the default for new apps
 * (learn.microsoft.com/azure/app-service/overview-tls); FtpsOnly is what portal-created apps get (Azure/azure-dev#1345;
 * older API-created apps had AllAllowed, Azure/azure-powershell#6130); CORS is `null` until configured.
 */
const DEFAULTS: JsonObject = {
  numberOfWorkers: 1,
  netFrameworkVersion: "v4.0",
  phpVersion: "",
  pythonVersion: "",
  nodeVersion: "",
  powerShellVersion: "",
  linuxFxVersion: "",
  requestTracingEnabled: false,
  remoteDebuggingEnabled: false,
  httpLoggingEnabled: false,
  logsDirectorySizeLimit: 35,
  detailedErrorLoggingEnabled: false,
  scmType: "None",
  use32BitWorkerProcess: true,
  webSocketsEnabled: false,
  alwaysOn: false,
  managedPipelineMode: "Integrated",
  loadBalancing: "LeastRequests",
  autoHealEnabled: false,
  vnetRouteAllEnabled: false,
  cors: null,
  ipSecurityRestrictions: ALLOW_ALL,
  scmIpSecurityRestrictions: ALLOW_ALL,
  scmIpSecurityRestrictionsUseMain: false,
  http20Enabled: false,
  minTlsVersion: "1.2",
  scmMinTlsVersion: "1.2",
  ftpsState: "FtpsOnly",
  preWarmedInstanceCount: 0,
  functionsRuntimeScaleMonitoringEnabled: false,
  minimumElasticInstanceCount: 0,
};

const CORS_DEFAULTS = { allowedOrigins: [], supportCredentials: false };

/** The stored fields over the platform defaults; a stored `cors` gets the members it lacks. */
export function effectiveSiteConfig(stored: JsonObject): JsonObject {
  const out = { ...clone(DEFAULTS), ...clone(stored) };
  if (isObject(out.cors)) out.cors = { ...CORS_DEFAULTS, ...out.cors };
  return out;
}

/**
 * The RP's refusal of a bad value, legacy shape and all: ExtendedCode 01007, "The parameter {0} has an invalid
 * value." with the PascalCase name (quoted for LinuxFxVersion in serverless/serverless-azure-functions#437 and
 * Azure/azure-cli#17020). The same template is assumed for the fields checked here.
 */
export function invalidParameter(field: string): LegacyArmError {
  const name = field.charAt(0).toUpperCase() + field.slice(1);
  return new LegacyArmError(400, "BadRequest", `The parameter ${name} has an invalid value.`, {
    code: "01007",
    template: "The parameter {0} has an invalid value.",
    parameters: [name],
  });
}

/** A boolean setting; `"true"`/`"false"` are read as booleans, as the service's JSON reader does. Undefined when absent. */
export function booleanSetting(field: string, v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "false") return v === "true";
  throw invalidParameter(field);
}

function corsSetting(v: unknown): JsonObject {
  if (!isObject(v)) throw invalidParameter("cors");
  const { allowedOrigins, supportCredentials } = v;
  if (
    allowedOrigins !== undefined &&
    allowedOrigins !== null &&
    !(Array.isArray(allowedOrigins) && allowedOrigins.every((o) => typeof o === "string"))
  )
    throw invalidParameter("allowedOrigins");
  const credentials = booleanSetting("supportCredentials", supportCredentials);
  return { ...clone(v), ...(credentials !== undefined ? { supportCredentials: credentials } : {}) };
}

/**
 * Checks a `SiteConfig` body and returns what to store: enum values in canonical spelling, booleans as booleans,
 * unknown fields as sent. A `null` means "not sent" (PATCH leaves the field alone, PUT leaves it at its default).
 * Throws the service's 400 for the first bad value, before anything is stored.
 */
export function normalizeSiteConfig(props: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(props)) {
    if (v === null || v === undefined) continue;
    const allowed = ENUMS[k];
    if (allowed) {
      // A JSON number is read as its text, as the service's JSON reader does for a string field (YAML `1.2` in a seed).
      const text = typeof v === "number" ? v.toFixed(1) : v;
      const hit = typeof text === "string" ? allowed.find((a) => a.toLowerCase() === text.toLowerCase()) : undefined;
      if (!hit) throw invalidParameter(k);
      out[k] = hit;
    } else if (BOOLEANS.includes(k)) out[k] = booleanSetting(k, v);
    else if (k === "cors") out[k] = corsSetting(v);
    else out[k] = clone(v);
  }
  return out;
}

/**
 * `config/web` of a site or slot (WebApps_GetConfiguration / UpdateConfiguration / CreateOrUpdateConfiguration,
 * docs/contracts/arm.md §11.1): GET answers every field, defaults filled in; PATCH changes only the fields sent (a
 * sent `cors` replaces the stored one whole); PUT replaces the whole `SiteConfig`.
 */
export function siteConfigRoutes(env: ArmEnv): Route[] {
  const doc = (t: Target) => childResource(t, "config/web", "config", "web", effectiveSiteConfig(t.app.siteConfig));
  const write = (replace: boolean) => (ctx: Ctx, t: Target) => {
    const body = bodyObject(ctx);
    const props = normalizeSiteConfig(isObject(body.properties) ? body.properties : {});
    t.app.siteConfig = replace ? props : { ...t.app.siteConfig, ...props };
    send(ctx, 200, doc(t));
  };
  return [
    ...siteAndSlot(env, "GET", "/config/web", (ctx, t) => send(ctx, 200, doc(t))),
    ...siteAndSlot(env, "PUT", "/config/web", write(true)),
    ...siteAndSlot(env, "PATCH", "/config/web", write(false)),
  ];
}
