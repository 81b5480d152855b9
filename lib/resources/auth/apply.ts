import type { ArmClient } from "../../azure/arm-client.ts";
import { sitePath, type TargetRef } from "../../azure/targets.ts";
import { VerificationError } from "../../errors.ts";
import { writeBackup, type BackupMeta } from "../../pipeline/backup.ts";
import { AUTH_RESOURCE, propertiesOf, readAuthDoc, type AuthDoc } from "./observe.ts";
import { unpersistedFields, type AuthWrite } from "./plan.ts";

/** Backup of the document as read (mode 0600), then the whole-document PUT: authsettingsV2 has no PATCH. */
export async function putAuthDoc(
  arm: ArmClient,
  t: TargetRef,
  read: AuthDoc,
  write: AuthWrite,
  backupDir: string,
  meta: BackupMeta = { kind: "auth" },
): Promise<void> {
  writeBackup(backupDir, t, AUTH_RESOURCE, read, meta);
  await arm.put(`${sitePath(t)}/config/authsettingsV2`, { properties: write.desired });
}

/** Re-reads the document: a 200 whose owned field did not stick is an error naming the field. */
export async function verifyAuthDoc(arm: ArmClient, t: TargetRef, write: AuthWrite): Promise<void> {
  const lost = unpersistedFields(write.desired, propertiesOf(await readAuthDoc(arm, t)), write.ownedPaths);
  if (lost.length) {
    throw new VerificationError(`the service answered 200 but did not keep: ${lost.join(", ")}`, lost, {
      fix: "Run again; if it persists, set these fields in the portal and report the app (known service quirk, azure-rest-api-specs#18888).",
    });
  }
}
