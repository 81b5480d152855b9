import type { AppAddress, AppConfig } from "../pipeline/contract.ts";
import { KINDS } from "../resources/index.ts";
import type { Fleet } from "./schema.ts";

export type { AppConfig };

/** Each kind's slice of one app, resolved against `defaults` (an app found by `select` has no own blocks). */
function slicesOf(own: Readonly<Record<string, unknown>>, defaults: Readonly<Record<string, unknown>>) {
  const slices: Record<string, unknown> = {};
  for (const k of KINDS) {
    const resolved = k.config.resolve(own[k.config.key], defaults[k.config.key]);
    if (resolved !== undefined) slices[k.config.key] = resolved;
  }
  return slices;
}

/** Every app with its address completed and each kind's slice resolved (defaults merged, defaults filled in). */
export function resolveApps(fleet: Fleet, env: NodeJS.ProcessEnv): { apps: AppConfig[]; issues: string[] } {
  const issues: string[] = [];
  const defaults: Readonly<Record<string, unknown>> = fleet.defaults;
  const apps = fleet.apps.map((a, index): AppConfig => {
    const own: Readonly<Record<string, unknown>> = a;
    const subscriptionId = a.subscriptionId ?? fleet.defaults.subscriptionId ?? env.AZURE_SUBSCRIPTION_ID ?? "";
    const resourceGroup = a.resourceGroup ?? fleet.defaults.resourceGroup ?? "";
    if (!subscriptionId)
      issues.push(
        `apps[${index}].subscriptionId: missing; set it on the app, in defaults, or export AZURE_SUBSCRIPTION_ID`,
      );
    if (!resourceGroup) issues.push(`apps[${index}].resourceGroup: missing; set it on the app or in defaults`);
    const address: AppAddress = { index, name: a.name, subscriptionId, resourceGroup, slots: a.slots };
    // Each slice was validated by the kind's own schema and resolved by the kind, under its own key.
    return Object.assign(address, slicesOf(own, defaults)) as AppConfig;
  });
  return { apps, issues };
}

/** An app found in Azure: its address and slots. */
export interface FoundApp {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  slots: string[];
}

const addressKey = (a: Pick<FoundApp, "subscriptionId" | "resourceGroup" | "name">): string =>
  `${a.subscriptionId}/${a.resourceGroup}/${a.name}`.toLowerCase();

/**
 * The listed apps, then the found ones that are not listed, each with `defaults` only. A listed app keeps its own
 * blocks and slots; found apps are numbered after the listed ones (`apps[n]` in messages counts on from the list).
 */
export function withFoundApps(fleet: Fleet, listed: readonly AppConfig[], found: readonly FoundApp[]): AppConfig[] {
  const known = new Set(listed.map(addressKey));
  const defaults: Readonly<Record<string, unknown>> = fleet.defaults;
  const extra = found
    .filter((f) => !known.has(addressKey(f)))
    .map((f, i): AppConfig => {
      const { subscriptionId, resourceGroup, name } = f;
      const address: AppAddress = {
        index: listed.length + i,
        name,
        subscriptionId,
        resourceGroup,
        slots: [...f.slots],
      };
      // A found app has no blocks of its own: each kind `defaults` configures applies to it as if listed empty.
      const own = Object.fromEntries(
        KINDS.filter((k) => defaults[k.config.key] !== undefined).map((k) => [k.config.key, {}]),
      );
      return Object.assign(address, slicesOf(own, defaults)) as AppConfig;
    });
  return [...listed, ...extra];
}
