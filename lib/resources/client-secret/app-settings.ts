import type { ArmClient } from "../../azure/arm-client.ts";
import { isRecord, jsonEqual } from "../../azure/json.ts";
import { sitePath, type TargetRef } from "../../azure/targets.ts";
import { RefusedError, VerificationError } from "../../errors.ts";
import { targetLabel } from "../../pipeline/model.ts";

/** `POST …/config/appsettings/list`: every app setting, values included (so never printed or stored). */
export async function listAppSettings(arm: ArmClient, t: TargetRef): Promise<Record<string, string>> {
  const body = (await arm.post<unknown>(`${sitePath(t)}/config/appsettings/list`)).body;
  const props = isRecord(body) && isRecord(body.properties) ? body.properties : {};
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, String(v)]));
}

const MERGE_ATTEMPTS = 3;

/**
 * Sets one app setting. `PUT config/appsettings` replaces the whole set (WebApps_UpdateApplicationSettings), so the
 * set is read, merged and written; it is read a second time right before the PUT, and when another writer changed it
 * in between the merge starts over from the newer set, so no other setting is lost. After the PUT the setting is read
 * back. Returns false when it already held `value`.
 */
export async function setAppSetting(
  arm: ArmClient,
  t: TargetRef,
  name: string,
  value: string,
  log: (line: string) => void,
  /** What the value is, for the log line and the error (never the value: it may be a secret). */
  what = "Key Vault reference",
): Promise<boolean> {
  for (let attempt = 1; attempt <= MERGE_ATTEMPTS; attempt++) {
    const read = await listAppSettings(arm, t);
    if (read[name] === value) return false;
    const merged = { ...read, [name]: value };
    const again = await listAppSettings(arm, t);
    if (!jsonEqual(read, again)) {
      log(`${targetLabel(t)}: app settings changed while merging (another writer); merging again`);
      continue;
    }
    log(
      `${targetLabel(t)}: PUT config/appsettings (${name} → ${what}; ${Object.keys(read).length} other settings kept)`,
    );
    await arm.put(`${sitePath(t)}/config/appsettings`, { properties: merged });
    const after = await listAppSettings(arm, t);
    if (after[name] !== value)
      throw new VerificationError(
        `${targetLabel(t)}: app setting ${name} does not hold the ${what} after the PUT`,
        [name],
        {
          fix: "Run again; if it persists, look for a deployment that rewrites the app settings.",
        },
      );
    return true;
  }
  throw new RefusedError(
    `${targetLabel(t)}: the app settings kept changing while ${name} was being set (${MERGE_ATTEMPTS} tries); nothing was written`,
    { fix: "Run again once the other writer (a deployment, a pipeline) has finished." },
  );
}
