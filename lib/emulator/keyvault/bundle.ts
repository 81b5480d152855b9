import { latest, type SecretAttributes, type SecretRecord, type SecretVersion } from "./state.ts";

/** How the vault's soft-delete is configured; shown on every attributes object as real vaults do. */
export interface Retention {
  days: number;
}

/**
 * `Recoverable+Purgeable` is a 90-day soft-delete vault without purge protection; shorter retention is the
 * `CustomizedRecoverable+Purgeable` level (@azure/keyvault-secrets 4.11 `KnownDeletionRecoveryLevel`).
 */
export function recoveryLevel(r: Retention): string {
  return r.days >= 90 ? "Recoverable+Purgeable" : "CustomizedRecoverable+Purgeable";
}

export function secretId(base: string, name: string, version?: string): string {
  return version ? `${base}/secrets/${name}/${version}` : `${base}/secrets/${name}`;
}

function attributesView(a: SecretAttributes, r: Retention) {
  return {
    enabled: a.enabled,
    ...(a.nbf !== undefined ? { nbf: a.nbf } : {}),
    ...(a.exp !== undefined ? { exp: a.exp } : {}),
    created: a.created,
    updated: a.updated,
    recoveryLevel: recoveryLevel(r),
    recoverableDays: r.days,
  };
}

function metadata(v: SecretVersion) {
  return {
    ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
    ...(v.tags !== undefined ? { tags: v.tags } : {}),
  };
}

/** SecretBundle: what set, get, update and recover answer. Only set and get carry the value. */
export function secretBundle(base: string, record: SecretRecord, v: SecretVersion, r: Retention, withValue: boolean) {
  return {
    ...(withValue ? { value: v.value } : {}),
    id: secretId(base, record.name, v.version),
    ...metadata(v),
    attributes: attributesView(v.attributes, r),
  };
}

/** SecretItem: list entries. Secret listings name the secret without a version; version listings name the version. */
export function secretItem(base: string, record: SecretRecord, v: SecretVersion, r: Retention, versioned: boolean) {
  return {
    id: secretId(base, record.name, versioned ? v.version : undefined),
    attributes: attributesView(v.attributes, r),
    ...metadata(v),
  };
}

function deletion(base: string, record: SecretRecord) {
  return {
    recoveryId: `${base}/deletedsecrets/${record.name}`,
    deletedDate: record.deleted?.deletedDate,
    scheduledPurgeDate: record.deleted?.scheduledPurgeDate,
  };
}

/** DeletedSecretBundle: the delete answer and GET /deletedsecrets/{name}; never the value. */
export function deletedBundle(base: string, record: SecretRecord, r: Retention) {
  return { ...deletion(base, record), ...secretBundle(base, record, latest(record), r, false) };
}

export function deletedItem(base: string, record: SecretRecord, r: Retention) {
  return { ...deletion(base, record), ...secretItem(base, record, latest(record), r, false) };
}
