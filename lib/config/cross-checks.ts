import type { AppConfig, CheckResult } from "../pipeline/contract.ts";
import { KINDS } from "../resources/index.ts";

export type CrossCheckResult = CheckResult;

/** Addresses: each app once, slots listed once, 'production' not among them. */
function addressChecks(apps: readonly AppConfig[]): string[] {
  const errors: string[] = [];
  const seen = new Map<string, number>();
  for (const app of apps) {
    const at = `apps[${app.index}]`;
    const address = `${app.subscriptionId}/${app.resourceGroup}/${app.name}`.toLowerCase();
    const first = seen.get(address);
    if (first !== undefined)
      errors.push(`${at}: same app as apps[${first}] (${app.resourceGroup}/${app.name}); list each app once`);
    else seen.set(address, app.index);
    const dupSlot = app.slots.find((s, i) => app.slots.findIndex((x) => x.toLowerCase() === s.toLowerCase()) !== i);
    if (dupSlot) errors.push(`${at}.slots: '${dupSlot}' is listed twice`);
    if (app.slots.some((s) => s.toLowerCase() === "production"))
      errors.push(`${at}.slots: 'production' is the app itself; list only deployment slots`);
  }
  return errors;
}

/** Checks that need the whole (resolved) config: unique addresses, then each kind's references between fields. */
export function crossCheck(apps: AppConfig[]): CrossCheckResult {
  const errors = addressChecks(apps);
  const warnings: string[] = [];
  for (const k of KINDS) {
    const r = k.config.crossCheck?.(apps);
    if (!r) continue;
    errors.push(...r.errors);
    warnings.push(...r.warnings);
  }
  return { errors, warnings };
}
