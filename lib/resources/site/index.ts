import { sitePath } from "../../azure/targets.ts";
import type { ResourceKind } from "../../pipeline/contract.ts";
import { fingerprint } from "../../pipeline/fingerprint.ts";
import { backupSite, patchSite, verifySite } from "./apply.ts";
import { siteSlice } from "./config.ts";
import { siteExporter, siteRestorer } from "./export.ts";
import { readSite, siteTargets, type SiteObserved, type SiteTarget } from "./observe.ts";
import { ownedSiteFields } from "./owned-fields.ts";
import { planSite, type SiteWrite } from "./plan.ts";
import { BACKUP_DIR_OPTION } from "../../pipeline/backup.ts";

const DEFAULT_BACKUP_DIR = ".backups/configure-site";

/**
 * Site hardening (docs/configure-site.md; docs/contracts/arm.md §11.1): httpsOnly on the site or slot, TLS minimums,
 * FTPS, remote debugging, HTTP/2 and CORS in its config/web. Both are PATCHed with the owned fields that change,
 * never replaced.
 */
export const siteKind: ResourceKind<SiteTarget, SiteObserved, SiteWrite> = {
  kind: "site",
  command: "configure-site",
  service: "arm",
  config: siteSlice,
  exporter: siteExporter,
  restorer: siteRestorer,
  options: {
    "backup-dir": BACKUP_DIR_OPTION,
  },
  targets: (apps, sel) => apps.flatMap((app) => siteTargets(app, sel.slot)),
  bind(run) {
    const { arm } = run;
    const backupDir = typeof run.flags["backup-dir"] === "string" ? run.flags["backup-dir"] : DEFAULT_BACKUP_DIR;
    return {
      // Production and each slot are separate resources with their own config/web.
      lockKey: (t) => sitePath(t.ref),
      observe: (t) => readSite(arm, t.ref, ownedSiteFields(t.site)),
      // Stands in for an ETag. The observation holds only the owned fields (and cors whole, which a CORS write sends
      // back), so a change to anything else on the site does not make a saved plan stale.
      fingerprint: (o) => fingerprint(o),
      // CORS goes out whole (allowedOrigins is replaced, not merged): an origin added since the plan would be lost.
      reread: (t, _o, plan) =>
        plan.detail?.web?.properties.cors ? readSite(arm, t.ref, ownedSiteFields(t.site)) : undefined,
      plan: (t, o) => planSite(o, t.site),
      async apply(t, plan, o, ctx) {
        backupSite(backupDir, t.ref, o, { kind: "site", tenantId: run.tenantId, toolVersion: run.toolVersion });
        return { message: await patchSite(arm, t.ref, plan.detail!, ctx.log) };
      },
      verify: (t, plan) => verifySite(arm, t.ref, plan.detail!, ownedSiteFields(t.site)),
    };
  },
};
