import type { AppConfig, CheckResult } from "../../pipeline/contract.ts";
import { normalizeListPolicy } from "../../pipeline/list-policy.ts";
import type { SiteConfig } from "./schema.ts";

// Values that weaken an app, as the App Service security baseline names them:
// https://learn.microsoft.com/en-us/azure/app-service/overview-security and
// https://learn.microsoft.com/en-us/azure/app-service/deploy-ftp#enforce-ftps
const WEAK: ReadonlyArray<{ field: string; weak(s: SiteConfig): boolean; why: string }> = [
  { field: "httpsOnly", weak: (s) => s.httpsOnly === false, why: "false serves the API over plain HTTP" },
  {
    field: "minTlsVersion",
    weak: (s) => s.minTlsVersion === "1.0" || s.minTlsVersion === "1.1",
    why: "below 1.2 (TLS 1.0 and 1.1 are deprecated)",
  },
  {
    field: "scmMinTlsVersion",
    weak: (s) => s.scmMinTlsVersion === "1.0" || s.scmMinTlsVersion === "1.1",
    why: "below 1.2 (TLS 1.0 and 1.1 are deprecated)",
  },
  {
    field: "ftpsState",
    weak: (s) => s.ftpsState === "AllAllowed",
    why: "AllAllowed lets plain FTP send deployment credentials in clear",
  },
  {
    field: "remoteDebuggingEnabled",
    weak: (s) => s.remoteDebuggingEnabled === true,
    why: "true leaves the debugger port open; turn it off after the session",
  },
];

const listApps = (at: string[]): string =>
  at.length <= 5 ? at.join(", ") : `${at.slice(0, 5).join(", ")} and ${at.length - 5} more`;

/**
 * Checks on the resolved `site` (defaults merged): a `*` the merge brings in without `allowAnyOrigin` next to it, and
 * weak values, as warnings grouped by field so a fleet-wide default is one line and not one per app.
 */
export function siteChecks(apps: readonly AppConfig[]): CheckResult {
  const errors: string[] = [];
  const weak = new Map<string, string[]>();
  for (const app of apps) {
    const site = app.site;
    if (!site) continue;
    const at = `apps[${app.index}]`;
    // Each block on its own was checked by the schema; these catch a `*` from one block meeting the other's flags.
    const origins = normalizeListPolicy(site.cors?.allowedOrigins)?.values ?? [];
    if (origins.includes("*") && site.cors?.allowAnyOrigin !== true) {
      errors.push(
        `${at}.site.cors.allowedOrigins: '*' (merged from defaults.site) lets any website call this app from a browser, and allowAnyOrigin is not true here; list the origins for this app, or set allowAnyOrigin: true`,
      );
    }
    if (origins.includes("*") && site.cors?.supportCredentials === true) {
      errors.push(
        `${at}.site.cors: '*' with supportCredentials: true (merged from defaults.site); browsers refuse credentials for a wildcard origin, so list the origins`,
      );
    }
    for (const w of WEAK) {
      if (!w.weak(site)) continue;
      const key = `site.${w.field}: ${w.why}`;
      weak.set(key, [...(weak.get(key) ?? []), at]);
    }
  }
  const warnings = [...weak].map(([what, at]) => `${what} (${listApps(at)})`);
  return { errors, warnings };
}
