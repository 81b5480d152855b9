import { RefusedError } from "../errors.ts";
import type { AnyKind, AppConfig, BackupRecord, KindTarget, RunContext } from "../pipeline/contract.ts";
import type { BoundKind } from "../pipeline/plan-targets.ts";

/**
 * A backup as one kind run of the pipeline: the kind's restorer gives either a config slice (the owned fields back,
 * exact lists), planned and applied by the kind itself, or a kind of its own (Easy Auth: the whole document).
 */
export function boundRestore(
  kinds: readonly AnyKind[],
  backup: BackupRecord,
  run: RunContext,
  env: NodeJS.ProcessEnv,
): BoundKind {
  const kind = kinds.find((k) => k.kind === backup.kind);
  const restorer = kind?.restorer;
  if (!kind || !restorer)
    throw new RefusedError(`A ${backup.kind} backup cannot be restored by this tool.`, {
      fix: "Restore it by hand from the file (it holds the object as read).",
    });
  const t = backup.target;
  if (restorer.restoreKind) {
    const own = restorer.restoreKind(backup);
    const target: KindTarget & { backup: BackupRecord } = {
      ref: {
        subscriptionId: t.subscriptionId,
        resourceGroup: t.resourceGroup,
        name: t.name,
        ...(t.slot ? { slot: t.slot } : {}),
      },
      resource: backup.resource,
      backup,
    };
    return { kind: own, reconciler: own.bind(run), targets: [target] };
  }
  const slice = kind.config.schema.parse(restorer.toConfig!(backup));
  const resolved = kind.config.resolve(slice, undefined);
  const app = {
    index: 0,
    name: t.name,
    subscriptionId: t.subscriptionId,
    resourceGroup: t.resourceGroup,
    slots: t.slot ? [t.slot] : [],
    [kind.config.key]: resolved,
  } as AppConfig;
  const targets = kind.targets([app], { slot: t.slot ?? "production", env });
  return { kind, reconciler: kind.bind(run), targets };
}

/** A backup of another tenant is never applied: its ids (client ids, issuers, object ids) mean nothing here. */
export function checkTenant(backup: BackupRecord, tenantId: string): string | undefined {
  if (!backup.tenantId)
    return `the backup of ${backup.takenAt} does not say which tenant it is from (an older format); check it is this one`;
  if (backup.tenantId.toLowerCase() !== tenantId.toLowerCase())
    throw new RefusedError(
      `The backup of ${backup.target.name} (${backup.takenAt}) is from tenant ${backup.tenantId}, and this run is signed in to ${tenantId}; nothing was restored.`,
      { fix: "Sign in to the backup's tenant (AZURE_TENANT_ID), or pick a backup taken in this one ('restore list')." },
    );
  return undefined;
}
