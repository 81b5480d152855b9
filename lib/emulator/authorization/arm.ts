import type { Ctx } from "../http.ts";
import { ServiceError } from "../service-error.ts";
import { actionMatches, type Authorization, type Grants } from "./grants.ts";

/**
 * The RBAC action ARM checks for a request, derived as ARM derives it: the provider namespace, the resource type of
 * each `{type}/{name}` pair, then `read`/`write`/`delete` by method, or `{verb}/action` when the path ends in a
 * verb (`…/config/authsettings/list`, `…/functions/{fn}/listkeys`). Operations reference:
 * https://learn.microsoft.com/azure/role-based-access-control/permissions/web-and-mobile#microsoftweb
 */
export function armAction(method: string, path: string): { action: string; scope: string } {
  const segments = path.split("/").filter(Boolean);
  const lower = segments.map((s) => s.toLowerCase());
  const providers = lower.indexOf("providers");
  let types: string[];
  let rest: string[];
  let scopeEnd: number;
  if (providers >= 0) {
    types = [segments[providers + 1]!];
    rest = segments.slice(providers + 2);
    scopeEnd = providers + 2;
  } else {
    // Microsoft.Resources: /subscriptions/{s}[/resourceGroups/{rg}][/resources]
    types = ["Microsoft.Resources"];
    rest = segments;
    scopeEnd = 0;
  }
  let i = 0;
  for (; i + 1 < rest.length; i += 2) types.push(rest[i]!);
  const verb = i < rest.length ? rest[i] : undefined;
  const scopeSegments = segments.slice(0, scopeEnd + (verb === undefined ? rest.length : rest.length - 1));
  const scope = `/${scopeSegments.join("/")}`;
  if (verb !== undefined && providers < 0 && verb.toLowerCase() === "resources")
    return { action: `${types.join("/")}/resources/read`, scope };
  if (verb !== undefined) return { action: `${types.join("/")}/${verb}/action`, scope };
  const access = method === "GET" || method === "HEAD" ? "read" : method === "DELETE" ? "delete" : "write";
  return { action: `${types.join("/")}/${access}`, scope };
}

function allowed(grants: Grants, action: string, scope: string): boolean {
  const inScope = grants.arm.filter((a) =>
    `${scope.toLowerCase()}/`.startsWith(`${a.scope.toLowerCase().replace(/\/+$/, "")}/`),
  );
  return inScope.some(
    (a) => a.actions.some((p) => actionMatches(p, action)) && !a.notActions.some((p) => actionMatches(p, action)),
  );
}

/**
 * Throws ARM's 403 when the caller's role assignments do not allow the request. The message is ARM's own
 * ("does not have authorization to perform action … over scope …", as
 * https://learn.microsoft.com/azure/role-based-access-control/troubleshooting shows it): it names action and scope.
 */
export function authorizeArm(authz: Authorization, ctx: Ctx): void {
  const grants = authz.of(ctx.principal);
  if (!grants) return;
  const { action, scope } = armAction(ctx.method, ctx.path);
  if (allowed(grants, action, scope)) return;
  const client = ctx.principal?.appid ?? ctx.principal?.azp ?? "unknown";
  throw new ServiceError(
    403,
    "AuthorizationFailed",
    `The client '${client}' with object id '${ctx.principal?.oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}
