import { z } from "zod";
import type { Directory } from "../directory.ts";
import { jsonBody, route, send, type Route } from "../http.ts";
import type { AppState, ArmState, JsonObject } from "./state.ts";

/**
 * The site's `identity` as GET returns it (ManagedServiceIdentity in azure-rest-api-specs' WebApps.json; "Add a
 * user-assigned identity", learn.microsoft.com/azure/app-service/overview-managed-identity): `type` names what is on,
 * `userAssignedIdentities` is keyed by the identity's resource id. Undefined for an app with no identity (ARM omits it).
 */
export function identityBody(app: AppState, tenantId: string): JsonObject | undefined {
  const id = app.identity;
  if (!id) return undefined;
  const user = Object.keys(id.userAssigned).length > 0;
  if (!user && !id.systemAssigned) return { type: "None" };
  const type = [id.systemAssigned ? "SystemAssigned" : "", user ? "UserAssigned" : ""].filter(Boolean).join(", ");
  return {
    type,
    ...(id.systemAssigned ? { principalId: id.systemAssigned, tenantId } : {}),
    ...(user ? { userAssignedIdentities: structuredClone(id.userAssigned) } : {}),
  };
}

const SITE_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Web\/sites\/([^/]+)(?:\/slots\/([^/]+))?\/?$/i;

const tokenSchema = z
  .object({
    /** The app or slot whose identity endpoint is called: `/subscriptions/…/sites/{name}[/slots/{slot}]`. */
    site: z.string().regex(SITE_ID, "must be a site or slot resource id"),
    /** Which user-assigned identity (its client id), as `client_id` on the identity endpoint selects it. */
    clientId: z.string().min(1),
    resource: z.string().min(1),
  })
  .strict();

/**
 * `POST /_emulator/arm/identity-token`, emulator-only: the token the app's identity endpoint (IDENTITY_ENDPOINT,
 * learn.microsoft.com/azure/app-service/overview-managed-identity, "REST endpoint reference") answers for one of the
 * app's user-assigned identities, as Easy Auth's runtime asks it for api://AzureADTokenExchange before redeeming the
 * token as its client assertion. An identity that is not assigned to that app or slot gets no token.
 */
export function identityAdminRoutes(state: ArmState, dir: Directory): Route[] {
  return [
    route("POST", "/_emulator/arm/identity-token", async (ctx) => {
      const parsed = tokenSchema.safeParse(jsonBody(ctx) ?? {});
      if (!parsed.success)
        return send(ctx, 400, {
          error: `Invalid token request: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        });
      const { site: siteId, clientId, resource } = parsed.data;
      if (resource !== dir.tokenExchangeAudience)
        return send(ctx, 400, { error: `The emulator issues identity tokens for ${dir.tokenExchangeAudience} only.` });
      const [, sub, rg, name, slot] = SITE_ID.exec(siteId)!;
      const site = state.site(sub!, rg!, name!);
      const app = slot ? site?.slots.get(slot.toLowerCase()) : site;
      if (!app) return send(ctx, 404, { error: `No app ${siteId}.` });
      const identity = Object.values(app.identity?.userAssigned ?? {}).find(
        (i) => i.clientId.toLowerCase() === clientId.toLowerCase(),
      );
      if (!identity)
        return send(ctx, 400, {
          error: `No user-assigned identity with client id ${clientId} is assigned to ${siteId}.`,
        });
      const { token, expiresIn } = await dir.issueManagedIdentityToken(identity, resource);
      send(ctx, 200, {
        access_token: token,
        expires_on: String(Math.floor(Date.now() / 1000) + expiresIn),
        resource,
        token_type: "Bearer",
        client_id: identity.clientId,
      });
    }),
  ];
}
