import type { Directory } from "../directory.ts";
import { retryHeaders } from "../service-error.ts";
import type { MountedService } from "../service.ts";
import { graphAdminRoutes } from "./admin.ts";
import { assignments } from "./app-role-assignments.ts";
import { patchApplication, postApplication } from "./applications.ts";
import { authenticate } from "./auth.ts";
import { deleteEntity, getEntity, listEntities, type Req } from "./collection.ts";
import { faultCode, GraphFault, graphError, sendFault } from "./errors.ts";
import { patchGrant, postGrant } from "./grants.ts";
import { parseTarget } from "./odata.ts";
import type { NestedPatchMode } from "./patch.ts";
import { patchServicePrincipal, postServicePrincipal } from "./service-principals.ts";
import { GraphState, type EntitySet } from "./state.ts";
import { identifyClient, resolveAppRegistration } from "./token-rules.ts";

export interface GraphOptions {
  /** How long a newly created object stays invisible to reads (eventual consistency). */
  visibilityDelayMs?: number;
  /** Verified domains of the tenant; identifierUris on other hosts (except api://{appId}) are refused. */
  verifiedDomains?: string[];
  pageSize?: number;
  /** How PATCH treats nested complex values (`api`, `web`): see patch.ts. Default "merge". */
  nestedPatch?: NestedPatchMode;
  /** signInAudience of an application created without one. Default as the upsert doc's example: AzureADandPersonalMicrosoftAccount. */
  defaultSignInAudience?: string;
  /** Clock for visibility and timestamps; tests pass a controllable one. */
  now?: () => number;
}

type Handler = (r: Req) => void;
const WRITES: Record<EntitySet, { post: Handler; patch: Handler }> = {
  applications: { post: postApplication, patch: patchApplication },
  servicePrincipals: { post: postServicePrincipal, patch: patchServicePrincipal },
  oauth2PermissionGrants: { post: postGrant, patch: patchGrant },
};

function dispatch(r: Req): void {
  const method = r.ctx.method;
  if (r.target.nav) return assignments(r);
  const keyed = r.target.key !== undefined;
  if (!keyed && method === "GET") return listEntities(r);
  if (!keyed && method === "POST") return WRITES[r.target.set].post(r);
  if (keyed && method === "GET") return getEntity(r);
  if (keyed && method === "PATCH") return WRITES[r.target.set].patch(r);
  if (keyed && method === "DELETE") return deleteEntity(r);
  throw new GraphFault(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri.");
}

/**
 * Microsoft Graph v1.0 for applications, servicePrincipals (with their app role assignments) and
 * oauth2PermissionGrants (docs/emulator.md).
 */
export function createGraphService(dir: Directory, baseUrl: () => string, opts: GraphOptions = {}): MountedService {
  const state = new GraphState(
    dir.tenantId,
    {
      visibilityDelayMs: opts.visibilityDelayMs ?? 0,
      verifiedDomains: opts.verifiedDomains ?? ["emulated.onmicrosoft.com"],
      pageSize: opts.pageSize ?? 100,
      nestedPatch: opts.nestedPatch ?? "merge",
      defaultSignInAudience: opts.defaultSignInAudience ?? "AzureADandPersonalMicrosoftAccount",
    },
    opts.now,
  );
  // App registrations become token audiences (`{appId}/.default`, `{identifierUri}/.default`) with their service
  // principal's rules, and clients that sign in are their service principals (graph/token-rules.ts).
  dir.resolvers.push((resource) => resolveAppRegistration(state, resource));
  dir.clientResolvers.push((clientId) => identifyClient(state, clientId));
  const env = { state, baseUrl };

  return {
    name: "graph",
    prefix: /^\/(v1\.0|beta)(\/|$)/i,
    adminRoutes: graphAdminRoutes(state),
    store: state,
    async handle(ctx) {
      await authenticate(ctx, dir, baseUrl());
      const m = /^\/(v1\.0|beta)(\/.*)?$/i.exec(ctx.path)!;
      const r: Req = { ctx, env, target: parseTarget(m[2] ?? "/"), version: m[1]! };
      return () => dispatch(r);
    },
    fail(ctx, e) {
      if (e instanceof GraphFault) return sendFault(ctx, e);
      graphError(ctx, e.status, e.code ?? faultCode(e.status), e.message, undefined, retryHeaders(e));
    },
  };
}
