import { randomBytes } from "node:crypto";
import { jsonBody } from "../http.ts";
import { lookup, requireVisible, type Req } from "./collection.ts";
import { GraphFault, invalidValue, notFound, sendJson } from "./errors.ts";
import { graphTimestamp, type AppRoleAssignment, type ServicePrincipal, type Stored } from "./model.ts";
import { page, parseFilter, type AssignmentNav } from "./odata.ts";
import { checkBody, parseSelect, project, requireObject, type Json } from "./schema.ts";

/** "Default access": the appRoleId that assigns a principal to a resource without a specific app role. */
export const DEFAULT_ACCESS_ROLE_ID = "00000000-0000-0000-0000-000000000000";

const TYPE = "appRoleAssignment";
const RESOURCE = "AppRoleAssignment";
// Server-set: the id, the timestamp, the principal's type and both display names.
const READ_ONLY = new Set([
  "id",
  "deletedDateTime",
  "createdDateTime",
  "principalType",
  "principalDisplayName",
  "resourceDisplayName",
]);

/** Which side of an assignment the path's service principal is. */
const SIDE: Record<AssignmentNav, "resourceId" | "principalId"> = {
  appRoleAssignedTo: "resourceId",
  appRoleAssignments: "principalId",
};

const lower = (s: string) => s.toLowerCase();

/** The 16 bytes of a GUID in .NET order (the first three groups little-endian). */
function guidBytes(guid: string): Buffer {
  const b = Buffer.from(guid.replace(/-/g, ""), "hex");
  return Buffer.concat([
    b.subarray(0, 4).reverse(),
    b.subarray(4, 6).reverse(),
    b.subarray(6, 8).reverse(),
    b.subarray(8),
  ]);
}

/**
 * Assignment ids are opaque 43-character strings, not GUIDs (docs/contracts/graph.md §3.3). Real ones start with the
 * principal's object id in .NET byte order, base64url: two assignments of one principal share the first 21
 * characters (Get-AzADServicePrincipalAppRoleAssignment example output). The rest is random here.
 */
export function assignmentId(principalId: string): string {
  return Buffer.concat([guidBytes(principalId), randomBytes(16)]).toString("base64url");
}

function context(r: Req, sp: ServicePrincipal, select: string[] | undefined, entity: boolean): string {
  const nav = r.target.nav!.name;
  return `${r.env.baseUrl()}/${r.version}/$metadata#servicePrincipals('${sp.id}')/${nav}${select ? `(${select.join(",")})` : ""}${entity ? "/$entity" : ""}`;
}

/** The assignments on this side of the path's service principal, whether or not reads see them yet. */
function sideOf(r: Req, sp: ServicePrincipal): Stored<AppRoleAssignment>[] {
  return r.env.state.assignmentsBy(SIDE[r.target.nav!.name], sp.id);
}

function list(r: Req, sp: ServicePrincipal): void {
  const { ctx, env } = r;
  const select = parseSelect(ctx.query.get("$select"), TYPE);
  const filter = parseFilter(ctx.query.get("$filter"), "appRoleAssignments");
  if (ctx.query.has("$orderby"))
    throw new GraphFault(400, "Request_UnsupportedQuery", "Sorting not supported for current query.");
  // "This request might have replication delays for app role assignments that were recently granted or removed."
  const items = sideOf(r, sp)
    .filter((s) => env.state.visible(s))
    .map((s) => s.data as Json)
    .filter((d) => !filter || filter(d));
  const { value, nextLink } = page(ctx, items, env.state.settings.pageSize, env.baseUrl());
  sendJson(ctx, 200, {
    "@odata.context": context(r, sp, select, false),
    value: value.map((d) => project(d, select)),
    ...(nextLink ? { "@odata.nextLink": nextLink } : {}),
  });
}

function findOne(r: Req, sp: ServicePrincipal, id: string): Stored<AppRoleAssignment> {
  const found = sideOf(r, sp).find((s) => s.data.id === id);
  if (!found || !r.env.state.visible(found)) throw notFound(id);
  return found;
}

/** A service principal a body refers to; one missing or not yet replicated is "Not a valid reference update." */
function referenced(r: Req, id: string): Stored<ServicePrincipal> {
  const sp = r.env.state.findServicePrincipal("id", id);
  // Terraform (app_role_assignment_resource.go) and msgraph-bicep-types #193 retry this 400 right after a principal
  // is created: the object the request refers to has not replicated yet.
  if (!sp || !r.env.state.visible(sp)) throw new GraphFault(400, "Request_BadRequest", "Not a valid reference update.");
  return sp;
}

/**
 * `POST /servicePrincipals/{resource}/appRoleAssignedTo` (or `{principal}/appRoleAssignments`) with `principalId`,
 * `resourceId` and `appRoleId` → 201 with the assignment (serviceprincipal-post-approleassignedto). The path's
 * service principal must be the side the navigation names; the role must be an enabled app role of the resource
 * that allows `Application` members, or default access; one assignment per (principal, resource, role).
 */
function create(r: Req, sp: ServicePrincipal): void {
  const { state } = r.env;
  const body = requireObject(jsonBody(r.ctx));
  checkBody(body, TYPE, READ_ONLY);
  const { principalId, resourceId, appRoleId } = body;
  for (const [name, v] of Object.entries({ principalId, resourceId, appRoleId }))
    if (typeof v !== "string") throw invalidValue(name, RESOURCE);
  const side = SIDE[r.target.nav!.name];
  if (lower(body[side] as string) !== lower(sp.id)) throw invalidValue(side, RESOURCE);
  const resource = side === "resourceId" ? sp : referenced(r, resourceId as string).data;
  const principal = side === "principalId" ? sp : referenced(r, principalId as string).data;
  const roleId = lower(appRoleId as string);
  // The resource's roles as its service principal has them: a role just added to the application is "not found"
  // until the service principal has picked it up (docs/contracts/graph.md §3.1), which scripts retry.
  const role = (resource.appRoles ?? []).find(
    (a) => lower(a.id) === roleId && a.isEnabled && a.allowedMemberTypes.includes("Application"),
  );
  if (!role && roleId !== DEFAULT_ACCESS_ROLE_ID)
    throw new GraphFault(400, "Request_BadRequest", "Permission being assigned was not found on application.");
  const duplicate = state
    .assignmentsBy("resourceId", resource.id)
    .some((s) => lower(s.data.principalId) === lower(principal.id) && lower(s.data.appRoleId) === roleId);
  if (duplicate)
    throw new GraphFault(400, "Request_BadRequest", "Permission being assigned already exists on the object.");
  const assignment: AppRoleAssignment = {
    id: assignmentId(principal.id),
    deletedDateTime: null,
    appRoleId: role?.id ?? DEFAULT_ACCESS_ROLE_ID,
    createdDateTime: graphTimestamp(state.now()),
    principalDisplayName: principal.displayName,
    principalId: principal.id,
    principalType: "ServicePrincipal",
    resourceDisplayName: resource.displayName,
    resourceId: resource.id,
  };
  state.addAssignment(assignment);
  sendJson(r.ctx, 201, { "@odata.context": context(r, sp, undefined, true), ...assignment });
}

/** The `appRoleAssignedTo` and `appRoleAssignments` navigations of a service principal: list, get, create, delete. */
export function assignments(r: Req): void {
  const sp = requireVisible(r.env, r.target, lookup(r.env, r.target) as Stored<ServicePrincipal> | undefined).data;
  const id = r.target.nav!.id;
  const method = r.ctx.method;
  if (id === undefined && method === "GET") return list(r, sp);
  if (id === undefined && method === "POST") return create(r, sp);
  if (id !== undefined && method === "GET") {
    const select = parseSelect(r.ctx.query.get("$select"), TYPE);
    return sendJson(r.ctx, 200, {
      "@odata.context": context(r, sp, select, true),
      ...project(findOne(r, sp, id).data, select),
    });
  }
  if (id !== undefined && method === "DELETE") {
    r.env.state.assignments.delete(findOne(r, sp, id).data.id);
    return sendJson(r.ctx, 204);
  }
  throw new GraphFault(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri.");
}
