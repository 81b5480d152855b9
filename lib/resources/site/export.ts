import { getPath, isRecord } from "../../azure/json.ts";
import type { BackupRecord, ExportNote, ExportedSlice, KindExporter, KindRestorer } from "../../pipeline/contract.ts";
import { readSite, type SiteObserved } from "./observe.ts";
import { ownedSiteFields } from "./owned-fields.ts";
import { TLS_VERSIONS } from "./schema.ts";

// Every field the kind can own: what export reads (a config naming all of them).
const ALL_FIELDS = ownedSiteFields({
  httpsOnly: true,
  minTlsVersion: "1.2",
  scmMinTlsVersion: "1.2",
  ftpsState: "Disabled",
  remoteDebuggingEnabled: false,
  http20Enabled: true,
  cors: { allowedOrigins: [], supportCredentials: false },
});

const FTPS = ["AllAllowed", "FtpsOnly", "Disabled"];
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/**
 * Pure: the owned site fields as read → the `site` block that plans no change. `exact` writes the origin list as an
 * exact policy (restore: the origins become exactly those again); export writes the plain list (include mode), which
 * already plans nothing.
 */
export function siteToConfig(o: SiteObserved, opts: { exact?: boolean } = {}): ExportedSlice {
  const notes: ExportNote[] = [];
  const slice: Record<string, unknown> = {};
  if (typeof o.site?.httpsOnly === "boolean") slice.httpsOnly = o.site.httpsOnly;
  const web = o.web ?? {};
  for (const k of ["minTlsVersion", "scmMinTlsVersion"] as const) {
    const v = web[k];
    if (typeof v === "string" && (TLS_VERSIONS as readonly string[]).includes(v)) slice[k] = v;
    else if (v !== undefined && v !== null)
      notes.push({ path: `site.${k}`, note: "left out", why: `'${String(v)}' is not a TLS version the tool writes` });
  }
  if (typeof web.ftpsState === "string") {
    if (FTPS.includes(web.ftpsState)) slice.ftpsState = web.ftpsState;
    else notes.push({ path: "site.ftpsState", note: "left out", why: `'${web.ftpsState}' is not a known ftpsState` });
  }
  for (const k of ["remoteDebuggingEnabled", "http20Enabled"] as const)
    if (typeof web[k] === "boolean") slice[k] = web[k];
  const cors = isRecord(web.cors) ? web.cors : undefined;
  const origins = strings(getPath(cors, ["allowedOrigins"]));
  const c: Record<string, unknown> = {};
  if (opts.exact) c.allowedOrigins = { mode: "exact", values: origins };
  else if (origins.length) c.allowedOrigins = origins;
  if (origins.includes("*")) {
    c.allowAnyOrigin = true;
    notes.push({
      path: "site.cors.allowAnyOrigin",
      note: "inferred",
      why: "the app allows any origin ('*') today; review it",
    });
  }
  const creds = cors?.supportCredentials;
  if (typeof creds === "boolean") {
    if (creds && origins.includes("*"))
      notes.push({
        path: "site.cors.supportCredentials",
        note: "left out",
        why: "true with '*' is refused by the config (browsers refuse credentials for a wildcard origin)",
      });
    else if (creds || opts.exact) c.supportCredentials = creds;
  }
  if (Object.keys(c).length) slice.cors = c;
  return { slice: Object.keys(slice).length ? slice : undefined, notes };
}

export const siteExporter: KindExporter = {
  observe: (run, site, slot) =>
    readSite(
      run.arm,
      { subscriptionId: site.subscriptionId, resourceGroup: site.resourceGroup, name: site.name, slot },
      ALL_FIELDS,
    ),
  toConfig: (_site, observed) => siteToConfig(observed as SiteObserved),
};

/** Restore: the backed-up owned fields, with the origin list exact (what was there, no more). */
export const siteRestorer: KindRestorer = {
  toConfig: (backup: BackupRecord) => siteToConfig(backup.document as SiteObserved, { exact: true }).slice ?? {},
};
