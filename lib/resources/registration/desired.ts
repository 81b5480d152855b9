import { normalizeListPolicy, type ListPolicy } from "../../pipeline/list-policy.ts";
import {
  REGISTRATION_DEFAULTS,
  type AppRoleConfig,
  type AssignmentConfig,
  type RegistrationConfig,
  type ScopeConfig,
} from "./schema.ts";
import { resourceAppId } from "./well-known.ts";

export interface Entitlements<T> {
  mode: "include" | "exact";
  values: T[];
}

export interface DesiredResource {
  resourceAppId: string;
  scopes: string[];
  roles: string[];
}

/** A registration block with every default applied: what the planner compares the observed state with. */
export interface DesiredRegistration {
  appId?: string;
  uniqueName?: string;
  displayName?: string;
  /** Owned only when the config names it. */
  signInAudience?: string;
  tokenVersion: 1 | 2;
  /** Always holds api://{appId}. */
  identifierUris: ListPolicy;
  scopes?: Entitlements<ScopeConfig>;
  appRoles?: Entitlements<AppRoleConfig>;
  requiredResourceAccess: DesiredResource[];
  appRoleAssignmentRequired?: boolean;
  /** Resource appIds whose delegated scopes get tenant-wide admin consent. */
  consent: string[];
  preAuthorizedApplications?: Array<{ appId: string; scopes: string[] }>;
  /** App roles granted to callers; absent when the config names none (then assignments are not read). */
  assignments?: Entitlements<AssignmentConfig>;
  tags?: ListPolicy;
}

const DEFAULT_IDENTIFIER_URI: string = REGISTRATION_DEFAULTS.identifierUri;

function entitlements<T>(v: T[] | { mode: "include" | "exact"; values: T[] } | undefined): Entitlements<T> | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? { mode: "include", values: v } : { mode: v.mode, values: v.values };
}

// Ids compare case-insensitively (Graph answers them in lower case).
const lowerIds = (a: AssignmentConfig): AssignmentConfig => ({
  ...a,
  appId: a.appId?.toLowerCase(),
  principalId: a.principalId?.toLowerCase(),
});

function assignmentsOf(v: RegistrationConfig["assignments"]): Entitlements<AssignmentConfig> | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v)
    ? { mode: "include", values: v.map(lowerIds) }
    : { mode: v.mode, values: v.values.map(lowerIds) };
}

export function desiredRegistration(reg: RegistrationConfig): DesiredRegistration {
  const uris = normalizeListPolicy(reg.identifierUris) ?? { mode: "include", values: [] };
  const byResource = new Map<string, DesiredResource>();
  for (const r of reg.requiredResourceAccess ?? []) {
    const id = resourceAppId(r.resource);
    const entry = byResource.get(id) ?? { resourceAppId: id, scopes: [], roles: [] };
    for (const s of r.scopes ?? []) if (!entry.scopes.includes(s)) entry.scopes.push(s);
    for (const s of r.roles ?? []) if (!entry.roles.includes(s)) entry.roles.push(s);
    byResource.set(id, entry);
  }
  const rra = [...byResource.values()];
  const consent =
    reg.adminConsent === true
      ? rra.filter((r) => r.scopes.length > 0).map((r) => r.resourceAppId)
      : Array.isArray(reg.adminConsent)
        ? [...new Set(reg.adminConsent.map(resourceAppId))]
        : [];
  return {
    appId: reg.appId?.toLowerCase(),
    uniqueName: reg.uniqueName,
    displayName: reg.displayName,
    signInAudience: reg.signInAudience,
    tokenVersion: reg.tokenVersion ?? REGISTRATION_DEFAULTS.tokenVersion,
    // The default URI is always kept: it is the one form every tenant policy accepts (docs/contracts/graph.md §1.3).
    identifierUris: {
      mode: uris.mode,
      values: [DEFAULT_IDENTIFIER_URI, ...uris.values.filter((u) => u !== DEFAULT_IDENTIFIER_URI)],
    },
    scopes: entitlements(reg.scopes),
    appRoles: entitlements(reg.appRoles),
    requiredResourceAccess: rra,
    appRoleAssignmentRequired: reg.appRoleAssignmentRequired,
    consent,
    preAuthorizedApplications: reg.preAuthorizedApplications?.map((p) => ({
      appId: p.appId.toLowerCase(),
      scopes: p.scopes,
    })),
    tags: normalizeListPolicy(reg.tags),
    assignments: assignmentsOf(reg.assignments),
  };
}

/** How plans and messages name the registration: by its address, never its display name. */
export function registrationAddress(reg: Pick<RegistrationConfig, "appId" | "uniqueName">): string {
  return reg.appId
    ? `application(appId='${reg.appId.toLowerCase()}')`
    : `application(uniqueName='${reg.uniqueName ?? ""}')`;
}
