import type { ArmClient } from "../azure/arm-client.ts";
import { GraphRequestError, type GraphApi } from "../azure/graph-client.ts";
import { isRecord } from "../azure/json.ts";
import { sitePath, type TargetRef } from "../azure/targets.ts";
import {
  applicationPath,
  readApplication,
  readGrants,
  readServicePrincipal,
} from "../resources/registration/observe.ts";
import type { Observed } from "../resources/registration/types.ts";
import { ARM_APP_ID } from "../resources/registration/well-known.ts";
import type { RegistrationObservation, SiteObservation } from "./observation.ts";

/**
 * The reads audit makes besides the kinds' observers. Values that may be secrets are reduced to names and booleans
 * here, before anything else sees them.
 */

/** GET the site: its `kind` (functionapp, app) says whether it is an API. */
export async function readSiteKind(arm: ArmClient, t: TargetRef): Promise<string | undefined> {
  const r = await arm.get<{ kind?: unknown }>(sitePath(t));
  return typeof r.body.kind === "string" ? r.body.kind : undefined;
}

// https://learn.microsoft.com/en-us/azure/app-service/app-service-key-vault-references#reference-syntax
const KV_REFERENCE = /^@Microsoft\.KeyVault\(/i;

/** POST config/appsettings/list (a write-bucket call): setting names and whether each is a Key Vault reference. */
export async function readAppSettingNames(arm: ArmClient, t: TargetRef): Promise<SiteObservation["appSettings"]> {
  const r = await arm.post<{ properties?: Record<string, unknown> }>(`${sitePath(t)}/config/appsettings/list`);
  const props = isRecord(r.body.properties) ? r.body.properties : {};
  return Object.entries(props).map(([name, v]) => ({
    name,
    keyVaultReference: typeof v === "string" && KV_REFERENCE.test(v.trim()),
  }));
}

/** POST config/authsettings/list (a write-bucket call): which auth version is active, and the file-based flags. */
export async function readV1Flags(arm: ArmClient, t: TargetRef): Promise<SiteObservation["v1"]> {
  const r = await arm.post<{ properties?: Record<string, unknown> }>(`${sitePath(t)}/config/authsettings/list`);
  const p = isRecord(r.body.properties) ? r.body.properties : {};
  // isAuthFromFile is a string ("true"/"false") in the V1 contract (SiteAuthSettings).
  const fromFile =
    p.isAuthFromFile === true || (typeof p.isAuthFromFile === "string" && p.isAuthFromFile.toLowerCase() === "true");
  return {
    ...(typeof p.configVersion === "string" ? { configVersion: p.configVersion } : {}),
    ...(typeof p.enabled === "boolean" ? { enabled: p.enabled } : {}),
    isAuthFromFile: fromFile,
    authFilePath: typeof p.authFilePath === "string" && p.authFilePath ? p.authFilePath : null,
    inlineClientSecret: typeof p.clientSecret === "string" && p.clientSecret !== "",
  };
}

type PasswordList = RegistrationObservation["passwordCredentials"];

/** The registration's password credentials: ids, names and end dates (Graph returns no secret text on reads). */
export async function readPasswordCredentials(graph: GraphApi, appId: string): Promise<PasswordList> {
  try {
    const raw = await graph.get<{ passwordCredentials?: unknown }>(applicationPath({ appId }), {
      select: ["passwordCredentials"],
    });
    const list = Array.isArray(raw.passwordCredentials) ? raw.passwordCredentials.filter(isRecord) : [];
    return list.map((p) => ({
      keyId: String(p.keyId ?? ""),
      displayName: typeof p.displayName === "string" ? p.displayName : null,
      endDateTime: typeof p.endDateTime === "string" ? p.endDateTime : null,
    }));
  } catch (e) {
    if (e instanceof GraphRequestError && e.status === 404) return [];
    throw e;
  }
}

/**
 * Reads a registration by appId: through the registration kind's observation when the config names it (`observed`),
 * otherwise the same helpers the kind uses; then its password credentials and ARM consent.
 */
export async function readRegistration(
  graph: GraphApi,
  appId: string,
  armServicePrincipalId: () => Promise<string | undefined>,
  observed?: { observed: Observed; appIndex: number; label: string; grantsRead: boolean },
): Promise<RegistrationObservation> {
  const application = observed ? observed.observed.application : await readApplication(graph, { appId });
  const base = { appId: appId.toLowerCase(), label: observed?.label ?? `application ${appId}` };
  const empty = {
    identifierUris: [],
    requestedAccessTokenVersion: null,
    scopes: [],
    appRoles: [],
    requiredResources: [],
    armUserImpersonation: false,
    armConsent: false,
    passwordCredentials: [],
  };
  if (!application) return { ...base, ...empty, found: false, ...(observed ? { appIndex: observed.appIndex } : {}) };
  const sp = observed ? observed.observed.servicePrincipal : await readServicePrincipal(graph, application.appId);
  const grants = sp ? (observed?.grantsRead ? observed.observed.grants : await readGrants(graph, sp.id)) : [];
  const armSp = await armServicePrincipalId();
  const arm = application.requiredResourceAccess.find((r) => r.resourceAppId.toLowerCase() === ARM_APP_ID);
  return {
    ...base,
    label: observed?.label ?? `application '${application.uniqueName ?? application.displayName ?? appId}'`,
    found: true,
    ...(observed ? { appIndex: observed.appIndex } : {}),
    displayName: application.displayName,
    identifierUris: application.identifierUris,
    requestedAccessTokenVersion: application.api.requestedAccessTokenVersion,
    scopes: application.api.oauth2PermissionScopes.filter((s) => s.isEnabled && s.value).map((s) => s.value!),
    appRoles: application.appRoles.filter((r) => r.isEnabled && r.value).map((r) => r.value!),
    requiredResources: application.requiredResourceAccess.map((r) => r.resourceAppId.toLowerCase()),
    armUserImpersonation: Boolean(arm?.resourceAccess.some((a) => a.type === "Scope")),
    armConsent: grants.some(
      (g) =>
        g.consentType === "AllPrincipals" &&
        armSp !== undefined &&
        g.resourceId.toLowerCase() === armSp.toLowerCase() &&
        (g.scope ?? "").split(/\s+/).includes("user_impersonation"),
    ),
    ...(sp ? { servicePrincipal: { appRoleAssignmentRequired: sp.appRoleAssignmentRequired } } : {}),
    passwordCredentials: await readPasswordCredentials(graph, application.appId),
  };
}

/** The object id of ARM's service principal in the tenant (grants name it as their resource). */
export async function readArmServicePrincipalId(graph: GraphApi): Promise<string | undefined> {
  return (await readServicePrincipal(graph, ARM_APP_ID))?.id;
}
