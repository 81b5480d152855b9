import { isObject } from "../http.ts";
import { duplicateKey, GraphFault, invalidValue, readOnly } from "./errors.ts";
import type { Application, AppRole, PermissionScope } from "./model.ts";
import { isGuid, type Json } from "./schema.ts";

export interface RuleEnv {
  tenantId: string;
  verifiedDomains: string[];
  /** Every other application in the tenant, for uniqueness checks. */
  others: Application[];
}

const lower = (s: string) => s.toLowerCase();

/** Stable text of a value with object keys sorted, so member order does not count as a change. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(",")}}`;
  return JSON.stringify(v ?? null);
}

/**
 * The supported identifier URI forms (identifier-uri-restrictions, docs/contracts/graph.md §1.3): `api://{appId}`,
 * `api://{tenantId}/…`, `api://…/{appId}`, and https or api hosts on a verified domain or its subdomain.
 */
function uriAllowed(uri: string, appId: string, env: RuleEnv): boolean {
  const m = /^(api|https):\/\/([^/?#]+)(\/[^?#]*)?$/i.exec(uri);
  if (!m) return false;
  const scheme = lower(m[1]!);
  const host = lower(m[2]!);
  const path = m[3] ?? "";
  const onVerified = env.verifiedDomains.some((d) => host === lower(d) || host.endsWith(`.${lower(d)}`));
  if (scheme === "https") return onVerified;
  if (host === lower(appId)) return path === "" || path === "/";
  if (host === lower(env.tenantId)) return path.length > 1;
  if (lower(path) === `/${lower(appId)}`) return true;
  return onVerified && path.length > 1;
}

const duplicateValue = (target: string) => {
  const message = "Request contains a property with duplicate values.";
  // microsoft-graph-docs #21667 (error-examples.json "duplicate-value-in-collection").
  return new GraphFault(400, "DuplicateValue", message, [{ code: "DuplicateValue", message, target }]);
};

function checkDuplicates(items: Array<{ id: string; value: string | null }>, target: string, resource: string): void {
  const ids = new Set<string>();
  const values = new Set<string>();
  for (const it of items) {
    // `id` is Nullable="false" and the caller must supply it (CSDL; openapi-ps appRole.id, docs/contracts/graph.md §1.2).
    if (!isGuid(it.id)) throw invalidValue("id", resource);
    if (ids.has(lower(it.id)) || (it.value !== null && values.has(it.value))) throw duplicateValue(target);
    ids.add(lower(it.id));
    if (it.value !== null) values.add(it.value);
  }
}

/**
 * An enabled scope or role cannot be removed, nor changed in anything but `isEnabled`, in one write: "To delete a
 * permission, this property must first be set to false" and the service says "cannot be deleted or updated unless
 * disabled first" (docs/contracts/graph.md §2.2; agents-toolkit PR #9420 for the body).
 */
function checkEntitlements<T extends PermissionScope | AppRole>(before: T[], after: T[]): void {
  const strip = ({ isEnabled: _e, origin: _o, ...rest }: T) => canonical(rest);
  for (const old of before) {
    if (!old.isEnabled) continue;
    const now = after.find((a) => lower(a.id) === lower(old.id));
    if (!now || strip(now) !== strip(old)) {
      throw new GraphFault(
        400,
        "CannotDeleteOrUpdateEnabledEntitlement",
        "Permission (scope or role) cannot be deleted or updated unless disabled first.",
      );
    }
  }
}

const AUDIENCES = [
  "AzureADMyOrg",
  "AzureADMultipleOrgs",
  "AzureADandPersonalMicrosoftAccount",
  "PersonalMicrosoftAccount",
];

/** The rules Graph applies when an application is created (`current` undefined) or updated. Throws a GraphFault. */
export function checkApplicationWrite(
  current: Application | undefined,
  next: Application,
  body: Json,
  env: RuleEnv,
): void {
  if (current?.uniqueName && next.uniqueName !== current.uniqueName) throw readOnly("uniqueName"); // "Immutable" (docs/contracts/graph.md §1.2)
  if (next.signInAudience !== null && !AUDIENCES.includes(next.signInAudience))
    throw invalidValue("signInAudience", "Application");
  const version = next.api?.requestedAccessTokenVersion ?? null;
  if (version !== null && version !== 1 && version !== 2)
    throw invalidValue("requestedAccessTokenVersion", "ApiApplication");

  // Only new or changed URIs are validated; existing ones are not re-checked (docs/contracts/graph.md §1.3, 18F/piipan#2289).
  const existing = new Set((current?.identifierUris ?? []).map(lower));
  const seen = new Set<string>();
  for (const uri of next.identifierUris) {
    if (seen.has(lower(uri))) throw duplicateValue("identifierUris");
    seen.add(lower(uri));
    if (existing.has(lower(uri))) continue;
    if (!uriAllowed(uri, next.appId, env)) {
      // graph-docs PR #9317 / Azure Industrial-IoT PR #1432 (error-examples.json).
      throw new GraphFault(
        400,
        "HostNameNotOnVerifiedDomain",
        `Values of identifierUris property must use a verified domain of the organization or its subdomain: '${uri}'`,
      );
    }
    if (env.others.some((o) => o.identifierUris.some((u) => lower(u) === lower(uri))))
      throw duplicateKey("identifierUris");
  }
  if (
    next.uniqueName &&
    env.others.some((o) => o.uniqueName !== null && lower(o.uniqueName) === lower(next.uniqueName!))
  )
    throw duplicateKey("uniqueName");

  const scopesBefore = current?.api?.oauth2PermissionScopes ?? [];
  const scopesAfter = next.api?.oauth2PermissionScopes ?? [];
  checkDuplicates(scopesAfter, "api.oauth2PermissionScopes", "PermissionScope");
  checkDuplicates(next.appRoles, "appRoles", "AppRole");
  for (const r of next.appRoles) {
    if (r.allowedMemberTypes.length === 0) {
      // msgraph-sdk-dotnet #2043 (title quotes the service message).
      throw new GraphFault(
        400,
        "Request_BadRequest",
        `App role with identifier '${r.id}' must have at least one value specified for 'allowedMemberTypes'.`,
      );
    }
  }
  checkEntitlements(scopesBefore, scopesAfter);
  checkEntitlements(current?.appRoles ?? [], next.appRoles);

  // Pre-authorizations are checked against the scopes already stored, not the ones this same request adds, so
  // scope and pre-authorization take two PATCHes (microsoft-graph-docs #12675; docs/contracts/graph.md §11.1). Removing a scope
  // that is still pre-authorized is accepted and leaves a dangling entry (azure-docs #121168, docs/contracts/graph.md §1.2).
  if (isObject(body.api) && "preAuthorizedApplications" in body.api) {
    const stored = new Set(scopesBefore.map((s) => lower(s.id)));
    for (const pre of next.api?.preAuthorizedApplications ?? []) {
      if (pre.delegatedPermissionIds.some((id) => !stored.has(lower(id)))) {
        const target = "api.preAuthorizedApplications.delegatedPermissionIds";
        throw new GraphFault(
          400,
          "InvalidValue",
          `Property ${target} has a Permission Id that cannot be found in the AppPermissions sets.`,
          [{ target, code: "InvalidValue" }],
        );
      }
    }
  }
}
