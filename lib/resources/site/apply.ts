import type { ArmClient } from "../../azure/arm-client.ts";
import { sitePath, type TargetRef } from "../../azure/targets.ts";
import { VerificationError } from "../../errors.ts";
import { writeBackup, type BackupMeta } from "../../pipeline/backup.ts";
import { targetLabel } from "../../pipeline/model.ts";
import type { SiteObserved } from "./observe.ts";
import { readSite } from "./observe.ts";
import type { OwnedSiteField } from "./owned-fields.ts";
import { unpersistedFields, type SiteWrite } from "./plan.ts";

const fieldsOf = (body: { properties: Record<string, unknown> }): string => Object.keys(body.properties).join(", ");

/** The owned fields as read, written before the PATCH (mode 0600; site config fields hold no secrets). */
export function backupSite(dir: string, t: TargetRef, read: SiteObserved, meta: BackupMeta): string {
  return writeBackup(dir, t, "site", read, meta);
}

/** PATCH only the resources that change, each with only its changed owned fields: nothing else is sent, so nothing else moves. */
export async function patchSite(
  arm: ArmClient,
  t: TargetRef,
  write: SiteWrite,
  log: (line: string) => void,
): Promise<string> {
  const done: string[] = [];
  if (write.site) {
    log(`${targetLabel(t)}: PATCH site (${fieldsOf(write.site)})`);
    await arm.patch(sitePath(t), write.site);
    done.push(`site: ${fieldsOf(write.site)}`);
  }
  if (write.web) {
    log(`${targetLabel(t)}: PATCH config/web (${fieldsOf(write.web)})`);
    await arm.patch(`${sitePath(t)}/config/web`, write.web);
    done.push(`config/web: ${fieldsOf(write.web)}`);
  }
  return done.join("; ");
}

/**
 * Re-reads the resources written (a resource not written was already as desired when planned): an owned field whose
 * value did not stick after a 200 is an error that names it.
 */
export async function verifySite(
  arm: ArmClient,
  t: TargetRef,
  write: SiteWrite,
  fields: readonly OwnedSiteField[],
): Promise<void> {
  const written = fields.filter((f) => (f.resource === "site" ? write.site : write.web) !== undefined);
  const lost = unpersistedFields(write, await readSite(arm, t, written));
  if (lost.length) {
    throw new VerificationError(`the service answered 200 but did not keep: ${lost.join(", ")}`, lost, {
      fix: "Run again; if it persists, check for an Azure Policy or deployment that resets these settings, or set them in the portal.",
    });
  }
}
