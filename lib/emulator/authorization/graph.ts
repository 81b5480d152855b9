import type { Ctx } from "../http.ts";
import { ServiceError } from "../service-error.ts";
import { clientOf, type Authorization } from "./grants.ts";

const READ_APPS = [
  "Application.Read.All",
  "Application.ReadWrite.OwnedBy",
  "Application.ReadWrite.All",
  "Directory.Read.All",
  "Directory.ReadWrite.All",
];
const WRITE_APPS = ["Application.ReadWrite.All", "Directory.ReadWrite.All"];
const READ_GRANTS = [
  "DelegatedPermissionGrant.Read.All",
  "DelegatedPermissionGrant.ReadWrite.All",
  "Directory.Read.All",
  "Directory.ReadWrite.All",
];
const WRITE_GRANTS = ["DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All"];
const WRITE_ASSIGNMENTS = ["AppRoleAssignment.ReadWrite.All"];

/** What a Graph request needs: any one of `anyOf`, or `Application.ReadWrite.OwnedBy` when `owned` allows it. */
export interface GraphRequirement {
  anyOf: string[];
  /** `OwnedBy` suffices: always for a create (the caller becomes owner), for other writes when the caller owns it. */
  ownedBy?: "create" | "owner";
}

/**
 * The application permissions each call of the Graph v1.0 reference lists as sufficient ("Permissions" table of
 * each page, e.g. https://learn.microsoft.com/graph/api/application-update and
 * https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto). `Application.ReadWrite.OwnedBy`
 * reads every application but writes only those the caller owns, and makes the caller owner of what it creates
 * (https://learn.microsoft.com/graph/permissions-reference#applicationreadwriteownedby).
 */
export function graphRequirement(method: string, path: string): GraphRequirement {
  const segments = path.split("/").filter(Boolean);
  const head = segments[0] ?? "";
  const set = head.replace(/\(.*$/, "").toLowerCase();
  const keyed = head.includes("(") || segments.length > 1;
  const nav = (head.includes("(") ? segments[1] : segments[2])?.toLowerCase();
  const read = method === "GET";
  if (set === "oauth2permissiongrants") return { anyOf: read ? READ_GRANTS : WRITE_GRANTS };
  if (nav === "approleassignedto" || nav === "approleassignments")
    return { anyOf: read ? READ_APPS : WRITE_ASSIGNMENTS };
  if (read) return { anyOf: READ_APPS };
  if (!keyed && method === "POST") return { anyOf: WRITE_APPS, ownedBy: "create" };
  return { anyOf: WRITE_APPS, ownedBy: "owner" };
}

/**
 * Throws Graph's 403 when the caller's application permissions do not cover the request. Graph does not name the
 * missing permission ("Insufficient privileges to complete the operation."), so the tool must know what each call
 * needs (docs/permissions.md).
 */
export function authorizeGraph(
  authz: Authorization,
  ctx: Ctx,
  path: string,
  /** Whether the caller owns the object the request is about; undefined when it does not exist (an upsert creates it). */
  ownsTarget: (clientId: string) => boolean | undefined,
): void {
  const grants = authz.of(ctx.principal);
  if (!grants) return;
  const held = new Set(grants.graph.map((p) => p.toLowerCase()));
  const req = graphRequirement(ctx.method, path);
  if (req.anyOf.some((p) => held.has(p.toLowerCase()))) return;
  if (req.ownedBy && held.has("application.readwrite.ownedby")) {
    if (req.ownedBy === "create") return;
    const owns = ownsTarget(clientOf(ctx.principal) ?? "");
    if (owns !== false) return;
  }
  throw new ServiceError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
}
