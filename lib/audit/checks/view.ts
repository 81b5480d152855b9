import { getPath, isRecord } from "../../azure/json.ts";
import { parseLoginParameters, scopeResources } from "../../resources/auth/login-parameters.ts";
import { isProviderConfigured } from "../../resources/auth/providers.ts";
import type { AuditObservations, RegistrationObservation, SiteObservation } from "../observation.ts";

/** Small readers over an authsettingsV2 `properties` document, shared by the checks. */

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

export const aadOf = (props: Record<string, unknown>): Record<string, unknown> | undefined => {
  const aad = getPath(props, ["identityProviders", "azureActiveDirectory"]);
  return isRecord(aad) ? aad : undefined;
};

/** The Entra provider, only when it is configured (enabled and registered: the service fills in empty ones). */
export function configuredAad(props: Record<string, unknown>): Record<string, unknown> | undefined {
  const aad = aadOf(props);
  return aad && isProviderConfigured(aad) ? aad : undefined;
}

export const clientIdOf = (aad: Record<string, unknown>): string | undefined => {
  const v = getPath(aad, ["registration", "clientId"]);
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
};

export const audiencesOf = (aad: Record<string, unknown>): string[] =>
  strings(getPath(aad, ["validation", "allowedAudiences"]));

export const allowedApplicationsOf = (aad: Record<string, unknown>): string[] =>
  strings(getPath(aad, ["validation", "defaultAuthorizationPolicy", "allowedApplications"]));

/** The resources whose scopes `loginParameters` asks for (`https://management.azure.com`, Graph for bare scopes). */
export function requestedResources(aad: Record<string, unknown>): string[] {
  return scopeResources(parseLoginParameters(strings(getPath(aad, ["login", "loginParameters"]))).scopes);
}

// ARM of each cloud (docs/clouds.md): its user_impersonation is what the code flow asks for.
const ARM_RESOURCE = /^https:\/\/management\.(azure\.com|usgovcloudapi\.net|chinacloudapi\.cn)$/i;
export const isArmResource = (r: string) => ARM_RESOURCE.test(r);

/** The document asks Easy Auth for an ARM token on the user's behalf. */
export const asksForArm = (aad: Record<string, unknown>) => requestedResources(aad).some(isArmResource);

/** Issuer version from `openIdIssuer`: v2 issuers end in /v2.0, v1 ones are sts.windows.net-style. */
export function issuerVersion(issuer: string | undefined): 1 | 2 | undefined {
  if (!issuer) return undefined;
  return /\/v2\.0\/?$/i.test(issuer) ? 2 : 1;
}

export const registrationOf = (o: AuditObservations, appId: string | undefined): RegistrationObservation | undefined =>
  appId ? o.registrations[appId.toLowerCase()] : undefined;

/** An API registration: it exposes a scope, an app role or an identifier URI. */
export const isApiRegistration = (r: RegistrationObservation) =>
  r.scopes.length > 0 || r.appRoles.length > 0 || r.identifierUris.length > 0;

/**
 * An app is an API when it is a function app, or when the registration its Easy Auth (or its config) names exposes
 * an API. A web app's login redirect is expected; an API's is not.
 */
export function isApi(site: SiteObservation, o: AuditObservations): boolean {
  if (site.siteKind?.toLowerCase().includes("functionapp")) return true;
  const aad = site.auth ? configuredAad(site.auth) : undefined;
  const reg = registrationOf(o, (aad && clientIdOf(aad)) ?? site.configRegistration);
  return Boolean(reg?.found && isApiRegistration(reg));
}

export const platformEnabled = (props: Record<string, unknown>) => getPath(props, ["platform", "enabled"]) === true;
