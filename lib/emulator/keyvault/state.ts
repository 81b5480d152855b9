import { randomUUID } from "node:crypto";
import { checkpointOf, storedDocument, type Checkpointable } from "../checkpoint.ts";

/** Times are IntDate: whole seconds since the epoch, as the wire format carries them. */
export interface SecretAttributes {
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
}

export interface SecretVersion {
  /** 32 lower-case hex digits, the form real version ids take. */
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  attributes: SecretAttributes;
}

export interface SecretRecord {
  /** The name as first created; lookups ignore case (Key Vault object names are case-insensitive). */
  name: string;
  /** In creation order; the last one is the "current" version that GET without a version returns. */
  versions: SecretVersion[];
  /** Set while the secret is soft-deleted. */
  deleted?: { deletedDate: number; scheduledPurgeDate: number };
}

export interface NewVersion {
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled?: boolean;
  nbf?: number;
  exp?: number;
}

/** What PATCH may change; `null` clears nbf/exp. */
export interface VersionUpdate {
  contentType?: string;
  tags?: Record<string, string>;
  enabled?: boolean;
  nbf?: number | null;
  exp?: number | null;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** The secrets of the one emulated vault. Pure data and bookkeeping: HTTP answers are decided by the routes. */
export class VaultState implements Checkpointable {
  readonly secrets = new Map<string, SecretRecord>();

  get(name: string): SecretRecord | undefined {
    return this.secrets.get(name.toLowerCase());
  }

  /** The record when it exists and is not soft-deleted. */
  active(name: string): SecretRecord | undefined {
    const r = this.get(name);
    return r && !r.deleted ? r : undefined;
  }

  /** Adds a version, creating the secret when new. The caller has checked the name is not soft-deleted. */
  addVersion(name: string, input: NewVersion): { record: SecretRecord; version: SecretVersion } {
    const now = nowSeconds();
    const version: SecretVersion = {
      version: randomUUID().replace(/-/g, ""),
      value: input.value,
      contentType: input.contentType,
      tags: input.tags,
      attributes: { enabled: input.enabled ?? true, nbf: input.nbf, exp: input.exp, created: now, updated: now },
    };
    const existing = this.get(name);
    const record: SecretRecord = existing ?? { name, versions: [] };
    record.versions.push(version);
    if (!existing) this.secrets.set(name.toLowerCase(), record);
    return { record, version };
  }

  updateVersion(v: SecretVersion, u: VersionUpdate): SecretVersion {
    const attributes = { ...v.attributes, updated: nowSeconds() };
    if (u.enabled !== undefined) attributes.enabled = u.enabled;
    if (u.nbf !== undefined) attributes.nbf = u.nbf ?? undefined;
    if (u.exp !== undefined) attributes.exp = u.exp ?? undefined;
    const next: SecretVersion = {
      ...v,
      attributes,
      contentType: u.contentType !== undefined ? u.contentType : v.contentType,
      tags: u.tags !== undefined ? u.tags : v.tags,
    };
    Object.assign(v, next);
    return next;
  }

  softDelete(record: SecretRecord, retentionDays: number): SecretRecord {
    const deletedDate = nowSeconds();
    record.deleted = { deletedDate, scheduledPurgeDate: deletedDate + retentionDays * 86_400 };
    return record;
  }

  recover(record: SecretRecord): void {
    delete record.deleted;
  }

  purge(record: SecretRecord): void {
    this.secrets.delete(record.name.toLowerCase());
  }

  /** Versions are the documents a not-persisted fault's `dropPaths` address (`tags`, `contentType`, `attributes.enabled`). */
  checkpoint(dropPaths?: string[]): () => void {
    const documents = () =>
      [...this.secrets.values()].flatMap((r) =>
        r.versions.map((v, i) =>
          storedDocument(
            `${r.name.toLowerCase()}/${v.version}`,
            () => v as unknown as Record<string, unknown>,
            (next) => (r.versions[i] = next as unknown as SecretVersion),
          ),
        ),
      );
    return checkpointOf([this.secrets], documents, dropPaths);
  }
}

export function latest(record: SecretRecord): SecretVersion {
  const v = record.versions[record.versions.length - 1];
  if (!v) throw new Error(`Secret ${record.name} has no versions.`);
  return v;
}
