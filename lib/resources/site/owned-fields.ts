import { jsonEqual } from "../../azure/json.ts";
import { normalizeListPolicy, type ListPolicy } from "../../pipeline/list-policy.ts";
import type { SiteConfig } from "./schema.ts";

/** Which ARM resource holds a field: the site (or slot) itself, or its `config/web`. */
export type SiteResource = "site" | "web";

/** One field of the site or its config/web that the config owns. */
export interface OwnedSiteField {
  resource: SiteResource;
  /** Path inside the resource's `properties`. */
  key: string[];
  /** Path in the plan: the site document's view (`httpsOnly`, `siteConfig.minTlsVersion`). */
  path: string[];
  /** Security-relevant: listed again under the plan's security heading. */
  security: boolean;
  /** An origin list: compared as a set, case-insensitively, with null the same as empty. */
  list: boolean;
  desired(current: unknown): unknown;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

// Browsers send Origin in lower case (RFC 6454 §6.1), so `https://Portal.contoso.com` and the lower-case one are one origin.
const originKey = (o: string): string => o.toLowerCase();

/** Same origins, whatever the order or case; a missing list (ARM answers `null` when none is set) is an empty one. */
export function sameOrigins(a: unknown, b: unknown): boolean {
  const ka = new Set(strings(a).map(originKey));
  const kb = new Set(strings(b).map(originKey));
  return ka.size === kb.size && [...ka].every((k) => kb.has(k));
}

/**
 * The origin list the policy wants, given the live one. Already right → the live value itself (no change, no churn on
 * order or null). include: add what is missing, keep the rest. exact: exactly the configured values.
 */
export function mergeOrigins(current: unknown, policy: ListPolicy): unknown {
  const live = strings(current);
  const dedup = (values: string[]) =>
    values.filter((v, i) => values.findIndex((w) => originKey(w) === originKey(v)) === i);
  if (policy.mode === "exact") return sameOrigins(current, policy.values) ? current : dedup(policy.values);
  const have = new Set(live.map(originKey));
  const missing = dedup(policy.values).filter((v) => !have.has(originKey(v)));
  return missing.length ? [...live, ...missing] : current;
}

/** Whether a re-read or live value already is what the field wants. */
export function sameValue(f: Pick<OwnedSiteField, "list">, live: unknown, wanted: unknown): boolean {
  return f.list ? sameOrigins(live, wanted) : jsonEqual(live ?? null, wanted ?? null);
}

const scalar = (resource: SiteResource, key: string[], value: unknown, security: boolean): OwnedSiteField => ({
  resource,
  key,
  path: resource === "site" ? key : ["siteConfig", ...key],
  security,
  list: false,
  desired: () => value,
});

/** The owned fields of one app's site config; a field the config does not name is not owned (nothing is planned for it). */
export function ownedSiteFields(site: SiteConfig): OwnedSiteField[] {
  const f: OwnedSiteField[] = [];
  if (site.httpsOnly !== undefined) f.push(scalar("site", ["httpsOnly"], site.httpsOnly, true));
  if (site.minTlsVersion !== undefined) f.push(scalar("web", ["minTlsVersion"], site.minTlsVersion, true));
  if (site.scmMinTlsVersion !== undefined) f.push(scalar("web", ["scmMinTlsVersion"], site.scmMinTlsVersion, true));
  if (site.ftpsState !== undefined) f.push(scalar("web", ["ftpsState"], site.ftpsState, true));
  if (site.remoteDebuggingEnabled !== undefined)
    f.push(scalar("web", ["remoteDebuggingEnabled"], site.remoteDebuggingEnabled, true));
  if (site.http20Enabled !== undefined) f.push(scalar("web", ["http20Enabled"], site.http20Enabled, false));
  const origins = normalizeListPolicy(site.cors?.allowedOrigins);
  if (origins) {
    const key = ["cors", "allowedOrigins"];
    f.push({
      resource: "web",
      key,
      path: ["siteConfig", ...key],
      security: true,
      list: true,
      desired: (cur) => mergeOrigins(cur, origins),
    });
  }
  if (site.cors?.supportCredentials !== undefined)
    f.push(scalar("web", ["cors", "supportCredentials"], site.cors.supportCredentials, true));
  return f;
}

/** The top-level `config/web` properties the fields live in (`cors` for both CORS fields): what observe keeps. */
export function webKeysOf(fields: readonly OwnedSiteField[]): string[] {
  return [...new Set(fields.filter((f) => f.resource === "web").map((f) => f.key[0]!))];
}
