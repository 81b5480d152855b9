import { jsonEqual } from "../../azure/json.ts";
import { RefusedError } from "../../errors.ts";
import type { FieldChange } from "../../pipeline/model.ts";
import type { DesiredResource } from "./desired.ts";
import type {
  PermissionScope,
  PreAuthorizedApplication,
  RequiredResourceAccess,
  ResourceAccess,
  ResourceInfo,
} from "./types.ts";
import { WELL_KNOWN_SCOPES, resourceLabel } from "./well-known.ts";

const lower = (s: string) => s.toLowerCase();

/** Permission id of a value on a resource: from its service principal, else the public-cloud constant. */
function permissionId(
  res: ResourceInfo | undefined,
  resourceAppId: string,
  value: string,
  type: ResourceAccess["type"],
): string {
  const found =
    type === "Scope" ? (res?.scopes[value] ?? WELL_KNOWN_SCOPES[resourceAppId]?.[value]) : res?.roles[value];
  if (found) return lower(found);
  const kind = type === "Scope" ? "delegated permission (scope)" : "application permission (app role)";
  throw new RefusedError(
    `requiredResourceAccess: '${value}' is not a ${kind} of ${resourceLabel(resourceAppId)}${res?.servicePrincipalId ? "" : " (no service principal for it in this tenant)"}`,
    {
      fix: `Check the value's spelling and case against the API's published permissions, or list it under ${type === "Scope" ? "roles" : "scopes"} if it is the other kind.`,
    },
  );
}

/** How a plan shows a resource's permissions: values where the resource names them, else ids. */
function describe(entry: RequiredResourceAccess | undefined, res: ResourceInfo | undefined): string[] {
  if (!entry) return [];
  const names = new Map<string, string>();
  for (const [v, id] of Object.entries(res?.scopes ?? WELL_KNOWN_SCOPES[entry.resourceAppId] ?? {}))
    names.set(`Scope:${lower(id)}`, v);
  for (const [v, id] of Object.entries(res?.roles ?? {})) names.set(`Role:${lower(id)}`, v);
  return entry.resourceAccess.map((a) => `${names.get(`${a.type}:${lower(a.id)}`) ?? a.id} (${a.type})`);
}

export interface AccessPlan {
  final: RequiredResourceAccess[];
  changes: FieldChange[];
  unchanged: number;
}

/**
 * requiredResourceAccess merged by resource and permission id (pure): entries for other resources and permissions the
 * config does not name are kept, so nothing is ever removed. The whole list is what gets sent (collections are
 * replaced whole, docs/contracts/graph.md §2.1).
 */
export function planRequiredAccess(
  current: RequiredResourceAccess[],
  desired: DesiredResource[],
  resources: Record<string, ResourceInfo>,
): AccessPlan {
  const final: RequiredResourceAccess[] = current.map((e) => ({
    resourceAppId: e.resourceAppId,
    resourceAccess: [...e.resourceAccess],
  }));
  const changes: FieldChange[] = [];
  let unchanged = 0;
  for (const d of desired) {
    const res = resources[d.resourceAppId];
    const want: ResourceAccess[] = [
      ...d.scopes.map((v) => ({ id: permissionId(res, d.resourceAppId, v, "Scope"), type: "Scope" as const })),
      ...d.roles.map((v) => ({ id: permissionId(res, d.resourceAppId, v, "Role"), type: "Role" as const })),
    ];
    let entry = final.find((e) => lower(e.resourceAppId) === d.resourceAppId);
    const before = entry ? { ...entry, resourceAccess: [...entry.resourceAccess] } : undefined;
    if (!entry) {
      entry = { resourceAppId: d.resourceAppId, resourceAccess: [] };
      final.push(entry);
    }
    for (const w of want)
      if (!entry.resourceAccess.some((a) => lower(a.id) === w.id && a.type === w.type)) entry.resourceAccess.push(w);
    if (before && jsonEqual(before, entry)) unchanged++;
    else {
      const label = resourceLabel(d.resourceAppId);
      changes.push({
        field: `requiredResourceAccess[${label}]`,
        path: ["requiredResourceAccess", label],
        kind: "add",
        before: before ? describe(before, res) : undefined,
        after: describe(entry, res),
      });
    }
  }
  return { final, changes, unchanged };
}

export interface PreAuthPlan {
  phase1: PreAuthorizedApplication[];
  final: PreAuthorizedApplication[];
  changes: FieldChange[];
  unchanged: number;
}

/**
 * api.preAuthorizedApplications (pure). A listed client gets exactly the listed scopes (by value → id of the final
 * scope); other clients are kept. References to scopes that will no longer exist are dropped: Graph accepts deleting
 * a pre-authorized scope and leaves an entry nobody can remove (docs/contracts/graph.md §1.2, azure-docs #121168).
 * Graph checks the ids against the scopes already stored, not those the same request adds (microsoft-graph-docs
 * #12675), so when the final list names a scope not yet stored, phase 1 keeps the current list and the final one
 * goes in the next write.
 */
export function planPreAuthorized(
  current: PreAuthorizedApplication[],
  desired: Array<{ appId: string; scopes: string[] }> | undefined,
  stored: PermissionScope[],
  finalScopes: PermissionScope[],
): PreAuthPlan {
  const finalIds = new Set(finalScopes.map((s) => lower(s.id)));
  const storedIds = new Set(stored.map((s) => lower(s.id)));
  const idOf = (value: string) => {
    const s = finalScopes.find((x) => x.value === value);
    if (!s)
      throw new RefusedError(`preAuthorizedApplications: '${value}' is not a scope of this registration`, {
        fix: "List it under scopes, or remove it from preAuthorizedApplications.",
      });
    return lower(s.id);
  };
  const final: PreAuthorizedApplication[] = [];
  for (const p of current) {
    const d = desired?.find((x) => x.appId === lower(p.appId));
    const ids = d ? d.scopes.map(idOf) : p.delegatedPermissionIds.filter((id) => finalIds.has(lower(id)));
    // An entry emptied by dropping dangling ids goes; one that was empty already is not this tool's business.
    if (ids.length > 0 || p.delegatedPermissionIds.length === 0)
      final.push({
        appId: p.appId,
        delegatedPermissionIds:
          ids.length === p.delegatedPermissionIds.length &&
          ids.every((id) => p.delegatedPermissionIds.some((x) => lower(x) === id))
            ? p.delegatedPermissionIds
            : ids,
      });
  }
  for (const d of desired ?? [])
    if (!current.some((p) => lower(p.appId) === d.appId))
      final.push({ appId: d.appId, delegatedPermissionIds: d.scopes.map(idOf) });

  const changes: FieldChange[] = [];
  let unchanged = 0;
  const names = (p: PreAuthorizedApplication | undefined) =>
    p?.delegatedPermissionIds.map(
      (id) => [...finalScopes, ...stored].find((s) => lower(s.id) === lower(id))?.value ?? id,
    );
  for (const f of final) {
    const c = current.find((p) => lower(p.appId) === lower(f.appId));
    if (c && jsonEqual(c, f)) {
      if (desired?.some((d) => d.appId === lower(f.appId))) unchanged++;
      continue;
    }
    changes.push({
      field: `api.preAuthorizedApplications[${f.appId}]`,
      path: ["api", "preAuthorizedApplications", f.appId],
      kind: c ? "change" : "add",
      before: names(c),
      after: names(f),
      security: true,
    });
  }
  for (const c of current) {
    if (!final.some((f) => lower(f.appId) === lower(c.appId)))
      changes.push({
        field: `api.preAuthorizedApplications[${c.appId}]`,
        path: ["api", "preAuthorizedApplications", c.appId],
        kind: "remove",
        before: names(c),
        security: true,
      });
  }
  const writableNow = final.every((p) => p.delegatedPermissionIds.every((id) => storedIds.has(lower(id))));
  const phase1 = writableNow
    ? final
    : current.map((p) => ({
        appId: p.appId,
        delegatedPermissionIds: p.delegatedPermissionIds.filter((id) => storedIds.has(lower(id))),
      }));
  return { phase1, final, changes, unchanged };
}
