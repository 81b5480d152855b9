import type { BackupFile } from "../pipeline/backup.ts";
import type { BackupRecord } from "../pipeline/contract.ts";
import { UsageError } from "../errors.ts";

/** What one backup is of: kind, resource and the app or slot (lower case: ARM names are case-insensitive). */
export const backupTarget = (r: BackupRecord): string =>
  [r.kind, r.target.subscriptionId, r.target.resourceGroup, r.target.name, r.target.slot ?? ""].join("/").toLowerCase();

export const targetName = (r: BackupRecord): string =>
  r.target.slot ? `${r.target.name}/${r.target.slot}` : r.target.name;

/** Backups per target, newest first, targets in name order. */
export function groupBackups(all: readonly BackupFile[]): Array<{ key: string; backups: BackupFile[] }> {
  const groups = new Map<string, BackupFile[]>();
  for (const b of all) groups.set(backupTarget(b.record), [...(groups.get(backupTarget(b.record)) ?? []), b]);
  return [...groups]
    .map(([key, backups]) => ({
      key,
      backups: [...backups].sort((a, b) => b.record.takenAt.localeCompare(a.record.takenAt)),
    }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

export interface TargetQuery {
  target: string;
  slot?: string;
  kind?: string;
  at: Date;
}

/**
 * `--target <app> --at <time>`: for each kind backed up for that app (or slot), the newest backup taken at or before
 * the time (the state the app had then).
 */
export function pickAt(all: readonly BackupFile[], q: TargetQuery): BackupFile[] {
  const slot = q.slot && q.slot.toLowerCase() !== "production" ? q.slot.toLowerCase() : undefined;
  const mine = all.filter(
    (b) =>
      b.record.target.name.toLowerCase() === q.target.toLowerCase() &&
      (b.record.target.slot?.toLowerCase() ?? undefined) === slot &&
      (!q.kind || b.record.kind === q.kind),
  );
  if (!mine.length)
    throw new UsageError(
      `No backup of ${q.target}${slot ? `/${slot}` : ""}${q.kind ? ` (${q.kind})` : ""} in the backup folder.`,
      {
        fix: "Run 'restore list' to see the backups there are (and --backup-dir to read another folder).",
      },
    );
  const picked = groupBackups(mine).flatMap((g) => g.backups.find((b) => new Date(b.record.takenAt) <= q.at) ?? []);
  if (!picked.length)
    throw new UsageError(`No backup of ${q.target} was taken at or before ${q.at.toISOString()}.`, {
      fix: `The oldest is from ${mine.map((b) => b.record.takenAt).sort()[0]}; pick a later --at.`,
    });
  return picked;
}
