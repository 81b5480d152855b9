import { getPath, isRecord } from "../../azure/json.ts";
import type { BackupRecord, ExportNote, ExportedSlice, KindExporter, KindRestorer } from "../../pipeline/contract.ts";
import { readApplication, readGrants, readServicePrincipal, ResourceCache } from "./observe.ts";
import type {
  ObservedApplication,
  ObservedGrant,
  ObservedServicePrincipal,
  PermissionScope,
  ResourceInfo,
} from "./types.ts";
import { WELL_KNOWN_SCOPES, resourceLabel } from "./well-known.ts";

/** What export reads of a registration: the objects, and the resources its permissions name (ids → values). */
export interface RegistrationExportObserved {
  clientId?: string;
  application?: ObservedApplication;
  servicePrincipal?: ObservedServicePrincipal;
  grants: ObservedGrant[];
  resources: Record<string, ResourceInfo>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const lower = (s: string) => s.toLowerCase();
const text = (v: string | null): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

/** The client id Easy Auth names for the app (production): the registration export starts from it. */
function clientIdOf(auth: unknown): string | undefined {
  const id = getPath(isRecord(auth) ? auth.properties : undefined, [
    "identityProviders",
    "azureActiveDirectory",
    "registration",
    "clientId",
  ]);
  return typeof id === "string" && GUID.test(id) ? lower(id) : undefined;
}

export async function observeRegistrationForExport(
  graph: Parameters<typeof readApplication>[0],
  clientId: string | undefined,
  cache: ResourceCache,
): Promise<RegistrationExportObserved> {
  if (!clientId) return { grants: [], resources: {} };
  const application = await readApplication(graph, { appId: clientId });
  if (!application) return { clientId, grants: [], resources: {} };
  const servicePrincipal = await readServicePrincipal(graph, application.appId);
  const grants = servicePrincipal ? await readGrants(graph, servicePrincipal.id) : [];
  const infos = await Promise.all(application.requiredResourceAccess.map((r) => cache.get(r.resourceAppId)));
  return {
    clientId,
    application,
    servicePrincipal,
    grants,
    resources: Object.fromEntries(infos.map((r) => [lower(r.appId), r])),
  };
}

function scopeConfig(s: PermissionScope): Record<string, unknown> {
  return {
    value: s.value,
    ...(s.type === "User" || s.type === "Admin" ? { type: s.type } : {}),
    ...(text(s.adminConsentDisplayName) ? { adminConsentDisplayName: s.adminConsentDisplayName } : {}),
    ...(text(s.adminConsentDescription) ? { adminConsentDescription: s.adminConsentDescription } : {}),
    ...(text(s.userConsentDisplayName) ? { userConsentDisplayName: s.userConsentDisplayName } : {}),
    ...(text(s.userConsentDescription) ? { userConsentDescription: s.userConsentDescription } : {}),
    enabled: s.isEnabled,
  };
}

/**
 * Pure: the registration as read → the `registration` block that plans no change (`exact`: scopes, roles and
 * identifier URIs become exactly these again, for restore). Permissions are written by value, looked up on each
 * resource's service principal; a permission with no known value is left out (merged lists keep it).
 */
export function registrationToConfig(o: RegistrationExportObserved, opts: { exact?: boolean } = {}): ExportedSlice {
  const notes: ExportNote[] = [];
  const app = o.application;
  if (!app) {
    if (o.clientId)
      notes.push({
        path: "registration",
        note: "left out",
        why: `Easy Auth names client id ${o.clientId}, which is not an application of this tenant`,
      });
    return { notes };
  }
  const appUri = `api://${app.appId}`;
  if (!opts.exact && !app.identifierUris.some((u) => lower(u) === lower(appUri))) {
    notes.push({
      path: "registration",
      note: "left out",
      why: `identifier URIs lack ${appUri}, which update-manifest always adds`,
    });
    return { notes };
  }
  const wrap = <T>(values: T[]) => (opts.exact ? { mode: "exact", values } : values);
  const reg: Record<string, unknown> = app.uniqueName ? { uniqueName: app.uniqueName } : { appId: app.appId };
  if (!opts.exact && app.uniqueName)
    notes.push({
      path: "registration.uniqueName",
      note: "inferred",
      why: `application ${app.appId} has this uniqueName`,
    });
  if (text(app.displayName)) reg.displayName = app.displayName;
  if (text(app.signInAudience)) reg.signInAudience = app.signInAudience;
  reg.tokenVersion = app.api.requestedAccessTokenVersion === 2 ? 2 : 1;
  const uris = app.identifierUris.map((u) => (lower(u) === lower(appUri) ? "api://{appId}" : u));
  if (opts.exact || uris.length > 1) reg.identifierUris = wrap(uris);
  const scopes = app.api.oauth2PermissionScopes.filter((s) => text(s.value));
  if (scopes.length || opts.exact) reg.scopes = wrap(scopes.map(scopeConfig));
  const roles = app.appRoles.filter((r) => text(r.value));
  if (roles.length || opts.exact)
    reg.appRoles = wrap(
      roles.map((r) => ({
        value: r.value,
        ...(text(r.displayName) ? { displayName: r.displayName } : {}),
        ...(text(r.description) ? { description: r.description } : {}),
        ...(r.allowedMemberTypes.length ? { allowedMemberTypes: r.allowedMemberTypes } : {}),
        enabled: r.isEnabled,
      })),
    );
  const rra: Array<{ resource: string; scopes?: string[]; roles?: string[] }> = [];
  const consent: string[] = [];
  for (const entry of app.requiredResourceAccess) {
    const id = lower(entry.resourceAppId);
    const res = o.resources[id];
    const byId = (kind: "scopes" | "roles") =>
      new Map(
        Object.entries({ ...(kind === "scopes" ? WELL_KNOWN_SCOPES[id] : {}), ...(res?.[kind] ?? {}) }).map(
          ([v, pid]) => [lower(pid), v],
        ),
      );
    const scopeNames = byId("scopes");
    const roleNames = byId("roles");
    const s: string[] = [];
    const r: string[] = [];
    for (const a of entry.resourceAccess) {
      const v = (a.type === "Scope" ? scopeNames : roleNames).get(lower(a.id));
      if (v) (a.type === "Scope" ? s : r).push(v);
      else
        notes.push({
          path: "registration.requiredResourceAccess",
          note: "left out",
          why: `${a.type} ${a.id} of ${resourceLabel(id)} has no value on its service principal; kept as is`,
        });
    }
    const label = resourceLabel(id);
    if (s.length || r.length)
      rra.push({ resource: label, ...(s.length ? { scopes: s } : {}), ...(r.length ? { roles: r } : {}) });
    const grant = res?.servicePrincipalId
      ? o.grants.find(
          (g) => lower(g.resourceId) === lower(res.servicePrincipalId!) && g.consentType === "AllPrincipals",
        )
      : undefined;
    const granted = (grant?.scope ?? "").split(" ").filter(Boolean);
    if (s.length && s.every((v) => granted.includes(v))) consent.push(label);
  }
  if (rra.length) reg.requiredResourceAccess = rra;
  const withScopes = rra.filter((x) => x.scopes?.length).map((x) => x.resource);
  if (consent.length) reg.adminConsent = consent.length === withScopes.length ? true : consent;
  if (o.servicePrincipal) reg.appRoleAssignmentRequired = o.servicePrincipal.appRoleAssignmentRequired;
  const scopeValue = new Map(app.api.oauth2PermissionScopes.map((s) => [lower(s.id), s.value]));
  const preAuth = app.api.preAuthorizedApplications
    .map((p) => ({
      appId: p.appId,
      scopes: p.delegatedPermissionIds.map((id) => scopeValue.get(lower(id))).filter((v): v is string => !!v),
    }))
    .filter((p) => p.scopes.length);
  if (preAuth.length) reg.preAuthorizedApplications = preAuth;
  if (!opts.exact)
    notes.push({
      path: "registration",
      note: "left out",
      why: "app role assignments (assignments) are not exported; update-manifest leaves them alone when not named",
    });
  return { slice: reg, notes };
}

export function registrationExporter(): KindExporter {
  const caches = new WeakMap<object, ResourceCache>();
  return {
    after: ["auth"],
    // One registration per app, shared by its slots.
    perApp: true,
    observe(run, _site, _slot, peers) {
      const graph = run.graph();
      const cache = caches.get(run) ?? new ResourceCache(graph);
      caches.set(run, cache);
      return observeRegistrationForExport(graph, clientIdOf(peers.auth), cache);
    },
    toConfig: (_site, observed) => registrationToConfig(observed as RegistrationExportObserved),
  };
}

/** Restore: the backed-up application, service principal and grants, with scopes, roles and URIs exact. */
export const registrationRestorer: KindRestorer = {
  toConfig(backup: BackupRecord) {
    const d = backup.document as {
      application?: ObservedApplication;
      servicePrincipal?: ObservedServicePrincipal;
      grants?: ObservedGrant[];
    };
    const observed: RegistrationExportObserved = {
      application: d.application,
      servicePrincipal: d.servicePrincipal,
      grants: d.grants ?? [],
      resources: {},
    };
    const slice = registrationToConfig(observed, { exact: true }).slice ?? {};
    // The backup is of this very application: address it by appId (a uniqueName address would create a new one).
    const { uniqueName: _u, ...rest } = slice;
    return { ...rest, appId: d.application?.appId };
  },
};
