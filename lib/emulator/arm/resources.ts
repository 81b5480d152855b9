import { isObject, jsonBody, route, send, type Ctx, type Route } from "../http.ts";
import { armError } from "./errors.ts";
import { childResource, clone, findSite, findTarget, page, siteId, type ArmEnv, type Target } from "./model.ts";
import { newAppState, type AppState, type JsonObject, type SiteState } from "./state.ts";

export const SITE = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Web/sites/{name}";

/** Registers `handler` for production and for slots (`…/slots/{slot}…`); the handler gets the resolved target. */
export function siteAndSlot(env: ArmEnv, method: string, suffix: string, handler: (ctx: Ctx, t: Target) => void | Promise<void>): Route[] {
  const wrapped = (ctx: Ctx) => {
    const t = findTarget(env, ctx);
    return t ? handler(ctx, t) : undefined;
  };
  return [route(method, `${SITE}${suffix}`, wrapped), route(method, `${SITE}/slots/{slot}${suffix}`, wrapped)];
}

function siteBody(t: Target): JsonObject {
  const { site, app } = t;
  const host = t.slot ? `${site.name}-${app.name}` : site.name;
  return {
    id: t.id,
    name: t.armName,
    type: t.type,
    kind: site.kind,
    location: site.location,
    tags: app.tags,
    properties: {
      name: t.armName,
      state: app.state,
      enabled: true,
      hostNames: [`${host}.azurewebsites.net`],
      enabledHostNames: [`${host}.azurewebsites.net`, `${host}.scm.azurewebsites.net`],
      defaultHostName: `${host}.azurewebsites.net`,
      httpsOnly: app.httpsOnly,
      resourceGroup: site.resourceGroup,
      serverFarmId: `/subscriptions/${site.subscriptionId}/resourceGroups/${site.resourceGroup}/providers/Microsoft.Web/serverfarms/${site.name}-plan`,
      siteConfig: null,
      clientAffinityEnabled: false,
      kind: site.kind,
    },
  };
}

const targetOf = (site: SiteState, app?: AppState): Target =>
  app && app !== site
    ? { site, app, slot: app.name, id: `${siteId(site)}/slots/${app.name}`, armName: `${site.name}/${app.name}`, type: "Microsoft.Web/sites/slots" }
    : { site, app: site, id: siteId(site), armName: site.name, type: "Microsoft.Web/sites" };

function applySiteProperties(app: AppState, body: JsonObject): void {
  const props = isObject(body.properties) ? body.properties : {};
  if (typeof props.httpsOnly === "boolean") app.httpsOnly = props.httpsOnly;
  if (isObject(body.tags)) app.tags = body.tags as Record<string, string>;
  const sc = props.siteConfig;
  if (isObject(sc)) {
    const { appSettings, ...rest } = sc;
    app.siteConfig = { ...app.siteConfig, ...rest };
    if (Array.isArray(appSettings)) {
      for (const s of appSettings) if (isObject(s) && typeof s.name === "string") app.appSettings[s.name] = String(s.value ?? "");
    }
  }
}

function requireBodyObject(ctx: Ctx): JsonObject | undefined {
  const body = jsonBody(ctx);
  if (!isObject(body)) {
    armError(ctx, 400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.");
    return undefined;
  }
  return body;
}

export function resourceRoutes(env: ArmEnv): Route[] {
  const { state } = env;
  const subscriptionBody = (s: { subscriptionId: string; displayName: string }) => ({
    id: `/subscriptions/${s.subscriptionId}`,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    subscriptionId: s.subscriptionId,
    tenantId: state.tenantId,
    displayName: s.displayName,
    state: "Enabled",
    subscriptionPolicies: { locationPlacementId: "Public_2014-09-01", quotaId: "PayAsYouGo_2014-09-01", spendingLimit: "Off" },
  });
  const rgBody = (rg: { subscriptionId: string; name: string; location: string; tags: Record<string, string> }) => ({
    id: `/subscriptions/${rg.subscriptionId}/resourceGroups/${rg.name}`,
    name: rg.name,
    type: "Microsoft.Resources/resourceGroups",
    location: rg.location,
    tags: rg.tags,
    properties: { provisioningState: "Succeeded" },
  });

  return [
    route("GET", "/subscriptions", (ctx) => send(ctx, 200, page(env, ctx, [...state.subscriptions.values()].map(subscriptionBody)))),
    route("GET", "/subscriptions/{subscriptionId}", (ctx) => {
      const s = state.subscription(ctx.params.subscriptionId!);
      if (!s) return armError(ctx, 404, "SubscriptionNotFound", `The subscription '${ctx.params.subscriptionId}' could not be found.`);
      send(ctx, 200, subscriptionBody(s));
    }),
    route("GET", "/tenants", (ctx) =>
      send(ctx, 200, {
        value: [
          {
            id: `/tenants/${state.tenantId}`,
            tenantId: state.tenantId,
            tenantCategory: "Home",
            country: "NL",
            countryCode: "NL",
            displayName: "Emulated tenant",
            domains: ["emulated.onmicrosoft.com"],
            defaultDomain: "emulated.onmicrosoft.com",
            tenantType: "AAD",
          },
        ],
      }),
    ),
    route("GET", "/subscriptions/{subscriptionId}/resourcegroups", (ctx) =>
      send(ctx, 200, page(env, ctx, [...state.resourceGroups.values()].filter((r) => r.subscriptionId.toLowerCase() === ctx.params.subscriptionId!.toLowerCase()).map(rgBody))),
    ),
    route("GET", "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}", (ctx) => {
      const rg = state.resourceGroup(ctx.params.subscriptionId!, ctx.params.resourceGroupName!);
      if (!rg) return armError(ctx, 404, "ResourceGroupNotFound", `Resource group '${ctx.params.resourceGroupName}' could not be found.`);
      send(ctx, 200, rgBody(rg));
    }),
    route("PUT", "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}", (ctx) => {
      const body = requireBodyObject(ctx);
      if (!body) return;
      if (typeof body.location !== "string") return armError(ctx, 400, "LocationRequired", "The location property is required for this definition.");
      const { created, rg } = state.putResourceGroup({
        subscriptionId: ctx.params.subscriptionId!,
        name: ctx.params.resourceGroupName!,
        location: body.location,
        tags: isObject(body.tags) ? (body.tags as Record<string, string>) : {},
      });
      send(ctx, created ? 201 : 200, rgBody(rg));
    }),
    route("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Web/sites", (ctx) =>
      send(ctx, 200, page(env, ctx, state.sitesIn(ctx.params.subscriptionId!).map((s) => siteBody(targetOf(s))))),
    ),
    route("GET", "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Web/sites", (ctx) => {
      if (!state.resourceGroup(ctx.params.subscriptionId!, ctx.params.resourceGroupName!))
        return armError(ctx, 404, "ResourceGroupNotFound", `Resource group '${ctx.params.resourceGroupName}' could not be found.`);
      send(ctx, 200, page(env, ctx, state.sitesIn(ctx.params.subscriptionId!, ctx.params.resourceGroupName!).map((s) => siteBody(targetOf(s)))));
    }),
    route("PUT", SITE, (ctx) => {
      const { subscriptionId, resourceGroupName, name } = ctx.params as Record<string, string>;
      const rg = state.resourceGroup(subscriptionId!, resourceGroupName!);
      if (!rg) return armError(ctx, 404, "ResourceGroupNotFound", `Resource group '${resourceGroupName}' could not be found.`);
      const body = requireBodyObject(ctx);
      if (!body) return;
      let site = state.site(subscriptionId!, resourceGroupName!, name!);
      const created = !site;
      if (!site) {
        if (typeof body.location !== "string") return armError(ctx, 400, "LocationRequired", "The location property is required for this definition.");
        site = { ...newAppState(name!), subscriptionId: subscriptionId!, resourceGroup: rg.name, location: body.location, kind: typeof body.kind === "string" ? body.kind : "app", slots: new Map() };
        state.putSite(site);
      }
      if (typeof body.kind === "string") site.kind = body.kind;
      applySiteProperties(site, body);
      send(ctx, created ? 201 : 200, siteBody(targetOf(site)));
    }),
    ...siteAndSlot(env, "GET", "", (ctx, t) => send(ctx, 200, siteBody(t))),
    ...siteAndSlot(env, "PATCH", "", (ctx, t) => {
      const body = requireBodyObject(ctx);
      if (!body) return;
      applySiteProperties(t.app, body);
      send(ctx, 200, siteBody(t));
    }),
    route("GET", `${SITE}/slots`, (ctx) => {
      const site = findSite(env, ctx);
      if (site) send(ctx, 200, page(env, ctx, [...site.slots.values()].map((s) => siteBody(targetOf(site, s)))));
    }),
    route("PUT", `${SITE}/slots/{slot}`, (ctx) => {
      const site = findSite(env, ctx);
      if (!site) return;
      const body = requireBodyObject(ctx);
      if (!body) return;
      const slot = ctx.params.slot!;
      let app = site.slots.get(slot.toLowerCase());
      const created = !app;
      if (!app) site.slots.set(slot.toLowerCase(), (app = newAppState(slot)));
      applySiteProperties(app, body);
      send(ctx, created ? 201 : 200, siteBody(targetOf(site, app)));
    }),
    ...siteAndSlot(env, "POST", "/stop", (ctx, t) => {
      t.app.state = "Stopped";
      send(ctx, 200);
    }),
    ...siteAndSlot(env, "POST", "/start", (ctx, t) => {
      t.app.state = "Running";
      send(ctx, 200);
    }),
    ...siteAndSlot(env, "GET", "/config/web", (ctx, t) => send(ctx, 200, childResource(t, "config/web", "config", "web", t.app.siteConfig))),
    ...(["PUT", "PATCH"] as const).flatMap((method) =>
      siteAndSlot(env, method, "/config/web", (ctx, t) => {
        const body = requireBodyObject(ctx);
        if (!body) return;
        const props = isObject(body.properties) ? body.properties : {};
        if (!ctx.notPersisted) t.app.siteConfig = method === "PUT" ? { ...props } : { ...t.app.siteConfig, ...props };
        send(ctx, 200, childResource(t, "config/web", "config", "web", method === "PUT" ? props : { ...t.app.siteConfig, ...props }));
      }),
    ),
    ...siteAndSlot(env, "POST", "/config/appsettings/list", (ctx, t) =>
      send(ctx, 200, childResource(t, "config/appsettings", "config", "appsettings", clone(t.app.appSettings))),
    ),
    ...siteAndSlot(env, "PUT", "/config/appsettings", (ctx, t) => {
      const body = requireBodyObject(ctx);
      if (!body) return;
      if (!isObject(body.properties)) return armError(ctx, 400, "BadRequest", "Properties object is not present in the request body.");
      const settings = Object.fromEntries(Object.entries(body.properties).map(([key, v]) => [key, String(v)]));
      if (!ctx.notPersisted) t.app.appSettings = settings;
      send(ctx, 200, childResource(t, "config/appsettings", "config", "appsettings", settings));
    }),
  ];
}
