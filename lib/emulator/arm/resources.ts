import { isObject, route, send, type Route } from "../http.ts";
import { armError, resourceGroupNotFound, subscriptionNotFound } from "./errors.ts";
import {
  bodyObject,
  childResource,
  clone,
  findSite,
  SITE,
  sendPage,
  siteAndSlot,
  targetOf,
  type ArmEnv,
  type Target,
} from "./model.ts";
import { markRestart, siteState } from "./config-references.ts";
import { booleanSetting, normalizeSiteConfig } from "./site-config.ts";
import { newAppState, type AppState, type JsonObject } from "./state.ts";
import { identityBody } from "./identity.ts";

function siteBody(t: Target, tenantId: string): JsonObject {
  const { site, app } = t;
  const host = t.slot ? `${site.name}-${app.name}` : site.name;
  const identity = identityBody(app, tenantId);
  return {
    id: t.id,
    name: t.armName,
    type: t.type,
    kind: site.kind,
    location: site.location,
    tags: app.tags,
    ...(identity ? { identity } : {}),
    properties: {
      name: t.armName,
      state: siteState(app),
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

/**
 * PUT and PATCH of a site or slot: only what the body carries changes (`properties.httpsOnly`, `tags`, fields of
 * `properties.siteConfig`). Everything is checked before anything is applied, so a refused body changes nothing.
 */
function applySiteProperties(app: AppState, body: JsonObject): void {
  const props = isObject(body.properties) ? body.properties : {};
  const httpsOnly = booleanSetting("httpsOnly", props.httpsOnly);
  const { appSettings, ...rest } = isObject(props.siteConfig) ? props.siteConfig : {};
  const siteConfig = normalizeSiteConfig(rest);
  if (httpsOnly !== undefined) app.httpsOnly = httpsOnly;
  if (isObject(body.tags)) app.tags = body.tags as Record<string, string>;
  app.siteConfig = { ...app.siteConfig, ...siteConfig };
  if (Array.isArray(appSettings)) {
    for (const s of appSettings)
      if (isObject(s) && typeof s.name === "string") app.appSettings[s.name] = String(s.value ?? "");
  }
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
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "PayAsYouGo_2014-09-01",
      spendingLimit: "Off",
    },
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
    route("GET", "/subscriptions", (ctx) =>
      sendPage(env, ctx, [...state.subscriptions.values()].map(subscriptionBody)),
    ),
    route("GET", "/subscriptions/{subscriptionId}", (ctx) => {
      const s = state.subscription(ctx.params.subscriptionId!);
      if (!s) return subscriptionNotFound(ctx, ctx.params.subscriptionId!);
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
      sendPage(
        env,
        ctx,
        [...state.resourceGroups.values()]
          .filter((r) => r.subscriptionId.toLowerCase() === ctx.params.subscriptionId!.toLowerCase())
          .map(rgBody),
      ),
    ),
    route("GET", "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}", (ctx) => {
      const rg = state.resourceGroup(ctx.params.subscriptionId!, ctx.params.resourceGroupName!);
      if (!rg) return resourceGroupNotFound(ctx, ctx.params.resourceGroupName!);
      send(ctx, 200, rgBody(rg));
    }),
    route("PUT", "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}", (ctx) => {
      const body = bodyObject(ctx);
      if (typeof body.location !== "string")
        return armError(ctx, 400, "LocationRequired", "The location property is required for this definition.");
      const { created, rg } = state.putResourceGroup({
        subscriptionId: ctx.params.subscriptionId!,
        name: ctx.params.resourceGroupName!,
        location: body.location,
        tags: isObject(body.tags) ? (body.tags as Record<string, string>) : {},
      });
      send(ctx, created ? 201 : 200, rgBody(rg));
    }),
    route("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Web/sites", (ctx) =>
      sendPage(
        env,
        ctx,
        state.sitesIn(ctx.params.subscriptionId!).map((s) => siteBody(targetOf(s), state.tenantId)),
      ),
    ),
    route(
      "GET",
      "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Web/sites",
      (ctx) => {
        if (!state.resourceGroup(ctx.params.subscriptionId!, ctx.params.resourceGroupName!))
          return resourceGroupNotFound(ctx, ctx.params.resourceGroupName!);
        sendPage(
          env,
          ctx,
          state
            .sitesIn(ctx.params.subscriptionId!, ctx.params.resourceGroupName!)
            .map((s) => siteBody(targetOf(s), state.tenantId)),
        );
      },
    ),
    route("PUT", SITE, (ctx) => {
      const { subscriptionId, resourceGroupName, name } = ctx.params as Record<string, string>;
      const rg = state.resourceGroup(subscriptionId!, resourceGroupName!);
      if (!rg) return resourceGroupNotFound(ctx, resourceGroupName!);
      const body = bodyObject(ctx);
      let site = state.site(subscriptionId!, resourceGroupName!, name!);
      const created = !site;
      if (!site) {
        if (typeof body.location !== "string")
          return armError(ctx, 400, "LocationRequired", "The location property is required for this definition.");
        site = {
          ...newAppState(name!),
          subscriptionId: subscriptionId!,
          resourceGroup: rg.name,
          location: body.location,
          kind: typeof body.kind === "string" ? body.kind : "app",
          slots: new Map(),
        };
      }
      applySiteProperties(site, body);
      if (typeof body.kind === "string") site.kind = body.kind;
      if (created) state.putSite(site);
      send(ctx, created ? 201 : 200, siteBody(targetOf(site), state.tenantId));
    }),
    ...siteAndSlot(env, "GET", "", (ctx, t) => send(ctx, 200, siteBody(t, state.tenantId))),
    ...siteAndSlot(env, "PATCH", "", (ctx, t) => {
      applySiteProperties(t.app, bodyObject(ctx));
      send(ctx, 200, siteBody(t, state.tenantId));
    }),
    route("GET", `${SITE}/slots`, (ctx) => {
      const site = findSite(env, ctx);
      if (site)
        sendPage(
          env,
          ctx,
          [...site.slots.values()].map((s) => siteBody(targetOf(site, s), state.tenantId)),
        );
    }),
    route("PUT", `${SITE}/slots/{slot}`, (ctx) => {
      const site = findSite(env, ctx);
      if (!site) return;
      const body = bodyObject(ctx);
      const slot = ctx.params.slot!;
      const existing = site.slots.get(slot.toLowerCase());
      const app = existing ?? newAppState(slot);
      applySiteProperties(app, body);
      if (!existing) site.slots.set(slot.toLowerCase(), app);
      const created = !existing;
      send(ctx, created ? 201 : 200, siteBody(targetOf(site, app), state.tenantId));
    }),
    ...siteAndSlot(env, "POST", "/stop", (ctx, t) => {
      t.app.state = "Stopped";
      send(ctx, 200);
    }),
    ...siteAndSlot(env, "POST", "/start", (ctx, t) => {
      t.app.state = "Running";
      send(ctx, 200);
    }),
    ...siteAndSlot(env, "POST", "/config/appsettings/list", (ctx, t) =>
      send(ctx, 200, childResource(t, "config/appsettings", "config", "appsettings", clone(t.app.appSettings))),
    ),
    ...siteAndSlot(env, "PUT", "/config/appsettings", (ctx, t) => {
      const body = bodyObject(ctx);
      if (!isObject(body.properties))
        return armError(ctx, 400, "BadRequest", "Properties object is not present in the request body.");
      const settings = Object.fromEntries(Object.entries(body.properties).map(([key, v]) => [key, String(v)]));
      // The PUT replaces the whole set (WebApps_UpdateApplicationSettings): a setting the body leaves out is gone.
      if (JSON.stringify(settings) !== JSON.stringify(t.app.appSettings)) markRestart(t.app);
      t.app.appSettings = settings;
      send(ctx, 200, childResource(t, "config/appsettings", "config", "appsettings", settings));
    }),
  ];
}
