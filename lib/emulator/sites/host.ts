import type { AppState, ArmState, SiteState } from "../arm/state.ts";

/**
 * How a data-plane request names its app. App Service gives production `{app}.azurewebsites.net` and each slot
 * `{app}-{slot}.azurewebsites.net` (deploy-staging-slots); Kudu lives at `{app}.scm.azurewebsites.net`. A client
 * that cannot send such a Host (no `--connect-to`, no custom DNS lookup) uses the path prefix
 * `https://127.0.0.1:PORT/_sites/{app}/…` (or `/_sites/{app}-{slot}/…`) instead: the same app, the same answers.
 */
export const SITE_DOMAIN = "azurewebsites.net";
export const SITE_PATH_PREFIX = /^\/_sites\/([^/]+)(\/.*)?$/i;

export interface SiteAddress {
  /** The first DNS label (`func-x` or `func-x-staging`), or the path prefix's segment. */
  label: string;
  scm: boolean;
  /** The path the app sees (the prefix removed). */
  path: string;
}

/** The address of a request by Host header, if it is one of `*.azurewebsites.net` / `*.scm.azurewebsites.net`. */
export function addressByHost(host: string | undefined, path: string): SiteAddress | undefined {
  const name = (host ?? "").toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
  const m = /^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\.(scm\.)?azurewebsites\.net$/.exec(name);
  return m ? { label: m[1]!, scm: Boolean(m[2]), path } : undefined;
}

/** The address of a request by path prefix (`/_sites/{label}/…`). */
export function addressByPath(path: string): SiteAddress | undefined {
  const m = SITE_PATH_PREFIX.exec(path);
  if (!m) return undefined;
  return { label: decodeURIComponent(m[1]!).toLowerCase(), scm: false, path: m[2] || "/" };
}

/** The URL a client that cannot set Host uses for an app (connection-info.ts prints the `{app}` template). */
export function sitePathBase(baseUrl: string, app: string, slot?: string): string {
  return `${baseUrl}/_sites/${slot ? `${app}-${slot}` : app}/`;
}

export interface SiteTarget {
  site: SiteState;
  app: AppState;
  slot?: string;
  /** `{app}[-{slot}].azurewebsites.net`, lower case. */
  host: string;
}

/**
 * The app a label names. Site names are global in Azure; the emulator takes the first match across subscriptions
 * and resource groups. A label that is no site's name is tried as `{site}-{slot}` at every hyphen (site names may
 * hold hyphens themselves: `func-greeting-staging` is slot `staging` of `func-greeting`).
 */
export function resolveSite(arm: ArmState, label: string): SiteTarget | undefined {
  const byName = new Map<string, SiteState>();
  for (const s of [...arm.sites.values()].sort((a, b) => a.name.localeCompare(b.name)))
    if (!byName.has(s.name.toLowerCase())) byName.set(s.name.toLowerCase(), s);
  const l = label.toLowerCase();
  const site = byName.get(l);
  if (site) return { site, app: site, host: `${l}.${SITE_DOMAIN}` };
  for (let i = l.lastIndexOf("-"); i > 0; i = l.lastIndexOf("-", i - 1)) {
    const parent = byName.get(l.slice(0, i));
    const slot = parent?.slots.get(l.slice(i + 1));
    if (parent && slot) return { site: parent, app: slot, slot: slot.name, host: `${l}.${SITE_DOMAIN}` };
  }
  return undefined;
}
