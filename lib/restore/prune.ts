import type { BackupFile } from "../pipeline/backup.ts";
import { groupBackups } from "./select.ts";

export interface PruneRule {
  /** Keep the newest N of each target. */
  keep?: number;
  /** Remove backups older than this (ms before now). */
  olderThanMs?: number;
  now: Date;
}

/**
 * Pure: the backups to delete. Per target, the newest `keep` always stay; of the rest, with `olderThanMs` only those
 * older than that go, without it all of them.
 */
export function backupsToPrune(all: readonly BackupFile[], rule: PruneRule): BackupFile[] {
  const cutoff = rule.olderThanMs === undefined ? undefined : rule.now.getTime() - rule.olderThanMs;
  return groupBackups(all).flatMap((g) =>
    g.backups
      .slice(rule.keep ?? 0)
      .filter((b) => cutoff === undefined || new Date(b.record.takenAt).getTime() < cutoff),
  );
}
