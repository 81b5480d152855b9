import { jsonBody } from "../http.ts";
import { lookup, replaceData, requireVisible, sendEntity, type Req } from "./collection.ts";
import { GraphFault, invalidValue, sendJson } from "./errors.ts";
import type { PermissionGrant, Stored } from "./model.ts";
import { checkBody, isGuid, requireObject } from "./schema.ts";

const READ_ONLY_ON_CREATE = new Set(["id"]);
const READ_ONLY_ON_UPDATE = new Set(["id", "clientId", "resourceId"]);
/**
 * Grant ids are opaque strings, not GUIDs (docs/contracts/graph.md §3.3 shows one). Real ones look like base64url of the
 * client and resource object ids; building them the same way keeps them stable per (client, resource, principal).
 */
export function grantId(clientId: string, resourceId: string, principalId: string | null): string {
  const bytes = [clientId, resourceId, ...(principalId ? [principalId] : [])].map((g) =>
    Buffer.from(g.replace(/-/g, ""), "hex"),
  );
  return Buffer.concat(bytes).toString("base64url");
}

const RESOURCE = "OAuth2PermissionGrant";
// "Must not exceed 3,850 characters" (openapi-ps oAuth2PermissionGrant.scope, docs/contracts/graph.md §3.4).
const MAX_SCOPE = 3850;

/**
 * Admin consent: `clientId` and `resourceId` are service principal object ids, `consentType` is AllPrincipals or
 * Principal (then `principalId` is required), `scope` is space-separated values (docs/contracts/graph.md §3.4).
 */
export function postGrant(r: Req): void {
  const { state } = r.env;
  const body = requireObject(jsonBody(r.ctx));
  checkBody(body, "oAuth2PermissionGrant", READ_ONLY_ON_CREATE);
  const { clientId, resourceId, consentType, principalId = null, scope = null } = body;
  if (typeof clientId !== "string") throw invalidValue("clientId", RESOURCE);
  if (typeof resourceId !== "string") throw invalidValue("resourceId", RESOURCE);
  if (consentType !== "AllPrincipals" && consentType !== "Principal") throw invalidValue("consentType", RESOURCE);
  if (consentType === "Principal" ? !isGuid(principalId) : principalId !== null)
    throw invalidValue("principalId", RESOURCE);
  if (scope !== null && (typeof scope !== "string" || scope.length > MAX_SCOPE)) throw invalidValue("scope", RESOURCE);
  for (const id of [clientId, resourceId]) {
    const sp = state.findServicePrincipal("id", id);
    if (!sp || !state.visible(sp)) {
      // A service principal that is missing or not yet replicated: terraform retries this 400 message (docs/contracts/graph.md §3.4).
      throw new GraphFault(
        400,
        "Request_BadRequest",
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    }
  }
  const id =
    isGuid(clientId) && isGuid(resourceId)
      ? grantId(clientId, resourceId, principalId as string | null)
      : `${clientId}:${resourceId}`;
  if (state.findGrant(id)) {
    // One grant per (client, resource, consentType[, principal]); a second POST is refused. The text is what public
    // scripts match on (e.g. "Permission entry already exists" handling around POST /oauth2PermissionGrants).
    throw new GraphFault(400, "Request_BadRequest", "Permission entry already exists.");
  }
  const grant: PermissionGrant = {
    id,
    clientId,
    consentType,
    principalId: principalId as string | null,
    resourceId,
    scope: scope as string | null,
  };
  state.addGrant(grant);
  sendEntity(r, 201, grant);
}

/** `PATCH /oauth2PermissionGrants/{id} { "scope": "…" }` → 204, as terraform updates grants (docs/contracts/graph.md §3.4). */
export function patchGrant(r: Req): void {
  const body = requireObject(jsonBody(r.ctx));
  checkBody(body, "oAuth2PermissionGrant", READ_ONLY_ON_UPDATE);
  const found = requireVisible(r.env, r.target, lookup(r.env, r.target) as Stored<PermissionGrant> | undefined);
  if (typeof body.scope === "string" && body.scope.length > MAX_SCOPE) throw invalidValue("scope", RESOURCE);
  const next = { ...found.data, ...body } as PermissionGrant;
  replaceData(found, next);
  sendJson(r.ctx, 204);
}
