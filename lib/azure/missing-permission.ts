import { AzureRequestError } from "../errors.ts";

/** What a 403 says is missing, in terms a role assignment or an admin grant can fix. */
export interface MissingPermission {
  service: "arm" | "graph" | "keyvault";
  /** An RBAC action, a Key Vault data action, or the Graph application permission(s) that would allow the call. */
  permission: string;
  scope: string;
}

// ARM names both: "does not have authorization to perform action '<action>' over scope '<scope>'"
// (https://learn.microsoft.com/azure/role-based-access-control/troubleshooting).
const ARM_DENIAL = /perform action '([^']+)' over scope '([^']+)'/i;
// Key Vault's RBAC denial lists `Action: '<data action>'` and `Resource: '<id>'` on lines of their own
// (https://learn.microsoft.com/azure/key-vault/general/troubleshooting-access-issues).
const KV_ACTION = /Action: '([^']+)'/i;
const KV_RESOURCE = /Resource: '([^']+)'/i;

/**
 * Graph's 403 is always "Insufficient privileges to complete the operation." and names no permission, so the call
 * decides: the application permissions the Graph reference lists for it (docs/permissions.md, update-manifest).
 */
function graphPermissionFor(method: string, path: string): string {
  const p = path.toLowerCase();
  if (p.includes("/oauth2permissiongrants")) return "DelegatedPermissionGrant.ReadWrite.All";
  if (/\/approleassign(edto|ments)/.test(p))
    return method === "GET" ? "Application.Read.All" : "AppRoleAssignment.ReadWrite.All";
  if (method === "GET") return "Application.Read.All";
  return "Application.ReadWrite.OwnedBy";
}

/** What to grant when Graph refused a call; a write under OwnedBy also needs ownership of the object. */
function graphHow(permission: string): string {
  if (permission !== "Application.ReadWrite.OwnedBy")
    return `grant ${permission} as an application permission with admin consent (Entra ID > App registrations > API permissions)`;
  return "grant Application.ReadWrite.OwnedBy with admin consent and make the principal an owner of the registration (it owns those it creates), or grant Application.ReadWrite.All";
}

/** The data action of a secrets call, for a denial whose text the client did not keep. */
function keyVaultActionFor(method: string, url: string): string {
  const path = pathOf(url);
  const base = "Microsoft.KeyVault/vaults/secrets";
  if (method === "PUT") return `${base}/setSecret/action`;
  if (method === "PATCH") return `${base}/update/action`;
  if (method === "DELETE") return `${base}/delete`;
  const segments = path.split("/").filter(Boolean);
  const listing = segments.length === 1 || segments.at(-1)?.toLowerCase() === "versions";
  return `${base}/${listing ? "readMetadata" : "getSecret"}/action`;
}

/** The path of a request URL, without origin and query. */
const pathOf = (url: string): string => url.replace(/^https?:\/\/[^/]+/i, "").replace(/\?.*$/, "") || "/";

/** The missing permission a refused call names or implies; undefined for any other error. */
export function missingPermission(e: unknown): MissingPermission | undefined {
  if (!(e instanceof AzureRequestError) || e.status !== 403) return undefined;
  if (e.service === "arm") {
    const m = ARM_DENIAL.exec(e.message);
    if (e.code !== "AuthorizationFailed" && !m) return undefined;
    const path = pathOf(e.url);
    return { service: "arm", permission: m?.[1] ?? `the action of ${e.method} ${path}`, scope: m?.[2] ?? path };
  }
  if (e.service === "graph") {
    if (e.code !== "Authorization_RequestDenied") return undefined;
    const path = pathOf(e.url).replace(/^\/(v1\.0|beta)/i, "");
    return {
      service: "graph",
      permission: graphPermissionFor(e.method, path),
      scope: `${path} in the signed-in tenant`,
    };
  }
  if (e.service === "keyvault") {
    const action = KV_ACTION.exec(e.message)?.[1];
    if (!action && e.code !== "ForbiddenByRbac") return undefined;
    const resource = KV_RESOURCE.exec(e.message)?.[1] ?? e.url.replace(/\?.*$/, "");
    return { service: "keyvault", permission: action ?? keyVaultActionFor(e.method, e.url), scope: resource };
  }
  return undefined;
}

const HOW: Record<MissingPermission["service"], (permission: string) => string> = {
  arm: () => "assign a role that includes it on that scope (az role assignment create), such as the custom role",
  graph: graphHow,
  keyvault: () => "assign Key Vault Secrets Officer (or a role with that data action) on the vault",
};

/** "missing permission X on scope Y for command Z", and the fix: what to grant and where it is documented. */
export function describeMissingPermission(p: MissingPermission, command: string): { message: string; fix: string } {
  return {
    message: `missing permission ${p.permission} on scope ${p.scope} for command ${command}`,
    fix: `To the signed-in principal, ${HOW[p.service](p.permission)}; docs/permissions.md lists what ${command} needs.`,
  };
}
