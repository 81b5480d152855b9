import { ZodError } from "zod";
import { jsonBody, route, send, type Route } from "../http.ts";
import type { Authorization } from "./grants.ts";

/**
 * `/_emulator/authorization`: restrict a client to a permission set (`PUT …/{clientId}` with
 * `{arm:[{actions,scope}], graph:[…], keyVault:[{dataActions}]}`), read them all, or lift one or all restrictions.
 */
export function authorizationAdminRoutes(authz: () => Authorization): Route[] {
  return [
    route("GET", "/_emulator/authorization", (ctx) => send(ctx, 200, authz().list())),
    route("PUT", "/_emulator/authorization/{clientId}", (ctx) => {
      try {
        send(ctx, 200, authz().set(ctx.params.clientId!, jsonBody(ctx)));
      } catch (e) {
        if (!(e instanceof ZodError)) throw e;
        send(ctx, 400, {
          error: `Invalid permission set: ${e.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        });
      }
    }),
    route("DELETE", "/_emulator/authorization/{clientId}", (ctx) => {
      authz().remove(ctx.params.clientId!);
      send(ctx, 204);
    }),
    route("DELETE", "/_emulator/authorization", (ctx) => {
      authz().clear();
      send(ctx, 204);
    }),
  ];
}
