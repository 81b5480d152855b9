import { getPath, isRecord } from "../../azure/json.ts";
import type { KindPlan } from "../../pipeline/contract.ts";
import { fieldChange } from "../../pipeline/diff.ts";
import type { FieldChange } from "../../pipeline/model.ts";
import type { SiteConfig } from "./schema.ts";
import type { SiteObserved } from "./observe.ts";
import { ownedSiteFields, sameValue, type SiteResource } from "./owned-fields.ts";

/** An owned field and the value it must have on re-read. */
export interface ExpectedField {
  resource: SiteResource;
  key: string[];
  /** Plan name (`siteConfig.minTlsVersion`), for the error that names it. */
  field: string;
  list: boolean;
  value: unknown;
}

/** What applying one site or slot needs: a PATCH body per resource that changes, and what verify expects. */
export interface SiteWrite {
  /** `{properties: {httpsOnly}}` for the site or slot; absent when it does not change. */
  site?: { properties: Record<string, unknown> };
  /** `{properties: {…}}` for config/web: the owned properties that change (`cors` whole); absent when none does. */
  web?: { properties: Record<string, unknown> };
  expect: ExpectedField[];
}

const propsOf = (o: SiteObserved, r: SiteResource): Record<string, unknown> => (r === "site" ? o.site : o.web) ?? {};

/**
 * Pure: the owned fields as read + config → changes and the PATCH bodies. Each body holds only owned fields that
 * change; ARM keeps whatever a PATCH leaves out (Web Apps - Update Configuration,
 * https://learn.microsoft.com/en-us/rest/api/appservice/web-apps/update-configuration, and Web Apps - Update,
 * https://learn.microsoft.com/en-us/rest/api/appservice/web-apps/update). `cors` is the exception: it is one object
 * that a PATCH replaces whole, so a CORS change sends the live cors with only the owned members changed.
 */
export function planSite(o: SiteObserved, site: SiteConfig): KindPlan<SiteWrite> {
  const changes: FieldChange[] = [];
  const expect: ExpectedField[] = [];
  const sitePatch: Record<string, unknown> = {};
  const webPatch: Record<string, unknown> = {};
  const corsOwned: Record<string, unknown> = {};
  let corsChanged = false;
  let unchanged = 0;
  for (const f of ownedSiteFields(site)) {
    const before = getPath(propsOf(o, f.resource), f.key);
    const after = f.desired(before);
    expect.push({ resource: f.resource, key: f.key, field: f.path.join("."), list: f.list, value: after });
    if (f.key[0] === "cors") corsOwned[f.key[1]!] = after;
    const change = sameValue(f, before, after)
      ? undefined
      : fieldChange(f.path, before, after, { security: f.security });
    if (!change) {
      unchanged++;
      continue;
    }
    changes.push(change);
    if (f.resource === "site") sitePatch[f.key[0]!] = after;
    else if (f.key[0] === "cors") corsChanged = true;
    else webPatch[f.key[0]!] = after;
  }
  if (corsChanged) {
    const live = o.web?.cors;
    webPatch.cors = { ...(isRecord(live) ? structuredClone(live) : {}), ...corsOwned };
  }
  const write: SiteWrite = {
    ...(Object.keys(sitePatch).length ? { site: { properties: sitePatch } } : {}),
    ...(Object.keys(webPatch).length ? { web: { properties: webPatch } } : {}),
    expect,
  };
  return {
    status: changes.length ? "change" : "no-op",
    changes,
    unchanged,
    warnings: siteWarnings(o, site),
    detail: write,
  };
}

/** What the plan should say even when nothing changes: a live `*` origin that include mode keeps. */
export function siteWarnings(o: SiteObserved, site: SiteConfig): string[] {
  const cors = site.cors;
  if (!cors?.allowedOrigins || cors.allowAnyOrigin === true) return [];
  const live = getPath(o.web, ["cors", "allowedOrigins"]);
  if (!Array.isArray(live) || !live.includes("*")) return [];
  const exact = !Array.isArray(cors.allowedOrigins) && cors.allowedOrigins.mode === "exact";
  return exact
    ? []
    : [
        "CORS allows any origin ('*') on this app and include mode keeps it; use allowedOrigins: {mode: exact, values: [...]} to remove it",
      ];
}

/** Owned fields of the resources written whose re-read value is not what was written: the service did not keep them. */
export function unpersistedFields(write: SiteWrite, reread: SiteObserved): string[] {
  const written = new Set<SiteResource>([
    ...(write.site ? ["site" as const] : []),
    ...(write.web ? ["web" as const] : []),
  ]);
  return write.expect
    .filter((e) => written.has(e.resource) && !sameValue(e, getPath(propsOf(reread, e.resource), e.key), e.value))
    .map((e) => e.field);
}
