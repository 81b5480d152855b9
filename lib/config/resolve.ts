import type { AppAddress, AppConfig } from "../pipeline/contract.ts";
import { KINDS } from "../resources/index.ts";
import type { Fleet } from "./schema.ts";

export type { AppConfig };

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
    const slices: Record<string, unknown> = {};
    for (const k of KINDS) {
      const resolved = k.config.resolve(own[k.config.key], defaults[k.config.key]);
      if (resolved !== undefined) slices[k.config.key] = resolved;
    }
    // Each slice was validated by the kind's own schema and resolved by the kind, under its own key.
    return Object.assign(address, slices) as AppConfig;
  });
  return { apps, issues };
}
