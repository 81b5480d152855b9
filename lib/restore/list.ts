import { errorMessage } from "../errors.ts";
import type { BackupFile } from "../pipeline/backup.ts";
import { freshReads } from "../pipeline/memo.ts";
import type { BoundKind } from "../pipeline/plan-targets.ts";
import { groupBackups, targetName } from "./select.ts";

/** What changed since a backup: the plan from the current state back to it (its changed fields), or why unknown. */
export type Since = (b: BackupFile) => Promise<string>;

/**
 * Plans a backup against the live state, read-only: the fields a restore of it would change. `observe` shares one
 * read per target between its backups.
 */
export async function changedSince(
  bound: BoundKind,
  observe: (read: () => Promise<unknown>) => Promise<unknown>,
): Promise<string> {
  try {
    const r = bound.reconciler;
    const target = bound.targets[0];
    if (!target) return "nothing to compare";
    const plan = r.plan(target, await observe(() => r.observe(target, freshReads)));
    if (plan.status === "skip") return `not restorable: ${plan.reason?.message ?? "skipped"}`;
    if (!plan.changes.length) return "nothing it holds changed since";
    const fields = plan.changes.map((c) => c.field);
    return `${fields.length} field${fields.length === 1 ? "" : "s"} changed since: ${fields.slice(0, 6).join(", ")}${fields.length > 6 ? ", …" : ""}`;
  } catch (e) {
    return `current state not read: ${errorMessage(e)}`;
  }
}

/** `restore list`: backups per target, newest first, each with what changed since it. */
export async function renderBackupList(all: readonly BackupFile[], since: Since): Promise<string> {
  const groups = groupBackups(all);
  if (!groups.length) return "No backups in the folder.\n";
  const lines: string[] = [];
  for (const g of groups) {
    const first = g.backups[0]!.record;
    lines.push(
      `${targetName(first)}  ${first.kind} ${first.resource}  (${first.target.resourceGroup}, ${first.target.subscriptionId})`,
    );
    for (const b of g.backups) {
      const r = b.record;
      lines.push(`  ${r.takenAt}  tenant ${r.tenantId ?? "unknown"}  tool ${r.toolVersion}  ${b.file}`);
      lines.push(`      ${await since(b)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
