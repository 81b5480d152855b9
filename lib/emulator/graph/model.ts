import { randomUUID } from "node:crypto";
import { isObject } from "../http.ts";
import { applyPatch, clone } from "./patch.ts";
import type { Json } from "./schema.ts";

export interface PermissionScope extends Json {
  id: string;
  isEnabled: boolean;
  value: string | null;
}
export interface AppRole extends Json {
  id: string;
  isEnabled: boolean;
  value: string | null;
  allowedMemberTypes: string[];
}
export interface PreAuthorizedApplication extends Json {
  appId: string | null;
  delegatedPermissionIds: string[];
}
export interface ApiApplication extends Json {
  oauth2PermissionScopes: PermissionScope[];
  preAuthorizedApplications: PreAuthorizedApplication[] | null;
  requestedAccessTokenVersion: number | null;
}
export interface Application extends Json {
  id: string;
  appId: string;
  displayName: string | null;
  uniqueName: string | null;
  identifierUris: string[];
  signInAudience: string | null;
  api: ApiApplication | null;
  appRoles: AppRole[];
}
export interface ServicePrincipal extends Json {
  id: string;
  appId: string;
  displayName: string | null;
  appRoles: AppRole[];
  oauth2PermissionScopes: PermissionScope[];
  servicePrincipalNames: string[];
}
export interface PermissionGrant extends Json {
  id: string;
  clientId: string;
  consentType: string | null;
  principalId: string | null;
  resourceId: string;
  scope: string | null;
}

/** An app role granted to a principal on a resource service principal (servicePrincipal: appRoleAssignedTo). */
export interface AppRoleAssignment extends Json {
  id: string;
  appRoleId: string;
  principalId: string;
  principalType: string;
  principalDisplayName: string | null;
  resourceId: string;
  resourceDisplayName: string | null;
  createdDateTime: string;
}

/** A stored object and the time from which reads see it (eventual consistency, docs/contracts/graph.md §5.2). */
export interface Stored<T> {
  data: T;
  visibleAt: number;
}

// Graph timestamps carry no fraction in the application examples ("2019-09-17T19:10:35Z").
export const graphTimestamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

const scopeDefaults = {
  adminConsentDescription: null,
  adminConsentDisplayName: null,
  isEnabled: true,
  type: null,
  userConsentDescription: null,
  userConsentDisplayName: null,
  value: null,
};
const roleDefaults = { allowedMemberTypes: [], description: null, displayName: null, isEnabled: true, value: null };

// `isEnabled` "must be set to true (which is the default)" (permissionScope/appRole docs, docs/contracts/graph.md §1.2);
// `origin` is server-set ("Must not be included in any POST or PATCH requests. Read-only.").
export const normalizeScope = (s: Json): PermissionScope =>
  ({ ...scopeDefaults, id: String(s.id), ...s, origin: "Application" }) as PermissionScope;
export const normalizeRole = (r: Json): AppRole =>
  ({ ...roleDefaults, id: String(r.id), ...r, origin: "Application" }) as AppRole;

const emptyApi = (): ApiApplication => ({
  acceptMappedClaims: null,
  knownClientApplications: [],
  oauth2PermissionScopes: [],
  preAuthorizedApplications: [],
  requestedAccessTokenVersion: null,
});
const info = () => ({
  logoUrl: null,
  marketingUrl: null,
  privacyStatementUrl: null,
  supportUrl: null,
  termsOfServiceUrl: null,
});

/** Complex members as a fresh application has them; also the base a replaced complex value starts from. */
export const applicationComplexDefaults = (): Json => ({
  api: emptyApi(),
  info: info(),
  parentalControlSettings: { countriesBlockedForMinors: [], legalAgeGroupRule: "Allow" },
  publicClient: { redirectUris: [] },
  verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
  web: {
    homePageUrl: null,
    logoutUrl: null,
    redirectUris: [],
    implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false },
    redirectUriSettings: [],
  },
  spa: { redirectUris: [] },
});

/** Fills members a partial complex value lacks (a PATCH onto a null `api`, or nestedPatch "replace"). */
function fill(defaults: Json, value: Json): Json {
  const out: Json = { ...defaults, ...value };
  for (const [k, d] of Object.entries(defaults)) if (isObject(d) && isObject(value[k])) out[k] = fill(d, value[k]);
  return out;
}

export function normalizeApplication(app: Application): Application {
  const out = clone(app);
  for (const [k, d] of Object.entries(applicationComplexDefaults()))
    if (isObject(d) && isObject(out[k])) out[k] = fill(d, out[k]);
  out.appRoles = (out.appRoles ?? []).map(normalizeRole);
  if (isObject(out.api)) {
    out.api.oauth2PermissionScopes = (out.api.oauth2PermissionScopes ?? []).map(normalizeScope);
    out.api.preAuthorizedApplications =
      out.api.preAuthorizedApplications?.map(
        (p: Json) => ({ appId: null, delegatedPermissionIds: [], ...p }) as PreAuthorizedApplication,
      ) ?? null;
  }
  return out;
}

export interface CreateEnv {
  now: number;
  publisherDomain: string;
  createdByAppId: string | null;
  defaultSignInAudience: string;
}

/** A new application as POST or upsert creates it, with server-generated `id`, `appId`, `createdDateTime`. */
export function newApplication(input: Json, env: CreateEnv): Application {
  // The upsert doc's example app, created with only displayName, came back with AzureADandPersonalMicrosoftAccount
  // and requestedAccessTokenVersion 2 (docs/contracts/graph.md §1.2: the docs contradict each other; always send it).
  const audience = typeof input.signInAudience === "string" ? input.signInAudience : env.defaultSignInAudience;
  const personal = audience === "AzureADandPersonalMicrosoftAccount" || audience === "PersonalMicrosoftAccount";
  const base: Application = {
    id: randomUUID(),
    deletedDateTime: null,
    appId: randomUUID(),
    applicationTemplateId: null,
    disabledByMicrosoftStatus: null,
    createdByAppId: env.createdByAppId,
    createdDateTime: graphTimestamp(env.now),
    displayName: null,
    description: null,
    groupMembershipClaims: null,
    identifierUris: [],
    isDeviceOnlyAuthSupported: null,
    isDisabled: null,
    isFallbackPublicClient: null,
    nativeAuthenticationApisEnabled: null,
    notes: null,
    publisherDomain: env.publisherDomain,
    serviceManagementReference: null,
    signInAudience: audience,
    tags: [],
    tokenEncryptionKeyId: null,
    uniqueName: null,
    samlMetadataUrl: null,
    defaultRedirectUri: null,
    certification: null,
    optionalClaims: null,
    servicePrincipalLockConfiguration: null,
    requestSignatureVerification: null,
    authenticationBehaviors: null,
    addIns: [],
    appRoles: [],
    keyCredentials: [],
    managerApplications: [],
    // GET bodies spell it `oauth2RequiredPostResponse` although the metadata says `oauth2RequirePostResponse`
    // (msgraph-sdk-dotnet #2890, docs/contracts/graph.md §2.3); a client that PATCHes a GET body back gets 400.
    oauth2RequiredPostResponse: false,
    passwordCredentials: [],
    requiredResourceAccess: [],
    ...applicationComplexDefaults(),
    api: { ...emptyApi(), requestedAccessTokenVersion: personal ? 2 : null },
  } as Application;
  return normalizeApplication(applyPatch(base, input, "merge", applicationComplexDefaults()));
}

/** What a service principal copies from its application (and keeps following, with lag: docs/contracts/graph.md §3.1). */
export function mirrorOf(app: Application): Partial<ServicePrincipal> {
  return {
    appDisplayName: app.displayName,
    appRoles: clone(app.appRoles),
    oauth2PermissionScopes: clone(app.api?.oauth2PermissionScopes ?? []),
    servicePrincipalNames: [app.appId, ...app.identifierUris],
  };
}

export function newServicePrincipal(
  init: Partial<ServicePrincipal> & { appId: string },
  tenantId: string,
): ServicePrincipal {
  return {
    id: randomUUID(),
    deletedDateTime: null,
    accountEnabled: true,
    alternativeNames: [],
    appDisplayName: null,
    appDescription: null,
    applicationTemplateId: null,
    appOwnerOrganizationId: tenantId,
    appRoleAssignmentRequired: false,
    description: null,
    disabledByMicrosoftStatus: null,
    displayName: null,
    homepage: null,
    loginUrl: null,
    logoutUrl: null,
    notes: null,
    notificationEmailAddresses: [],
    preferredSingleSignOnMode: null,
    preferredTokenSigningKeyThumbprint: null,
    replyUrls: [],
    servicePrincipalNames: [init.appId],
    servicePrincipalType: "Application",
    signInAudience: null,
    tags: [],
    tokenEncryptionKeyId: null,
    samlSingleSignOnSettings: null,
    addIns: [],
    appRoles: [],
    info: info(),
    keyCredentials: [],
    oauth2PermissionScopes: [],
    passwordCredentials: [],
    resourceSpecificApplicationPermissions: [],
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
    ...init,
  };
}
