import { jsonEqual } from "../../azure/json.ts";
import { RefusedError } from "../../errors.ts";
import type { ListPolicy } from "../../pipeline/list-policy.ts";
import { fieldChange } from "../../pipeline/diff.ts";
import type { FieldChange } from "../../pipeline/model.ts";
import { planPreAuthorized, planRequiredAccess } from "./access.ts";
import type { DesiredRegistration } from "./desired.ts";
import { REGISTRATION_DEFAULTS } from "./schema.ts";
import { planEntitlements, ROLE, SCOPE } from "./entitlements.ts";
import {
  APP_ID,
  SP_ID,
  type ApiApplication,
  type AppRole,
  type GraphStep,
  type JsonObject,
  type Observed,
  type ObservedApplication,
  type PermissionScope,
  type PreAuthorizedApplication,
} from "./types.ts";
import { resourceLabel } from "./well-known.ts";

export interface RegistrationPlan {
  changes: FieldChange[];
  unchanged: number;
  warnings: string[];
  /** The Graph writes, in order; empty when everything is as desired. */
  steps: GraphStep[];
}

const lower = (s: string) => s.toLowerCase();
const hasAppIdPlaceholder = (uri: string) => uri.includes(APP_ID);

/** A list the config owns (include: add missing, keep others; exact: only these), compared case-insensitively as Graph does. */
export function mergeValues(current: string[], policy: ListPolicy): string[] {
  if (policy.mode === "exact") {
    const out: string[] = [];
    for (const v of policy.values)
      if (!out.some((o) => lower(o) === lower(v))) out.push(current.find((c) => lower(c) === lower(v)) ?? v);
    return out;
  }
  const out = [...current];
  for (const v of policy.values) if (!out.some((o) => lower(o) === lower(v))) out.push(v);
  return out;
}

const sameSet = (a: string[], b: string[]) =>
  a.length === b.length && a.every((x) => b.some((y) => lower(x) === lower(y)));

const EMPTY_API: ApiApplication = {
  acceptMappedClaims: null,
  knownClientApplications: [],
  oauth2PermissionScopes: [],
  preAuthorizedApplications: [],
  requestedAccessTokenVersion: null,
};

/** What a registration looks like before it exists: the planner treats a create as changes from this. */
function emptyApplication(uniqueName: string): ObservedApplication {
  return {
    id: "",
    appId: APP_ID,
    uniqueName,
    displayName: null,
    signInAudience: null,
    identifierUris: [],
    api: EMPTY_API,
    appRoles: [],
    requiredResourceAccess: [],
  };
}

/**
 * The `api` object as sent: the whole object, built from the observed one with only the owned members changed
 * (Graph may replace a nested complex value whole, docs/contracts/graph.md §2.1), from a whitelist of the writable
 * members of apiApplication so nothing read-only or unknown from a GET goes back (docs/contracts/graph.md §2.3).
 * acceptMappedClaims is sent only when set: a principal holding only Application.ReadWrite.OwnedBy cannot write it
 * at all (hashicorp/terraform-provider-azuread#914, docs/contracts/graph.md §0).
 */
export function apiBody(api: ApiApplication): JsonObject {
  return {
    ...(api.acceptMappedClaims !== null ? { acceptMappedClaims: api.acceptMappedClaims } : {}),
    knownClientApplications: api.knownClientApplications,
    oauth2PermissionScopes: api.oauth2PermissionScopes,
    preAuthorizedApplications: api.preAuthorizedApplications,
    requestedAccessTokenVersion: api.requestedAccessTokenVersion,
  };
}

function withApi(
  base: ApiApplication,
  version: number | null,
  scopes: PermissionScope[],
  preAuth: PreAuthorizedApplication[],
): ApiApplication {
  return {
    ...base,
    requestedAccessTokenVersion: version,
    oauth2PermissionScopes: scopes,
    preAuthorizedApplications: preAuth,
  };
}

/**
 * Pure: desired registration + what Graph holds → field changes and the ordered writes.
 * Write order (docs/update-manifest.md, "Write order"), chosen so that a refused write leaves nothing half-done:
 * 1. create (upsert by uniqueName) with everything that does not need the appId or already-stored scopes, including
 *    non-default identifier URIs, so a URI Graph refuses (HostNameNotOnVerifiedDomain) refuses the create itself;
 * 2. one PATCH with every application change Graph accepts in one write (entries to change or remove only disabled;
 *    after a create: api://{appId} and pre-authorizations of the scopes the create stored);
 * 3. a second PATCH for what had to wait for the first: disabled entries changed or removed, pre-authorizations of
 *    scopes the first PATCH added;
 * 4. service principal (upsert by appId, or PATCH); 5. admin consent grants (create once, then merge scopes).
 * Applications and service principals are never deleted.
 */
export function planRegistration(
  desired: DesiredRegistration,
  observed: Observed,
  ids: () => string,
): RegistrationPlan {
  const app = observed.application;
  if (!app && !desired.uniqueName) {
    throw new RefusedError(`no application has appId ${desired.appId}`, {
      fix: "Check the appId (Entra ID > App registrations), or address the registration by uniqueName to have it created.",
    });
  }
  if (app && desired.uniqueName && app.uniqueName !== null && app.uniqueName !== desired.uniqueName) {
    throw new RefusedError(
      `appId ${app.appId} has uniqueName '${app.uniqueName}', not '${desired.uniqueName}' (uniqueName is immutable)`,
      { fix: "Correct appId or uniqueName in the config so both name the same registration." },
    );
  }
  const creating = !app;
  const base = app ?? emptyApplication(desired.uniqueName!);
  const changes: FieldChange[] = [];
  const warnings: string[] = [];
  let unchanged = 0;
  const track = (path: string[], before: unknown, after: unknown, security = false) => {
    const c = fieldChange(path, before, after, { security });
    if (c) changes.push(c);
    else unchanged++;
  };

  // Scalars and lists of the application.
  // displayName and signInAudience are owned only when the config names them (and set once on create).
  const displayName = desired.displayName ?? base.displayName ?? desired.uniqueName ?? null;
  if (desired.displayName !== undefined || creating) track(["displayName"], base.displayName, displayName);
  const signInAudience =
    desired.signInAudience ?? (creating ? REGISTRATION_DEFAULTS.signInAudienceOnCreate : base.signInAudience);
  if (desired.signInAudience !== undefined || creating)
    track(["signInAudience"], base.signInAudience, signInAudience, true);
  const setUniqueName = !creating && desired.uniqueName !== undefined && app!.uniqueName === null;
  if (setUniqueName) track(["uniqueName"], null, desired.uniqueName);

  // v1 and null are the same to Graph ("If the value is null, this defaults to 1", docs/contracts/graph.md §1.2).
  const currentVersion = base.api.requestedAccessTokenVersion ?? 1;
  const version = desired.tokenVersion === currentVersion ? base.api.requestedAccessTokenVersion : desired.tokenVersion;
  track(["api", "requestedAccessTokenVersion"], creating ? null : currentVersion, desired.tokenVersion, true);
  if (!creating && desired.tokenVersion !== currentVersion) {
    warnings.push(
      `token version ${currentVersion} → ${desired.tokenVersion} changes iss and aud of every access token: Easy Auth's issuer and callers must follow (auth.azureActiveDirectory.tokenVersion: fromRegistration)`,
    );
  }

  const appIdValue = creating ? APP_ID : app!.appId;
  const uriPolicy: ListPolicy = {
    ...desired.identifierUris,
    values: desired.identifierUris.values.map((u) => u.replaceAll(APP_ID, appIdValue)),
  };
  const mergedUris = mergeValues(base.identifierUris, uriPolicy);
  const uris = sameSet(mergedUris, base.identifierUris) ? base.identifierUris : mergedUris;
  track(["identifierUris"], creating ? undefined : base.identifierUris, uris, true);
  const newCustom = uris.filter(
    (u) => !base.identifierUris.some((b) => lower(b) === lower(u)) && lower(u) !== lower(`api://${appIdValue}`),
  );
  if (newCustom.length) {
    warnings.push(
      `identifier URI ${newCustom.join(", ")}: Graph accepts it only on a verified domain of the tenant (else HostNameNotOnVerifiedDomain, and nothing of this registration is written)`,
    );
  }

  // Scopes and roles by value, preAuthorizedApplications after the scopes they name.
  const scopes = planEntitlements(SCOPE, base.api.oauth2PermissionScopes, desired.scopes, ids);
  const roles = planEntitlements(ROLE, base.appRoles, desired.appRoles, ids);
  changes.push(...scopes.changes, ...roles.changes);
  unchanged += scopes.unchanged + roles.unchanged;
  for (const v of scopes.twoStep)
    warnings.push(
      `scope ${v}: disabled first, then changed or removed (two writes: Graph refuses to change an enabled scope)`,
    );
  for (const v of roles.twoStep)
    warnings.push(
      `app role ${v}: disabled first, then changed or removed (two writes: Graph refuses to change an enabled role)`,
    );
  const preAuth = planPreAuthorized(
    base.api.preAuthorizedApplications,
    desired.preAuthorizedApplications,
    base.api.oauth2PermissionScopes,
    scopes.final,
  );
  changes.push(...preAuth.changes);
  unchanged += preAuth.unchanged;

  const access = planRequiredAccess(base.requiredResourceAccess, desired.requiredResourceAccess, observed.resources);
  changes.push(...access.changes);
  unchanged += access.unchanged;

  const steps: GraphStep[] = [];
  let stored: ObservedApplication = base;
  if (creating) {
    const createdUris = uris.filter((u) => !hasAppIdPlaceholder(u));
    const body: JsonObject = {
      displayName,
      signInAudience,
      ...(createdUris.length ? { identifierUris: createdUris } : {}),
      api: apiBody(withApi(EMPTY_API, version, scopes.final, [])),
      ...(roles.final.length ? { appRoles: roles.final } : {}),
      ...(access.final.length ? { requiredResourceAccess: access.final } : {}),
    };
    steps.push({ op: "createApplication", why: "create the registration", uniqueName: desired.uniqueName!, body });
    changes.unshift({
      field: "application",
      path: ["application"],
      kind: "add",
      after: { uniqueName: desired.uniqueName },
    });
    stored = {
      ...base,
      displayName,
      signInAudience,
      identifierUris: createdUris,
      api: withApi(EMPTY_API, version, scopes.final, []),
      appRoles: roles.final,
      requiredResourceAccess: access.final,
    };
  }

  // First PATCH: every application change Graph takes in one write.
  const api1 = withApi(
    stored.api,
    version,
    creating ? scopes.final : scopes.phase1,
    creating ? preAuth.final : preAuth.phase1,
  );
  const roles1 = creating ? roles.final : roles.phase1;
  const p1: JsonObject = {};
  if (stored.displayName !== displayName) p1.displayName = displayName;
  if (stored.signInAudience !== signInAudience) p1.signInAudience = signInAudience;
  if (setUniqueName) p1.uniqueName = desired.uniqueName;
  if (!jsonEqual(stored.identifierUris, uris)) p1.identifierUris = uris;
  if (!jsonEqual(stored.api, api1)) p1.api = apiBody(api1);
  if (!jsonEqual(stored.appRoles, roles1)) p1.appRoles = roles1;
  if (!jsonEqual(stored.requiredResourceAccess, access.final)) p1.requiredResourceAccess = access.final;
  if (Object.keys(p1).length)
    steps.push({
      op: "patchApplication",
      why: creating
        ? "identifier URI api://{appId} and pre-authorizations of the new registration"
        : "update the registration",
      body: p1,
      afterDisable: false,
    });

  // Second PATCH: what had to wait for the first (disabled entries changed or removed, pre-authorizations of new scopes).
  const api2 = withApi(api1, version, scopes.final, preAuth.final);
  const p2: JsonObject = {};
  if (!jsonEqual(api1, api2)) p2.api = apiBody(api2);
  if (!jsonEqual(roles1, roles.final)) p2.appRoles = roles.final;
  const afterDisable = scopes.twoStep.length + roles.twoStep.length > 0;
  if (Object.keys(p2).length)
    steps.push({
      op: "patchApplication",
      why: afterDisable
        ? "remove or change the entries disabled by the previous write"
        : "pre-authorize clients for the scopes the previous write added",
      body: p2,
      afterDisable,
    });

  const out: PlanSink = { changes, warnings, steps, same: () => unchanged++ };
  planServicePrincipal(desired, observed, out);
  planConsent(desired, observed, out);
  planAssignments(desired, observed, roles.final, out);
  return { changes, unchanged, warnings, steps };
}

/** Where the part planners put what they find; `same` counts an owned field already as desired. */
interface PlanSink {
  changes: FieldChange[];
  warnings: string[];
  steps: GraphStep[];
  same(): void;
}

/** Service principal: created if missing (upsert by appId), appRoleAssignmentRequired and tags. Never deleted. */
function planServicePrincipal(desired: DesiredRegistration, observed: Observed, out: PlanSink): void {
  const { changes, warnings, steps, same } = out;
  const sp = observed.servicePrincipal;
  const tags = desired.tags ? mergeValues(sp?.tags ?? [], desired.tags) : undefined;
  const required = desired.appRoleAssignmentRequired;
  if (!sp) {
    const body: JsonObject = {
      ...(required !== undefined ? { appRoleAssignmentRequired: required } : {}),
      ...(tags?.length ? { tags } : {}),
    };
    changes.push({ field: "servicePrincipal", path: ["servicePrincipal"], kind: "add", after: body });
    steps.push({ op: "createServicePrincipal", why: "create the service principal (enterprise application)", body });
    if (required)
      warnings.push(
        "appRoleAssignmentRequired: only users and apps with an app role assignment will get tokens for this API",
      );
    return;
  }
  const body: JsonObject = {};
  if (required !== undefined) {
    const c = fieldChange(["servicePrincipal", "appRoleAssignmentRequired"], sp.appRoleAssignmentRequired, required, {
      security: true,
    });
    if (c) {
      changes.push(c);
      body.appRoleAssignmentRequired = required;
      if (required)
        warnings.push(
          "appRoleAssignmentRequired turns on: every user and client without an app role assignment loses access",
        );
    } else same();
  }
  if (tags) {
    if (sameSet(tags, sp.tags)) same();
    else {
      changes.push(fieldChange(["servicePrincipal", "tags"], sp.tags, tags)!);
      body.tags = tags;
    }
  }
  if (Object.keys(body).length) steps.push({ op: "patchServicePrincipal", why: "update the service principal", body });
}

const scopeTokens = (s: string | null) => (s ?? "").split(" ").filter(Boolean);

/**
 * Admin consent: one AllPrincipals oauth2PermissionGrant per resource, created once; afterwards its scope string is
 * merged as a set (existing values kept, in order, new ones appended), never shrunk. clientId and resourceId are
 * service principal object ids, scope holds values, not ids (docs/contracts/graph.md §3.4).
 */
function planConsent(desired: DesiredRegistration, observed: Observed, out: PlanSink): void {
  const { changes, warnings, steps, same } = out;
  for (const resourceAppId of desired.consent) {
    const label = resourceLabel(resourceAppId);
    const wanted = desired.requiredResourceAccess.find((r) => r.resourceAppId === resourceAppId);
    if (wanted?.roles.length)
      warnings.push(
        `adminConsent for ${label}: its application permissions (roles) need app role assignments, which this tool does not make`,
      );
    if (!wanted?.scopes.length) {
      warnings.push(
        `adminConsent for ${label}: no delegated scopes of it are in requiredResourceAccess, so there is nothing to consent to`,
      );
      continue;
    }
    const res = observed.resources[resourceAppId];
    if (!res?.servicePrincipalId) {
      throw new RefusedError(
        `adminConsent for ${label}: the tenant has no service principal for ${resourceAppId}, so consent cannot be granted`,
        {
          fix: "Have an administrator add the API to the tenant (or sign in to it once), or remove it from adminConsent.",
        },
      );
    }
    const grant = observed.grants.find(
      (g) => lower(g.resourceId) === lower(res.servicePrincipalId!) && g.consentType === "AllPrincipals",
    );
    // Shown as `oauth2PermissionGrant[arm]`: the grant's scope string for that resource.
    const path = ["oauth2PermissionGrant", label];
    const field = `oauth2PermissionGrant[${label}]`;
    if (!grant) {
      const scope = wanted.scopes.join(" ");
      changes.push({ field, path, kind: "add", after: scope, security: true });
      steps.push({
        op: "createGrant",
        why: `admin consent for ${label}`,
        resource: label,
        body: {
          clientId: observed.servicePrincipal?.id ?? SP_ID,
          consentType: "AllPrincipals",
          resourceId: res.servicePrincipalId,
          scope,
        },
      });
      continue;
    }
    const tokens = scopeTokens(grant.scope);
    const merged = [...tokens, ...wanted.scopes.filter((s) => !tokens.includes(s))];
    if (merged.length === tokens.length) {
      same();
      continue;
    }
    changes.push({ field, path, kind: "change", before: grant.scope, after: merged.join(" "), security: true });
    steps.push({
      op: "patchGrant",
      why: `add scopes to the admin consent for ${label}`,
      resource: label,
      grantId: grant.id,
      body: { scope: merged.join(" ") },
    });
  }
}

const DEFAULT_ACCESS = "00000000-0000-0000-0000-000000000000";

/**
 * App role assignments of callers (servicePrincipal: appRoleAssignedTo). Each is one POST; `exact` removes service
 * principals' assignments the config does not list (users' and groups' assignments are never touched). Roles are
 * named by value and looked up among the registration's roles as planned, so a role added in this run can be assigned.
 */
function planAssignments(
  desired: DesiredRegistration,
  observed: Observed,
  roles: readonly AppRole[],
  out: PlanSink,
): void {
  const wanted = desired.assignments;
  if (!wanted) return;
  const { changes, warnings, steps, same } = out;
  const resourceId = observed.servicePrincipal?.id ?? SP_ID;
  const have = observed.assignments ?? [];
  const kept = new Set<string>();
  for (const a of wanted.values) {
    const caller = a.principalId ?? observed.callers?.[a.appId!] ?? undefined;
    const who = a.appId ? `app ${a.appId}` : `service principal ${a.principalId}`;
    const role = roles.find((r) => r.value === a.role && r.isEnabled);
    if (!role) {
      warnings.push(
        `assignment of ${a.role} to ${who}: the registration has no enabled app role '${a.role}'; add it under appRoles`,
      );
      continue;
    }
    if (!caller) {
      warnings.push(
        `assignment of ${a.role} to ${who}: that application has no service principal in this tenant yet; it is assigned once it has one`,
      );
      continue;
    }
    const existing = have.find((h) => h.principalId === caller.toLowerCase() && h.appRoleId === role.id.toLowerCase());
    const path = ["servicePrincipal", "appRoleAssignedTo", `${a.role} → ${who}`];
    if (existing) {
      kept.add(existing.id);
      same();
      continue;
    }
    changes.push({
      field: path.join("."),
      path,
      kind: "add",
      after: { role: a.role, principalId: caller },
      security: true,
    });
    steps.push({
      op: "createAssignment",
      why: `assign ${a.role} to ${who}`,
      body: { principalId: caller, resourceId, appRoleId: role.id },
    });
  }
  if (wanted.mode !== "exact") return;
  for (const h of have) {
    if (kept.has(h.id) || h.principalType !== "ServicePrincipal") continue;
    const value =
      h.appRoleId === DEFAULT_ACCESS
        ? "(default access)"
        : (roles.find((r) => r.id.toLowerCase() === h.appRoleId)?.value ?? h.appRoleId);
    const path = ["servicePrincipal", "appRoleAssignedTo", `${value} → service principal ${h.principalId}`];
    changes.push({
      field: path.join("."),
      path,
      kind: "remove",
      before: { role: value, principalId: h.principalId },
      security: true,
    });
    steps.push({
      op: "deleteAssignment",
      why: `remove ${value} from service principal ${h.principalId} (exact)`,
      assignmentId: h.id,
    });
  }
}
