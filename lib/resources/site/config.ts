import type { ConfigSlice } from "../../pipeline/contract.ts";
import { deepMerge } from "../../pipeline/merge.ts";
import { siteChecks } from "./checks.ts";
import { siteSchema, type SiteConfig } from "./schema.ts";

declare module "../../pipeline/contract.ts" {
  interface KindSlices {
    site: SiteConfig;
  }
}

/**
 * `apps[].site` over `defaults.site`. Hardening is fleet-wide policy, so `defaults.site` applies to every app (as
 * `defaults.keys` does), not only to apps that declare `site`; an app's own block overrides it field by field.
 */
export const siteSlice: ConfigSlice<typeof siteSchema, typeof siteSchema, SiteConfig> = {
  key: "site",
  schema: siteSchema.describe(
    "Site hardening (configure-site): only the fields given here are owned; PATCHed, never replaced",
  ),
  defaultsSchema: siteSchema.describe("Applies to every app (app values win, field by field)"),
  resolve: (own, defaults) => deepMerge<SiteConfig>(defaults, own),
  crossCheck: siteChecks,
};
