import { armResourceProperties } from "../../azure/answer-shape.ts";
import type { ArmClient } from "../../azure/arm-client.ts";
import { sitePath, type TargetRef } from "../../azure/targets.ts";
import type { AppConfig, KindTarget } from "../../pipeline/contract.ts";
import { siteRefs } from "../../pipeline/app-targets.ts";
import type { SiteConfig } from "./schema.ts";
import { ownedSiteFields, webKeysOf, type OwnedSiteField } from "./owned-fields.ts";

export const SITE_RESOURCE = "site";

export interface SiteTarget extends KindTarget {
  app: AppConfig;
  /** The app's resolved `site` block (defaults merged). */
  site: SiteConfig;
}

/**
 * The owned part of what was read, and only that: it is what plans are made from and what the fingerprint hashes, so
 * a change elsewhere in the site (app settings, alwaysOn) does not make a saved plan stale.
 */
export interface SiteObserved {
  /** `properties.httpsOnly` of the site or slot; absent when the config owns nothing on the site (no GET made). */
  site?: Record<string, unknown>;
  /** The owned top-level properties of `config/web`, `cors` whole (a cors write sends it back whole); absent when none is owned. */
  web?: Record<string, unknown>;
}

/** Production and each slot of every app whose site config owns a field; `--slot` narrows it. */
export function siteTargets(app: AppConfig, slotFilter?: string): SiteTarget[] {
  const site = app.site;
  if (!site || ownedSiteFields(site).length === 0) return [];
  return siteRefs(app, slotFilter).map((ref) => ({ ref, resource: SITE_RESOURCE, app, site }));
}

function pick(props: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => props[k] !== undefined).map((k) => [k, structuredClone(props[k])]));
}

/**
 * GET the site (Web Apps - Get) and GET its config/web (Web Apps - Get Configuration), each only when the config owns a
 * field there; both work on a stopped app (ARM answers them, not the app's host).
 * https://learn.microsoft.com/en-us/rest/api/appservice/web-apps/get-configuration
 */
export async function readSite(arm: ArmClient, t: TargetRef, fields: readonly OwnedSiteField[]): Promise<SiteObserved> {
  const siteKeys = [...new Set(fields.filter((f) => f.resource === "site").map((f) => f.key[0]!))];
  const webKeys = webKeysOf(fields);
  // Each answer is checked to be the resource asked for: an error body sent with 200 would read as "nothing set".
  const read = async (path: string, idSuffix: string, keys: string[]) =>
    pick(armResourceProperties((await arm.get(path)).body, { service: "arm", method: "GET", path }, idSuffix), keys);
  const site = sitePath(t);
  const [siteProps, web] = await Promise.all([
    siteKeys.length ? read(site, site.slice(site.lastIndexOf("/")), siteKeys) : undefined,
    webKeys.length ? read(`${site}/config/web`, "/config/web", webKeys) : undefined,
  ]);
  return { ...(siteProps ? { site: siteProps } : {}), ...(web ? { web } : {}) };
}
