import { route, send, type Route } from "../http.ts";
import { ServiceError } from "../service-error.ts";
import { bodyObject, clone, findSite, SITE, siteId, type ArmEnv } from "./model.ts";
import type { JsonObject } from "./state.ts";

const LISTS = ["connectionStringNames", "appSettingNames", "azureStorageConfigNames"] as const;

/**
 * `GET` / `PUT …/sites/{name}/config/slotConfigNames` (WebApps_ListSlotConfigurationNames and
 * WebApps_UpdateSlotConfigurationNames in azure-rest-api-specs' WebApps.json): the names of the app settings,
 * connection strings and storage mounts that are slot settings ("sticky": they stay with their slot on a swap,
 * learn.microsoft.com/azure/app-service/deploy-staging-slots#which-settings-are-swapped). One document for the app,
 * on production only. The PUT replaces the whole document: a list the body leaves out becomes null.
 */
export function slotConfigNamesRoutes(env: ArmEnv): Route[] {
  const body = (id: string, name: string, location: string, props: JsonObject | undefined) => ({
    id: `${id}/config/slotConfigNames`,
    name,
    type: "Microsoft.Web/sites",
    location,
    properties: Object.fromEntries(LISTS.map((l) => [l, props?.[l] ?? null])),
  });
  return [
    route("GET", `${SITE}/config/slotConfigNames`, (ctx) => {
      const site = findSite(env, ctx);
      if (site) send(ctx, 200, body(siteId(site), site.name, site.location, clone(site.slotConfigNames)));
    }),
    route("PUT", `${SITE}/config/slotConfigNames`, (ctx) => {
      const site = findSite(env, ctx);
      if (!site) return;
      const props = bodyObject(ctx).properties;
      const given = typeof props === "object" && props !== null && !Array.isArray(props) ? (props as JsonObject) : {};
      for (const l of LISTS) {
        const v = given[l];
        if (v !== undefined && v !== null && !(Array.isArray(v) && v.every((x) => typeof x === "string")))
          throw new ServiceError(400, "BadRequest", `The value of '${l}' must be an array of names.`);
      }
      site.slotConfigNames = Object.fromEntries(LISTS.map((l) => [l, given[l] ?? null]));
      send(ctx, 200, body(siteId(site), site.name, site.location, clone(site.slotConfigNames)));
    }),
  ];
}
