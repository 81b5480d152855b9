import { jsonBody } from "../http.ts";
import { callerAppId } from "./applications.ts";
import { lookup, replaceData, sendEntity, wantsUpsert, type Req } from "./collection.ts";
import { GraphFault, invalidValue, notFound, sendJson } from "./errors.ts";
import { mirrorOf, newServicePrincipal, type ServicePrincipal, type Stored } from "./model.ts";
import { applyPatch } from "./patch.ts";
import { checkBody, requireObject, type Json } from "./schema.ts";

// Server-set, or inherited from the application (appRoles and scopes follow the app, docs/contracts/graph.md §3.1).
const READ_ONLY = [
  "id",
  "appId",
  "deletedDateTime",
  "appDisplayName",
  "appOwnerOrganizationId",
  "createdByAppId",
  "servicePrincipalType",
  "signInAudience",
  "appRoles",
  "oauth2PermissionScopes",
  "disabledByMicrosoftStatus",
];
const READ_ONLY_ON_UPDATE = new Set(READ_ONLY);
const READ_ONLY_ON_CREATE = new Set(READ_ONLY.filter((p) => p !== "appId"));

function create(r: Req, body: Json): void {
  const { state } = r.env;
  const appId = body.appId;
  if (typeof appId !== "string" || appId === "") throw invalidValue("appId", "ServicePrincipal");
  if (state.findServicePrincipal("appId", appId)) {
    // Intune docs quote this 409 for New-MgServicePrincipal on an appId that already has one.
    const message = `The service principal cannot be created, updated, or restored because the service principal name ${appId} is already in use.`;
    throw new GraphFault(409, "Request_MultipleObjectsWithSameKeyValue", message, [
      { code: "ObjectConflict", message, target: "None" },
    ]);
  }
  const app = state.findApplication("appId", appId);
  if (!app || !state.visible(app)) {
    // POST /servicePrincipals right after POST /applications (learn Q&A 5883620, error-examples.json).
    const message = `The appId '${appId}' of the service principal does not reference a valid application object.`;
    throw new GraphFault(400, "Request_BadRequest", message, [
      { code: "NoBackingApplicationObject", message, target: "appId" },
    ]);
  }
  const { appId: _appId, ...rest } = body;
  const sp = applyPatch(
    newServicePrincipal(
      {
        appId: app.data.appId,
        displayName: app.data.displayName,
        signInAudience: app.data.signInAudience,
        createdByAppId: callerAppId(r.ctx),
        ...mirrorOf(app.data),
      },
      state.tenantId,
    ),
    rest,
    "merge",
    {},
  );
  state.addServicePrincipal(sp);
  sendEntity(r, 201, sp);
}

export function postServicePrincipal(r: Req): void {
  const body = requireObject(jsonBody(r.ctx));
  checkBody(body, "servicePrincipal", READ_ONLY_ON_CREATE);
  create(r, body);
}

/** PATCH by id or `(appId='…')`; with `Prefer: create-if-missing` the appId form is an upsert (openapi-ps ~561,000). */
export function patchServicePrincipal(r: Req): void {
  const body = requireObject(jsonBody(r.ctx));
  const key = r.target.key!;
  const found = lookup(r.env, r.target) as Stored<ServicePrincipal> | undefined;
  // As for applications by uniqueName, the appId index is authoritative: an upsert sees a not yet visible object.
  const upsert = key.prop === "appId" && wantsUpsert(r.ctx);
  if (!found && upsert) {
    checkBody(body, "servicePrincipal", READ_ONLY_ON_CREATE);
    return create(r, { ...body, appId: key.value });
  }
  checkBody(body, "servicePrincipal", READ_ONLY_ON_UPDATE);
  if (!found || (!upsert && !r.env.state.visible(found))) throw notFound(key.value);
  const next = applyPatch(found.data, body, r.env.state.settings.nestedPatch, {});
  replaceData(found, next);
  sendJson(r.ctx, 204);
}
