import { bearer, type Ctx } from "../http.ts";
import type { Directory } from "../directory.ts";
import { GraphFault } from "./errors.ts";
import { GRAPH_APP_ID } from "./well-known.ts";

/**
 * Graph accepts only tokens issued for Graph. Failures are 401 `InvalidAuthenticationToken` with the messages
 * Graph sends: "Access token is empty.", "Access token validation failure. Invalid audience."
 * (microsoft-graph-docs #16208), "Lifetime validation failed, the token is expired.", and
 * "CompactToken parsing failed…" for something that is not a JWT at all.
 */
export async function authenticate(ctx: Ctx, dir: Directory, baseUrl: string): Promise<void> {
  const result = await dir.authenticate(ctx, dir.audiences.graph);
  if (!result) return;
  const token = bearer(ctx);
  const message = {
    missing: "Access token is empty.",
    audience: "Access token validation failure. Invalid audience.",
    expired: "Lifetime validation failed, the token is expired.",
    invalid:
      token?.split(".").length === 3
        ? "Access token validation failure."
        : "CompactToken parsing failed with error code: 80049217",
  }[result];
  throw new GraphFault(401, "InvalidAuthenticationToken", message, undefined, {
    "www-authenticate": `Bearer realm="", authorization_uri="${baseUrl}/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`,
  });
}
