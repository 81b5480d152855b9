import type { Authorization } from "../authorization/grants.ts";
import { isObject, jsonBody, route, send, type Ctx, type Route } from "../http.ts";
import { ServiceError } from "../service-error.ts";
import { resourceGroupNotFound, resourceNotFound } from "./errors.ts";
import type { AppState, ArmState, JsonObject, SiteState } from "./state.ts";

/** What every ARM route handler needs. */
export interface ArmEnv {
  state: ArmState;
  baseUrl: () => string;
  pageSize: number;
  authorization?: Authorization;
}

export const SITE =
  "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Web/sites/{name}";

export const siteId = (s: SiteState): string =>
  `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.Web/sites/${s.name}`;

/** Production or one slot, with the ids and names ARM gives resources under it. */
export interface Target {
  site: SiteState;
  app: AppState;
  slot?: string;
  /** `/subscriptions/…/sites/{name}` or `…/sites/{name}/slots/{slot}`. */
  id: string;
  /** `name` or `name/slot`, as ARM names a slot. */
  armName: string;
  /** `Microsoft.Web/sites` or `Microsoft.Web/sites/slots`. */
  type: string;
}

/** The target of production (no `app`, or the site itself) or of one of its slots. */
export const targetOf = (site: SiteState, app?: AppState): Target =>
  app && app !== site
    ? {
        site,
        app,
        slot: app.name,
        id: `${siteId(site)}/slots/${app.name}`,
        armName: `${site.name}/${app.name}`,
        type: "Microsoft.Web/sites/slots",
      }
    : { site, app: site, id: siteId(site), armName: site.name, type: "Microsoft.Web/sites" };

/** The site named by the route, or a 404 in ARM's words (resource group first, as ARM checks it first). */
export function findSite(env: ArmEnv, ctx: Ctx): SiteState | undefined {
  const { subscriptionId, resourceGroupName, name } = ctx.params as Record<string, string>;
  if (!env.state.resourceGroup(subscriptionId!, resourceGroupName!)) {
    resourceGroupNotFound(ctx, resourceGroupName!);
    return undefined;
  }
  const site = env.state.site(subscriptionId!, resourceGroupName!, name!);
  if (!site) resourceNotFound(ctx, `Microsoft.Web/sites/${name}`, resourceGroupName!);
  return site;
}

export function findTarget(env: ArmEnv, ctx: Ctx): Target | undefined {
  const { resourceGroupName, slot } = ctx.params as Record<string, string>;
  const site = findSite(env, ctx);
  if (!site) return undefined;
  if (slot === undefined) return targetOf(site);
  const app = site.slots.get(slot.toLowerCase());
  if (!app) {
    resourceNotFound(ctx, `Microsoft.Web/sites/${site.name}/slots/${slot}`, resourceGroupName!);
    return undefined;
  }
  return targetOf(site, app);
}

/** A child resource of a site or slot (`config/web`, `functions/x`): id, name, type and location as ARM sets them. */
export function childResource(
  t: Target,
  segment: string,
  childType: string,
  childName: string,
  properties: unknown,
): JsonObject {
  return {
    id: `${t.id}/${segment}`,
    name: childName,
    type: `${t.type}/${childType}`,
    location: t.site.location,
    properties,
  };
}

/** Pages `items` with an absolute `nextLink` carrying `$skiptoken`, as ARM list operations do. */
export function page<T>(env: ArmEnv, ctx: Ctx, items: T[]): { value: T[]; nextLink?: string } {
  const skip = Number(ctx.query.get("$skiptoken") ?? "0") || 0;
  const value = items.slice(skip, skip + env.pageSize);
  if (skip + env.pageSize >= items.length) return { value };
  const next = new URL(ctx.path, env.baseUrl());
  for (const [key, v] of ctx.query) if (key !== "$skiptoken") next.searchParams.set(key, v);
  next.searchParams.set("$skiptoken", String(skip + env.pageSize));
  return { value, nextLink: next.toString() };
}

/** Answers 200 with one page of `items` (see `page`). */
export function sendPage<T>(env: ArmEnv, ctx: Ctx, items: T[]): void {
  send(ctx, 200, page(env, ctx, items));
}

export const clone = <T>(v: T): T => structuredClone(v);

/** Registers `handler` for production and for slots (`…/slots/{slot}…`); the handler gets the resolved target. */
export function siteAndSlot(
  env: ArmEnv,
  method: string,
  suffix: string,
  handler: (ctx: Ctx, t: Target) => void,
): Route[] {
  const wrapped = (ctx: Ctx) => {
    const t = findTarget(env, ctx);
    if (t) handler(ctx, t);
  };
  return [route(method, `${SITE}${suffix}`, wrapped), route(method, `${SITE}/slots/{slot}${suffix}`, wrapped)];
}

/** The request body, which must be a JSON object. */
export function bodyObject(ctx: Ctx): JsonObject {
  const body = jsonBody(ctx);
  if (!isObject(body))
    throw new ServiceError(
      400,
      "InvalidRequestContent",
      "The request content was invalid and could not be deserialized.",
    );
  return body;
}
