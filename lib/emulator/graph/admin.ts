import { randomUUID } from "node:crypto";
import { z } from "zod";
import { jsonBody, route, send, type Route } from "../http.ts";
import { newServicePrincipal } from "./model.ts";
import type { GraphState } from "./state.ts";

const optionsSchema = z
  .object({
    visibilityDelayMs: z.number().int().nonnegative(),
    verifiedDomains: z.array(z.string().min(1)).min(1),
    pageSize: z.number().int().min(1).max(999),
    nestedPatch: z.enum(["merge", "replace"]),
    defaultSignInAudience: z.enum([
      "AzureADMyOrg",
      "AzureADMultipleOrgs",
      "AzureADandPersonalMicrosoftAccount",
      "PersonalMicrosoftAccount",
    ]),
  })
  .partial()
  .strict();

const managedIdentitySchema = z
  .object({ displayName: z.string().min(1), appId: z.string().uuid().optional(), resourceId: z.string().optional() })
  .strict();

/** `/_emulator/graph/*`: a view of the directory objects and the knobs tests turn at run time (no auth, loopback). */
export function graphAdminRoutes(state: GraphState): Route[] {
  return [
    route("GET", "/_emulator/graph/state", (ctx) => send(ctx, 200, state.snapshot())),
    route("GET", "/_emulator/graph/options", (ctx) => send(ctx, 200, state.settings)),
    route("PUT", "/_emulator/graph/options", (ctx) => {
      const parsed = optionsSchema.safeParse(jsonBody(ctx) ?? {});
      if (!parsed.success) return send(ctx, 400, { error: `Invalid Graph options: ${parsed.error.message}` });
      Object.assign(state.settings, Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)));
      send(ctx, 200, state.settings);
    }),
    // A managed identity's service principal: Azure creates it with the identity (no application object behind it,
    // so POST /servicePrincipals cannot), and callers are assigned app roles by its object id.
    route("POST", "/_emulator/graph/managed-identities", (ctx) => {
      const parsed = managedIdentitySchema.safeParse(jsonBody(ctx) ?? {});
      if (!parsed.success) return send(ctx, 400, { error: `Invalid managed identity: ${parsed.error.message}` });
      const { displayName, appId = randomUUID(), resourceId } = parsed.data;
      const sp = newServicePrincipal(
        {
          appId,
          displayName,
          servicePrincipalType: "ManagedIdentity",
          appOwnerOrganizationId: null,
          alternativeNames: ["isExplicit=False", ...(resourceId ? [resourceId] : [])],
        },
        state.tenantId,
      );
      state.addServicePrincipal(sp);
      send(ctx, 201, sp);
    }),
  ];
}
