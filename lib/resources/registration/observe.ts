import { GraphRequestError, type GraphApi } from "../../azure/graph-client.ts";
import { isRecord } from "../../azure/json.ts";
import { notYetVisible, withConsistencyRetry, type RetryPolicy } from "./consistency.ts";
import type { DesiredRegistration } from "./desired.ts";
import type {
  ApiApplication,
  AppRole,
  Observed,
  ObservedApplication,
  ObservedAssignment,
  ObservedGrant,
  ObservedServicePrincipal,
  PermissionScope,
  PreAuthorizedApplication,
  RequiredResourceAccess,
  ResourceInfo,
} from "./types.ts";

// $select keeps reads cheap (it lowers the throttling cost, docs/contracts/graph.md §5.3) and limits what is read to
// what the tool owns; nothing read here is ever sent back as read.
export const APPLICATION_SELECT = [
  "id",
  "appId",
  "uniqueName",
  "displayName",
  "signInAudience",
  "identifierUris",
  "api",
  "appRoles",
  "requiredResourceAccess",
];
const SP_SELECT = ["id", "appId", "appRoleAssignmentRequired", "tags"];
const GRANT_SELECT = ["id", "clientId", "consentType", "resourceId", "scope"];
const RESOURCE_SELECT = ["id", "appId", "oauth2PermissionScopes", "appRoles"];

type Raw = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const records = (v: unknown): Raw[] => (Array.isArray(v) ? v.filter(isRecord) : []);

/** OData key literal: single quotes doubled. */
export const odataString = (s: string) => `'${s.replace(/'/g, "''")}'`;

// Only the writable members of permissionScope / appRole (CSDL): `origin` is read-only and "Must not be included in
// any POST or PATCH requests" (docs/contracts/graph.md §1.2), and unknown members are not ours to send.
const scopeOf = (s: Raw): PermissionScope => ({
  id: String(s.id),
  value: str(s.value),
  type: str(s.type),
  isEnabled: s.isEnabled !== false,
  adminConsentDisplayName: str(s.adminConsentDisplayName),
  adminConsentDescription: str(s.adminConsentDescription),
  userConsentDisplayName: str(s.userConsentDisplayName),
  userConsentDescription: str(s.userConsentDescription),
});

const roleOf = (r: Raw): AppRole => ({
  id: String(r.id),
  value: str(r.value),
  isEnabled: r.isEnabled !== false,
  displayName: str(r.displayName),
  description: str(r.description),
  allowedMemberTypes: strings(r.allowedMemberTypes),
});

function apiOf(v: unknown): ApiApplication {
  const a = isRecord(v) ? v : {};
  const preAuth: PreAuthorizedApplication[] = records(a.preAuthorizedApplications).map((p) => ({
    appId: String(p.appId ?? ""),
    delegatedPermissionIds: strings(p.delegatedPermissionIds),
  }));
  return {
    acceptMappedClaims: typeof a.acceptMappedClaims === "boolean" ? a.acceptMappedClaims : null,
    knownClientApplications: strings(a.knownClientApplications),
    oauth2PermissionScopes: records(a.oauth2PermissionScopes).map(scopeOf),
    preAuthorizedApplications: preAuth,
    requestedAccessTokenVersion:
      typeof a.requestedAccessTokenVersion === "number" ? a.requestedAccessTokenVersion : null,
  };
}

export function applicationOf(raw: Raw): ObservedApplication {
  const rra: RequiredResourceAccess[] = records(raw.requiredResourceAccess).map((r) => ({
    resourceAppId: String(r.resourceAppId),
    resourceAccess: records(r.resourceAccess).map((a) => ({
      id: String(a.id),
      type: a.type === "Role" ? "Role" : "Scope",
    })),
  }));
  return {
    id: String(raw.id),
    appId: String(raw.appId),
    uniqueName: str(raw.uniqueName),
    displayName: str(raw.displayName),
    signInAudience: str(raw.signInAudience),
    identifierUris: strings(raw.identifierUris),
    api: apiOf(raw.api),
    appRoles: records(raw.appRoles).map(roleOf),
    requiredResourceAccess: rra,
  };
}

const spOf = (raw: Raw): ObservedServicePrincipal => ({
  id: String(raw.id),
  appId: String(raw.appId),
  appRoleAssignmentRequired: raw.appRoleAssignmentRequired === true,
  tags: strings(raw.tags),
});
const grantOf = (raw: Raw): ObservedGrant => ({
  id: String(raw.id),
  clientId: String(raw.clientId),
  resourceId: String(raw.resourceId),
  consentType: str(raw.consentType),
  scope: str(raw.scope),
});

/** Reads that answer 404 for "absent" give undefined; `retry404` polls first (an object created moments ago). */
async function maybe<T>(read: () => Promise<T>, retry404: RetryPolicy | undefined): Promise<T | undefined> {
  try {
    return retry404 ? await withConsistencyRetry(read, notYetVisible, retry404) : await read();
  } catch (e) {
    if (e instanceof GraphRequestError && e.status === 404) return undefined;
    throw e;
  }
}

export function applicationPath(address: { appId?: string; uniqueName?: string }): string {
  return address.appId
    ? `/applications(appId=${odataString(address.appId)})`
    : `/applications(uniqueName=${odataString(address.uniqueName ?? "")})`;
}

export async function readApplication(
  graph: GraphApi,
  address: { appId?: string; uniqueName?: string },
  retry404?: RetryPolicy,
): Promise<ObservedApplication | undefined> {
  const raw = await maybe(() => graph.get<Raw>(applicationPath(address), { select: APPLICATION_SELECT }), retry404);
  return raw && applicationOf(raw);
}

export async function readServicePrincipal(
  graph: GraphApi,
  appId: string,
  retry404?: RetryPolicy,
): Promise<ObservedServicePrincipal | undefined> {
  const raw = await maybe(
    () => graph.get<Raw>(`/servicePrincipals(appId=${odataString(appId)})`, { select: SP_SELECT }),
    retry404,
  );
  return raw && spOf(raw);
}

const ASSIGNMENT_SELECT = ["id", "principalId", "principalType", "appRoleId"];

/** Who holds which app role of this API (https://learn.microsoft.com/en-us/graph/api/serviceprincipal-list-approleassignedto). */
export async function readAssignments(graph: GraphApi, servicePrincipalId: string): Promise<ObservedAssignment[]> {
  const raw = await graph.list<Raw>(`/servicePrincipals/${encodeURIComponent(servicePrincipalId)}/appRoleAssignedTo`, {
    select: ASSIGNMENT_SELECT,
  });
  return raw.map((a) => ({
    id: String(a.id),
    principalId: String(a.principalId).toLowerCase(),
    principalType: str(a.principalType),
    appRoleId: String(a.appRoleId).toLowerCase(),
  }));
}

/** The service principal object id of each caller named by appId (null: none in this tenant). */
async function readCallers(graph: GraphApi, appIds: string[]): Promise<Record<string, string | null>> {
  const ids = await Promise.all(
    appIds.map(async (appId) => [appId, (await readServicePrincipal(graph, appId))?.id.toLowerCase() ?? null] as const),
  );
  return Object.fromEntries(ids);
}

export async function readGrants(graph: GraphApi, servicePrincipalId: string): Promise<ObservedGrant[]> {
  // One query for every resource: clientId and consentType support $filter eq (docs/contracts/graph.md §3.4).
  const raw = await graph.list<Raw>("/oauth2PermissionGrants", {
    filter: `clientId eq ${odataString(servicePrincipalId)} and consentType eq 'AllPrincipals'`,
    select: GRANT_SELECT,
  });
  return raw.map(grantOf);
}

/**
 * Resource APIs (ARM, Graph, other apps) by appId, read once per run and shared by every app: permission ids are
 * looked up by value on the resource's service principal rather than hard-coded, since they differ between clouds
 * (well-known-ids.json, "Safer at run time").
 */
export class ResourceCache {
  private readonly cache = new Map<string, Promise<ResourceInfo>>();
  constructor(private readonly graph: GraphApi) {}

  get(appId: string): Promise<ResourceInfo> {
    const key = appId.toLowerCase();
    let p = this.cache.get(key);
    if (!p) {
      p = this.read(key);
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  private async read(appId: string): Promise<ResourceInfo> {
    const raw = await maybe(
      () => this.graph.get<Raw>(`/servicePrincipals(appId=${odataString(appId)})`, { select: RESOURCE_SELECT }),
      undefined,
    );
    const byValue = (items: Raw[]) =>
      Object.fromEntries(
        items.filter((i) => typeof i.value === "string").map((i) => [i.value as string, String(i.id).toLowerCase()]),
      );
    return {
      appId,
      ...(raw ? { servicePrincipalId: String(raw.id) } : {}),
      scopes: byValue(records(raw?.oauth2PermissionScopes)),
      roles: byValue(records(raw?.appRoles)),
    };
  }
}

export interface ObserveOptions {
  /** Poll 404s of the application and service principal (verification right after a create). */
  retry404?: RetryPolicy;
}

/** Reads what one registration's plan needs: application, service principal, its AllPrincipals grants, resources. */
export async function observeRegistration(
  graph: GraphApi,
  desired: DesiredRegistration,
  resources: ResourceCache,
  opts: ObserveOptions = {},
): Promise<Observed> {
  const needed = [...new Set([...desired.requiredResourceAccess.map((r) => r.resourceAppId), ...desired.consent])];
  const resourceInfos = Promise.all(needed.map((id) => resources.get(id)));
  resourceInfos.catch(() => undefined);
  const application = await readApplication(
    graph,
    desired.appId ? { appId: desired.appId } : { uniqueName: desired.uniqueName },
    opts.retry404,
  );
  const servicePrincipal = application
    ? await readServicePrincipal(graph, application.appId, opts.retry404)
    : undefined;
  const grants = servicePrincipal && desired.consent.length ? await readGrants(graph, servicePrincipal.id) : [];
  const wanted = desired.assignments?.values ?? [];
  const assignments =
    desired.assignments && servicePrincipal ? await readAssignments(graph, servicePrincipal.id) : undefined;
  const callers = wanted.length
    ? await readCallers(graph, [...new Set(wanted.flatMap((a) => (a.appId ? [a.appId] : [])))])
    : undefined;
  return {
    application,
    servicePrincipal,
    grants,
    ...(assignments ? { assignments } : {}),
    ...(callers ? { callers } : {}),
    resources: Object.fromEntries((await resourceInfos).map((r) => [r.appId, r])),
  };
}
