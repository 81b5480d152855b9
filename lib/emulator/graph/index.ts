import { authorizeGraph } from "../authorization/graph.ts";
import type { Authorization } from "../authorization/grants.ts";
import type { Directory } from "../directory.ts";
import type { Ctx } from "../http.ts";
import type { GraphThrottle } from "../throttle.ts";
import { retryHeaders } from "../service-error.ts";
import type { MountedService } from "../service.ts";
import { graphAdminRoutes } from "./admin.ts";
import { assignments } from "./app-role-assignments.ts";
import { patchApplication, postApplication } from "./applications.ts";
import { authenticate } from "./auth.ts";
import { deleteEntity, getEntity, listEntities, lookup, type Req } from "./collection.ts";
import { faultCode, GraphFault, graphError, sendFault } from "./errors.ts";
import { patchGrant, postGrant } from "./grants.ts";
import { parseTarget } from "./odata.ts";
import type { NestedPatchMode } from "./patch.ts";
import { addPassword, registerPasswords, removePassword } from "./passwords.ts";
import { federatedCredentials, registerFederatedCredentials } from "./federated-credentials.ts";
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
  /** Application permissions of restricted clients (server.ts). */
  authorization?: Authorization;
  /** Graph's identity and access limits (throttle.ts); absent: never throttled. */
  throttle?: GraphThrottle;
}

type Handler = (r: Req) => void;
const WRITES: Record<EntitySet, { post: Handler; patch: Handler }> = {
  applications: { post: postApplication, patch: patchApplication },
  servicePrincipals: { post: postServicePrincipal, patch: patchServicePrincipal },
  oauth2PermissionGrants: { post: postGrant, patch: patchGrant },
};

// Actions bound to one application (docs/contracts/graph.md §12): `/applications/{id}/addPassword`, `…/removePassword`.
const ACTION = /^(\/applications(?:\([^)]*\)|\/[^/]+))\/(addPassword|removePassword)\/?$/i;
const ACTIONS: Record<string, Handler> = { addpassword: addPassword, removepassword: removePassword };

// An application's federated identity credentials (a navigation of the application): `/applications/{id}/
// federatedIdentityCredentials[/{id or name}]`, either key form of the application.
const FEDERATED = /^(\/applications(?:\([^)]*\)|\/[^/]+))\/federatedIdentityCredentials(?:\/([^/]+))?\/?$/i;

function dispatchAction(r: Req, action: string): void {
  if (r.ctx.method !== "POST")
    throw new GraphFault(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri.");
  ACTIONS[action.toLowerCase()]!(r);
}

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
 * Whether `client` owns the object a request names: the application it created, or the service principal of one.
 * Undefined when there is no such object yet (an upsert that creates it). Owners are not modelled beyond that.
 */
function ownedBy(r: Req, client: string): boolean | undefined {
  const found = lookup(r.env, r.target);
  if (!found) return undefined;
  const data = found.data as { appId?: string; createdByAppId?: string | null };
  const app =
    r.target.set === "applications"
      ? data
      : r.target.set === "servicePrincipals" && data.appId
        ? r.env.state.findApplication("appId", data.appId)?.data
        : undefined;
  return typeof app?.createdByAppId === "string" && app.createdByAppId.toLowerCase() === client;
}

/**
 * Identity and access throttling (throttle.ts): `x-ms-resource-unit` on every answer, and a 429 with `Retry-After`,
 * `x-ms-throttle-scope` and `x-ms-throttle-information` once a limit is reached (learn.microsoft.com/graph/throttling,
 * learn.microsoft.com/graph/throttling-limits). False when the request was refused.
 */
function throttled(throttle: GraphThrottle, ctx: Ctx, path: string, tenantId: string): boolean {
  const claims = ctx.principal as { appid?: unknown; azp?: unknown } | undefined;
  const appId = String(claims?.appid ?? claims?.azp ?? "anonymous");
  const t = throttle.take(appId, tenantId, ctx.method, path, ctx.query);
  ctx.res.setHeader("x-ms-resource-unit", String(t.units));
  if (t.usedFraction > 0.8) ctx.res.setHeader("x-ms-throttle-limit-percentage", t.usedFraction.toFixed(1));
  if (t.ok) return true;
  graphError(ctx, 429, "TooManyRequests", "Please retry again later.", undefined, {
    "retry-after": String(t.retryAfterSeconds),
    "x-ms-throttle-scope": `Tenant_Application/${t.information === "WriteLimitExceeded" ? "WriteLimit" : "ResourceUnitLimit"}/${appId}/${tenantId}`,
    "x-ms-throttle-information": t.information ?? "ResourceUnitLimitExceeded",
  });
  return false;
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
  registerPasswords(dir, state);
  registerFederatedCredentials(dir, state);
  const env = { state, baseUrl };

  return {
    name: "graph",
    prefix: /^\/(v1\.0|beta)(\/|$)/i,
    adminRoutes: graphAdminRoutes(state),
    store: state,
    async handle(ctx) {
      await authenticate(ctx, dir, baseUrl());
      const m = /^\/(v1\.0|beta)(\/.*)?$/i.exec(ctx.path)!;
      if (opts.throttle && !throttled(opts.throttle, ctx, m[2] ?? "/", dir.tenantId)) return;
      const action = ACTION.exec(m[2] ?? "");
      if (action) {
        const r: Req = { ctx, env, target: parseTarget(action[1]!), version: m[1]! };
        return () => dispatchAction(r, action[2]!);
      }
      const fic = FEDERATED.exec(m[2] ?? "");
      if (fic) {
        const r: Req = { ctx, env, target: parseTarget(fic[1]!), version: m[1]! };
        // Writes need Application.ReadWrite.OwnedBy as an owner of the application, reads Application.Read.All
        // (application-post-federatedidentitycredentials, "Permissions").
        if (opts.authorization) authorizeGraph(opts.authorization, ctx, m[2]!, (client) => ownedBy(r, client));
        return () => federatedCredentials(r, fic[2]);
      }
      const r: Req = { ctx, env, target: parseTarget(m[2] ?? "/"), version: m[1]! };
      if (opts.authorization) authorizeGraph(opts.authorization, ctx, m[2] ?? "/", (client) => ownedBy(r, client));
      return () => dispatch(r);
    },
    fail(ctx, e) {
      if (e instanceof GraphFault) return sendFault(ctx, e);
      graphError(ctx, e.status, e.code ?? faultCode(e.status), e.message, undefined, retryHeaders(e));
    },
  };
}
