import type { ArmClient } from "../../azure/arm-client.ts";
import { isRecord } from "../../azure/json.ts";
import { sitePath, type TargetRef } from "../../azure/targets.ts";
import { VerificationError } from "../../errors.ts";
import { targetLabel } from "../../pipeline/model.ts";

/** `config/slotConfigNames` of the app: its properties as read (every list kept as is), and the sticky app settings. */
export interface SlotConfigNames {
  properties: Record<string, unknown>;
  appSettingNames: string[];
}

/** The app (production): slot settings are one document of the app, not of each slot. */
export const productionOf = (t: TargetRef): TargetRef => ({
  subscriptionId: t.subscriptionId,
  resourceGroup: t.resourceGroup,
  name: t.name,
});

/**
 * `GET …/config/slotConfigNames` (WebApps_ListSlotConfigurationNames): the settings that stay with their slot on a swap
 * (learn.microsoft.com/azure/app-service/deploy-staging-slots#which-settings-are-swapped). A list never set is null.
 */
export async function readSlotConfigNames(arm: ArmClient, app: TargetRef): Promise<SlotConfigNames> {
  const body = (await arm.get<unknown>(`${sitePath(productionOf(app))}/config/slotConfigNames`)).body;
  const properties = isRecord(body) && isRecord(body.properties) ? { ...body.properties } : {};
  const names = properties.appSettingNames;
  return {
    properties,
    appSettingNames: Array.isArray(names) ? names.filter((n): n is string => typeof n === "string") : [],
  };
}

export const isSticky = (s: SlotConfigNames, name: string): boolean =>
  s.appSettingNames.some((n) => n.toLowerCase() === name.toLowerCase());

/**
 * Makes `name` a slot setting: the PUT replaces the whole document, so it is read, `name` added to appSettingNames
 * (every other name and list kept), written and read back. Returns false when it already was one.
 */
export async function makeSticky(
  arm: ArmClient,
  app: TargetRef,
  name: string,
  log: (line: string) => void,
): Promise<boolean> {
  const read = await readSlotConfigNames(arm, app);
  if (isSticky(read, name)) return false;
  const prod = productionOf(app);
  log(`${targetLabel(prod)}: PUT config/slotConfigNames (${name} a slot setting; ${read.appSettingNames.length} kept)`);
  await arm.put(`${sitePath(prod)}/config/slotConfigNames`, {
    properties: { ...read.properties, appSettingNames: [...read.appSettingNames, name] },
  });
  if (!isSticky(await readSlotConfigNames(arm, app), name))
    throw new VerificationError(`${targetLabel(prod)}: ${name} is not a slot setting after the PUT`, [name], {
      fix: "Run again; if it persists, look for a deployment that rewrites the slot settings.",
    });
  return true;
}
