import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TargetRef } from "./model.ts";

/**
 * Writes the full document as read, before a whole-document PUT replaces it (mode 0600: it describes the security
 * setup of the app). authsettingsV2 holds app-setting names, not secret values.
 */
export function writeBackup(dir: string, target: TargetRef, resource: string, doc: unknown, now = new Date()): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  const name = [stamp, target.subscriptionId, target.resourceGroup, target.name, target.slot].filter(Boolean).join("_");
  const file = join(dir, `${name}.${resource}.json`);
  writeFileSync(file, JSON.stringify(doc, null, 2) + "\n", { mode: 0o600 });
  return file;
}
