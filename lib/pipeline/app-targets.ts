import type { TargetRef } from "../azure/targets.ts";
import type { AppAddress } from "./contract.ts";

const PRODUCTION = "production";

/**
 * The app itself and each of its slots as separate targets (each slot is its own ARM resource), narrowed by `--slot`
 * ('production' names the app itself). `slots` lists which to include; undefined stands for production.
 */
export function siteRefs(
  app: AppAddress,
  slotFilter?: string,
  slots: readonly (string | undefined)[] = [undefined, ...app.slots],
): TargetRef[] {
  const want = slotFilter?.toLowerCase();
  return slots
    .filter((s) => !want || (s ?? PRODUCTION).toLowerCase() === want)
    .map((slot) => ({
      subscriptionId: app.subscriptionId,
      resourceGroup: app.resourceGroup,
      name: app.name,
      ...(slot ? { slot } : {}),
    }));
}
