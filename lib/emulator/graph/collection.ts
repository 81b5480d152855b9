import type { Ctx } from "../http.ts";
import { GraphFault, notFound, sendJson } from "./errors.ts";
import type { Application, PermissionGrant, ServicePrincipal, Stored } from "./model.ts";
import { page, parseFilter, type Target } from "./odata.ts";
import { clone } from "./patch.ts";
import { parseSelect, project, type Json } from "./schema.ts";
import type { EntitySet, GraphState } from "./state.ts";

export interface GraphEnv {
  state: GraphState;
  baseUrl: () => string;
}

/** One Graph request after authentication and path parsing. */
export interface Req {
  ctx: Ctx;
  env: GraphEnv;
  target: Target;
  /** `v1.0` or `beta`, as the caller spelled it. */
  version: string;
}

export const TYPE_OF: Record<EntitySet, string> = {
  applications: "application",
  servicePrincipals: "servicePrincipal",
  oauth2PermissionGrants: "oAuth2PermissionGrant",
};

type AnyStored = Stored<Application | ServicePrincipal | PermissionGrant>;

/** The stored object a key names, whether or not reads can see it yet. */
export function lookup(env: GraphEnv, target: Target): AnyStored | undefined {
  const key = target.key;
  if (!key) return undefined;
  const { state } = env;
  if (target.set === "applications") return state.findApplication(key.prop, key.value);
  // parseTarget admits only the alternate keys each set declares (appId for servicePrincipals, none for grants).
  if (target.set === "servicePrincipals")
    return state.findServicePrincipal(key.prop === "appId" ? "appId" : "id", key.value);
  return state.findGrant(key.value);
}

/** A new or not yet replicated object answers 404 like a missing one (docs/contracts/graph.md §5.2). */
export function requireVisible<T extends AnyStored>(env: GraphEnv, target: Target, found: T | undefined): T {
  if (!found || !env.state.visible(found)) throw notFound(target.key?.value ?? "");
  return found;
}

function context(r: Req, select: string[] | undefined, entity: boolean): string {
  return `${r.env.baseUrl()}/${r.version}/$metadata#${r.target.set}${select ? `(${select.join(",")})` : ""}${entity ? "/$entity" : ""}`;
}

export function sendEntity(r: Req, status: number, data: Json, select?: string[]): void {
  sendJson(r.ctx, status, { "@odata.context": context(r, select, true), ...project(data, select) });
}

export function getEntity(r: Req): void {
  const select = parseSelect(r.ctx.query.get("$select"), TYPE_OF[r.target.set]);
  const found = requireVisible(r.env, r.target, lookup(r.env, r.target));
  sendEntity(r, 200, found.data, select);
}

export function listEntities(r: Req): void {
  const { ctx, env } = r;
  const select = parseSelect(ctx.query.get("$select"), TYPE_OF[r.target.set]);
  const filter = parseFilter(ctx.query.get("$filter"), r.target.set);
  if (ctx.query.has("$orderby"))
    throw new GraphFault(400, "Request_UnsupportedQuery", "Sorting not supported for current query.");
  const items = env.state
    .list(r.target.set)
    .filter((s) => env.state.visible(s))
    .map((s) => s.data as Json)
    .filter((d) => !filter || filter(d));
  const { value, nextLink } = page(ctx, items, env.state.settings.pageSize, env.baseUrl());
  sendJson(ctx, 200, {
    "@odata.context": context(r, select, false),
    value: value.map((d) => project(d, select)),
    ...(nextLink ? { "@odata.nextLink": nextLink } : {}),
  });
}

export function deleteEntity(r: Req): void {
  const found = requireVisible(r.env, r.target, lookup(r.env, r.target));
  const { state } = r.env;
  if (r.target.set === "servicePrincipals") state.deleteServicePrincipal(found.data.id);
  else (r.target.set === "applications" ? state.applications : state.grants).delete(found.data.id.toLowerCase());
  sendJson(r.ctx, 204);
}

/** `Prefer: create-if-missing` turns PATCH by alternate key into an upsert (docs/contracts/graph.md §2.6). */
export function wantsUpsert(ctx: Ctx): boolean {
  const prefer = ctx.req.headers.prefer;
  return (Array.isArray(prefer) ? prefer.join(",") : (prefer ?? ""))
    .split(",")
    .some((p) => p.trim().toLowerCase() === "create-if-missing");
}

/** Replaces the stored data in place, so the Stored wrapper (and its visibility) is kept. */
export function replaceData<T>(stored: Stored<T>, data: T): void {
  stored.data = clone(data);
}
