import type { Ctx } from "../http.ts";
import { actionMatches, type Authorization } from "./grants.ts";

/**
 * The data action Key Vault's RBAC checks for a secrets call
 * (https://learn.microsoft.com/azure/key-vault/general/rbac-guide#azure-built-in-roles-for-key-vault-data-plane-operations;
 * actions: https://learn.microsoft.com/azure/role-based-access-control/permissions/security#microsoftkeyvault).
 */
export function keyVaultAction(method: string, path: string): string {
  const segments = path.split("/").filter(Boolean);
  const base = "Microsoft.KeyVault/vaults";
  if (segments[0]?.toLowerCase() === "deletedsecrets") {
    if (method === "DELETE") return `${base}/secrets/purge/action`;
    if (method === "POST") return `${base}/secrets/recover/action`;
    return `${base}/deletedSecrets/read`;
  }
  if (method === "PUT") return `${base}/secrets/setSecret/action`;
  if (method === "PATCH") return `${base}/secrets/update/action`;
  if (method === "DELETE") return `${base}/secrets/delete`;
  if (method === "POST") return `${base}/secrets/${segments.at(-1)}/action`;
  // GET /secrets and GET /secrets/{name}/versions list metadata; GET /secrets/{name}[/{version}] reads the value.
  const listing = segments.length === 1 || segments.at(-1)?.toLowerCase() === "versions";
  return listing ? `${base}/secrets/readMetadata/action` : `${base}/secrets/getSecret/action`;
}

/**
 * Undefined when the caller's data actions allow the request; else the message of Key Vault's 403 Forbidden
 * (inner code ForbiddenByRbac), which names caller, action and resource.
 */
export function keyVaultDenial(authz: Authorization, ctx: Ctx, vaultName: string): string | undefined {
  const grants = authz.of(ctx.principal);
  if (!grants) return undefined;
  const action = keyVaultAction(ctx.method, ctx.path);
  const ok = grants.keyVault.some(
    (a) =>
      (a.vault === undefined || a.vault.toLowerCase() === vaultName.toLowerCase()) &&
      a.dataActions.some((p) => actionMatches(p, action)),
  );
  if (ok) return undefined;
  const p = ctx.principal;
  // The service's message, line by line, as the troubleshooting guide shows it
  // (https://learn.microsoft.com/azure/key-vault/general/troubleshooting-access-issues).
  return [
    "Caller is not authorized to perform action on resource.",
    "If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.",
    `Caller: appid=${p?.appid ?? p?.azp};oid=${p?.oid};iss=${p?.iss}`,
    `Action: '${action}'`,
    `Resource: '/vaults/${vaultName.toLowerCase()}${ctx.path.toLowerCase()}'`,
    "Assignment: (not found)",
    "DenyAssignmentId: null",
    "DecisionReason: null ",
    `Vault: ${vaultName};location=westeurope`,
    "",
  ].join("\r\n");
}
