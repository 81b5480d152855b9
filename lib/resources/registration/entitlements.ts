import { jsonEqual } from "../../azure/json.ts";
import type { AppRoleConfig, ScopeConfig } from "./schema.ts";
import type { FieldChange } from "../../pipeline/model.ts";
import type { Entitlements } from "./desired.ts";
import type { AppRole, PermissionScope } from "./types.ts";

interface Entitlement {
  id: string;
  value: string | null;
  isEnabled: boolean;
}

interface Kind<T extends Entitlement, C extends { value: string }> {
  /** `api.oauth2PermissionScopes` or `appRoles`, for plans. */
  field: string;
  /** The entry the config asks for: owned members from `c`, the rest kept from `existing` (absent for a new entry). */
  merge(existing: T | undefined, c: C, id: string): T;
}

export interface EntitlementPlan<T> {
  /** What the first write may hold: entries to change or remove are only disabled, new ones are added. */
  phase1: T[];
  final: T[];
  /** Values that need the disable write before their change or removal. */
  twoStep: string[];
  changes: FieldChange[];
  unchanged: number;
}

const sameMembers = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

export const SCOPE: Kind<PermissionScope, ScopeConfig> = {
  field: "api.oauth2PermissionScopes",
  merge: (e, c, id) => ({
    id,
    value: c.value,
    type: c.type ?? e?.type ?? "User",
    // Consent texts the config leaves out stay as they are; a new scope needs some, and the value is a fair one.
    adminConsentDisplayName: c.adminConsentDisplayName ?? e?.adminConsentDisplayName ?? c.value,
    adminConsentDescription: c.adminConsentDescription ?? e?.adminConsentDescription ?? c.value,
    userConsentDisplayName: c.userConsentDisplayName ?? e?.userConsentDisplayName ?? null,
    userConsentDescription: c.userConsentDescription ?? e?.userConsentDescription ?? null,
    isEnabled: c.enabled ?? true,
  }),
};

export const ROLE: Kind<AppRole, AppRoleConfig> = {
  field: "appRoles",
  merge: (e, c, id) => {
    const types = c.allowedMemberTypes ?? e?.allowedMemberTypes ?? ["Application"];
    return {
      id,
      value: c.value,
      displayName: c.displayName ?? e?.displayName ?? c.value,
      description: c.description ?? e?.description ?? c.value,
      // Same members in another order is no change (Graph compares the list as sent).
      allowedMemberTypes: e && sameMembers(e.allowedMemberTypes, types) ? e.allowedMemberTypes : [...new Set(types)],
      isEnabled: c.enabled ?? true,
    };
  },
};

const withoutEnabled = <T extends Entitlement>({ isEnabled: _e, ...rest }: T) => rest;
/** What a plan shows of an entry: everything but the id (new ids are generated at apply time, so a saved plan stays valid). */
const shown = <T extends Entitlement>({ id: _id, ...rest }: T) =>
  Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null));

/**
 * Scopes or app roles by value (pure). Existing entries keep their id; new ones get `ids()` once. Graph refuses to
 * remove an enabled entry, or change anything but `isEnabled` on one, in a single write ("cannot be deleted or
 * updated unless disabled first", docs/contracts/graph.md §2.2): such entries are only disabled in phase 1 and take
 * their final form (or disappear) in phase 2.
 */
export function planEntitlements<T extends Entitlement, C extends { value: string }>(
  kind: Kind<T, C>,
  current: T[],
  desired: Entitlements<C> | undefined,
  ids: () => string,
): EntitlementPlan<T> {
  if (!desired) return { phase1: current, final: current, twoStep: [], changes: [], unchanged: 0 };
  const wanted = new Map(desired.values.map((c) => [c.value, c]));
  const final: T[] = [];
  for (const cur of current) {
    const c = cur.value === null ? undefined : wanted.get(cur.value);
    if (c) final.push(kind.merge(cur, c, cur.id));
    else if (desired.mode === "include") final.push(cur);
  }
  const known = new Set(current.map((c) => c.value));
  for (const c of desired.values) if (!known.has(c.value)) final.push(kind.merge(undefined, c, ids()));

  const phase1: T[] = [];
  const twoStep: string[] = [];
  const changes: FieldChange[] = [];
  let unchanged = 0;
  const label = (e: Entitlement) => e.value ?? e.id;
  for (const cur of current) {
    const f = final.find((x) => x.id === cur.id);
    if (!f) {
      changes.push({
        field: `${kind.field}[${label(cur)}]`,
        path: [...kind.field.split("."), label(cur)],
        kind: "remove",
        before: shown(cur),
      });
      // A disabled entry may go at once; an enabled one is disabled now and removed by the second write.
      if (cur.isEnabled) {
        phase1.push({ ...cur, isEnabled: false });
        twoStep.push(label(cur));
      }
      continue;
    }
    if (jsonEqual(f, cur)) {
      phase1.push(cur);
      if (wanted.has(label(cur))) unchanged++;
      continue;
    }
    changes.push({
      field: `${kind.field}[${label(cur)}]`,
      path: [...kind.field.split("."), label(cur)],
      kind: "change",
      before: shown(cur),
      after: shown(f),
    });
    if (!cur.isEnabled || jsonEqual(withoutEnabled(f), withoutEnabled(cur))) phase1.push(f);
    else {
      phase1.push({ ...cur, isEnabled: false });
      twoStep.push(label(cur));
    }
  }
  for (const f of final) {
    if (current.some((c) => c.id === f.id)) continue;
    phase1.push(f);
    changes.push({
      field: `${kind.field}[${label(f)}]`,
      path: [...kind.field.split("."), label(f)],
      kind: "add",
      after: shown(f),
    });
  }
  return { phase1, final, twoStep, changes, unchanged };
}
