import { CLOUDS, issuerFor as cloudIssuer, type Cloud } from "../../azure/clouds.ts";
import type { AuthConfig } from "./schema.ts";
import { normalizeListPolicy, type ListPolicy } from "../../pipeline/list-policy.ts";
import { mergeLoginParameters } from "./login-parameters.ts";

/** What planning needs besides the config: values resolved from the tenant and the registration. */
export interface AuthContext {
  tenantId: string;
  /** Client id (appId), literal from config or resolved from the registration. */
  clientId?: string;
  /** Access token version of the registration (1 or 2). */
  tokenVersion: 1 | 2;
  /** The cloud the tenant lives in: its authority names the issuer (default AzureCloud). */
  cloud?: Cloud;
}

/** One field of authsettingsV2 `properties` the config owns, and how to compute its desired value from the current one. */
export interface OwnedField {
  path: string[];
  security: boolean;
  desired(current: unknown): unknown;
}

const AAD = ["identityProviders", "azureActiveDirectory"];

export function issuerFor(tokenVersion: 1 | 2, tenantId: string, cloud: Cloud = CLOUDS.AzureCloud): string {
  // v1 tokens carry iss={sts}/{tid}/ (public: https://sts.windows.net) and v2 {authority}/{tid}/v2.0 (public:
  // https://login.microsoftonline.com), each of the tenant's cloud (docs/clouds.md); Easy Auth compares the configured
  // issuer with the token's, so it must follow the registration's token version and the cloud.
  return cloudIssuer(cloud, tokenVersion, tenantId);
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

export function mergeList(current: unknown, policy: ListPolicy): string[] {
  if (policy.mode === "exact") return [...new Set(policy.values)];
  const out = strings(current);
  for (const v of policy.values) if (!out.includes(v)) out.push(v);
  return out;
}

const substitute = (p: ListPolicy, ctx: AuthContext): ListPolicy => ({
  ...p,
  values: p.values.map((v) => (ctx.clientId ? v.replaceAll("{appId}", ctx.clientId) : v)),
});

const scalar = (path: string[], value: unknown, security: boolean): OwnedField => ({
  path,
  security,
  desired: () => value,
});
const list = (path: string[], policy: ListPolicy, security: boolean): OwnedField => ({
  path,
  security,
  desired: (cur) => mergeList(cur, policy),
});

/** The owned fields of one app's config: only those it mentions (docs/configure-auth.md, "What it owns"). */
export function ownedFields(auth: AuthConfig, ctx: AuthContext): OwnedField[] {
  const f: OwnedField[] = [scalar(["platform", "enabled"], auth.enabled, true)];
  if (auth.requireAuthentication !== undefined)
    f.push(scalar(["globalValidation", "requireAuthentication"], auth.requireAuthentication, true));
  if (auth.unauthenticatedClientAction)
    f.push(scalar(["globalValidation", "unauthenticatedClientAction"], auth.unauthenticatedClientAction, true));
  const excluded = normalizeListPolicy(auth.excludedPaths);
  if (excluded) f.push(list(["globalValidation", "excludedPaths"], excluded, true));
  if (auth.tokenStore !== undefined) f.push(scalar(["login", "tokenStore", "enabled"], auth.tokenStore, false));
  if (auth.requireHttps !== undefined) f.push(scalar(["httpSettings", "requireHttps"], auth.requireHttps, true));

  const aad = auth.azureActiveDirectory;
  if (!aad) return f;
  f.push(scalar([...AAD, "enabled"], aad.enabled, true));
  if (ctx.clientId) f.push(scalar([...AAD, "registration", "clientId"], ctx.clientId, true));
  f.push(scalar([...AAD, "registration", "openIdIssuer"], issuerFor(ctx.tokenVersion, ctx.tenantId, ctx.cloud), true));
  if (aad.clientSecretSettingName)
    f.push(scalar([...AAD, "registration", "clientSecretSettingName"], aad.clientSecretSettingName, false));
  if (aad.loginParameters) {
    const wanted = aad.loginParameters;
    f.push({
      path: [...AAD, "login", "loginParameters"],
      security: false,
      desired: (cur) => mergeLoginParameters(strings(cur), wanted),
    });
  }
  const audiences = normalizeListPolicy(aad.allowedAudiences);
  if (audiences) {
    const p = substitute(audiences, ctx);
    // A v2 access token's aud is the bare client id (api://… only for v1), so v2 apps must also accept it.
    if (ctx.tokenVersion === 2 && ctx.clientId && !p.values.includes(ctx.clientId))
      p.values = [...p.values, ctx.clientId];
    f.push(list([...AAD, "validation", "allowedAudiences"], p, true));
  }
  const apps = normalizeListPolicy(aad.allowedApplications);
  if (apps)
    f.push(
      list([...AAD, "validation", "defaultAuthorizationPolicy", "allowedApplications"], substitute(apps, ctx), true),
    );
  return f;
}
