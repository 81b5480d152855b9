import type { AppOnlyAccess, ClientIdentity, ClientPrincipal, ResourceInfo, TokenRefusal } from "../directory.ts";
import type { Application, ServicePrincipal } from "./model.ts";
import type { GraphState } from "./state.ts";

const k = (s: string) => s.toLowerCase();

/**
 * Token audiences for app registrations: a visible application resolves by its appId or one of its identifierUris
 * (anything else is AADSTS500011). The token version is the application's `api.requestedAccessTokenVersion`
 * whichever endpoint issues it (null or 1 → v1, 2 → v2): v2 tokens carry `aud = appId`, v1 tokens the identifier as
 * it was requested (docs/contracts/graph.md §1.4; learn.microsoft.com/entra/identity-platform/access-token-claims-reference,
 * `aud`: "In v2.0 tokens, this value is always the client ID of the API. In v1.0 tokens, it can be the client ID or
 * the resource URI used in the request").
 */
export function resolveAppRegistration(state: GraphState, resource: string): ResourceInfo | undefined {
  for (const s of state.applications.values()) {
    if (!state.visible(s)) continue;
    const app = s.data;
    const uri = app.identifierUris.find((u) => k(u) === k(resource));
    if (!uri && k(app.appId) !== k(resource)) continue;
    const v2 = app.api?.requestedAccessTokenVersion === 2;
    return {
      audience: v2 ? app.appId : (uri ?? app.appId),
      version: v2 ? 2 : 1,
      appOnly: (client, requested) => appOnlyAccess(state, app, client, requested),
    };
  }
  return undefined;
}

function visibleServicePrincipal(state: GraphState, appId: string): ServicePrincipal | undefined {
  const sp = state.findServicePrincipal("appId", appId);
  return sp && state.visible(sp) ? sp.data : undefined;
}

/**
 * The app-only rules of the resource's service principal. `roles` are the values of the enabled app roles the
 * client's service principal is assigned on it (howto-add-app-roles-in-apps, "Assign app roles to applications");
 * with `appRoleAssignmentRequired` and no assignment at all (default access counts) the request is refused with
 * AADSTS501051 (troubleshoot/entra/entra-id/app-integration/error-code-aadsts501051-app-not-assigned-role).
 * Assignments count once they have replicated, as reads see them. An application without a service principal here
 * has no rules to apply: the token is issued without roles.
 */
function appOnlyAccess(
  state: GraphState,
  app: Application,
  client: ClientPrincipal,
  requested: string,
): AppOnlyAccess | TokenRefusal {
  const resource = visibleServicePrincipal(state, app.appId);
  if (!resource) return { roles: [] };
  const caller = visibleServicePrincipal(state, client.clientId);
  const held = caller
    ? state
        .assignmentsBy("resourceId", resource.id)
        .filter((s) => state.visible(s) && k(s.data.principalId) === k(caller.id))
        .map((s) => k(s.data.appRoleId))
    : [];
  if (resource.appRoleAssignmentRequired === true && held.length === 0) {
    return {
      status: 400,
      error: "invalid_grant",
      code: 501051,
      description: `Application '${client.clientId}'(${client.displayName}) is not assigned to a role for the application '${requested}'(${resource.displayName ?? app.displayName ?? app.appId}).`,
    };
  }
  const roles = (resource.appRoles ?? [])
    .filter((role) => role.isEnabled && role.value && held.includes(k(role.id)))
    .map((role) => role.value as string);
  return { roles: [...new Set(roles)] };
}

/** A client signs in as its service principal, matched by appId once reads see it. */
export function identifyClient(state: GraphState, clientId: string): ClientIdentity | undefined {
  const sp = visibleServicePrincipal(state, clientId);
  return sp ? { objectId: sp.id, displayName: sp.displayName ?? sp.appId } : undefined;
}
