import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { isRecord, jsonEqual } from "../azure/json.ts";
import { ConfigError } from "../errors.ts";
import type { BackupRecord, KindOption } from "./contract.ts";
import type { TargetRef } from "./model.ts";

/** What a backup is of, besides the target and the resource (docs/restore.md, "Backup files"). */
export interface BackupMeta {
  kind: string;
  tenantId?: string;
  toolVersion?: string;
  now?: Date;
}

/** The default of every writing command's `--backup-dir` is `.backups/<command>`; restore reads them all from here. */
export const BACKUP_ROOT = ".backups";

/** The `--backup-dir` flag of the kinds that back up what they write (the default is per command, below the root). */
export const BACKUP_DIR_OPTION: KindOption = {
  type: "string",
  valueName: "dir",
  description:
    "Where the objects are saved before each write (default .backups/<command> of the command that writes them)",
};

// Members that hold secret material in the objects backed up: Graph's passwordCredential.secretText and
// keyCredential.key (https://learn.microsoft.com/en-us/graph/api/resources/passwordcredential), and a V1-style
// clientSecret. They are dropped wherever they appear, so a backup never holds a secret even if a read returned one.
const SECRET_MEMBERS = new Set(["secrettext", "key", "clientsecret", "password", "value"]);
const SECRET_PARENTS = new Set(["passwordcredentials", "keycredentials"]);

/** The object without secret members (in credential lists, every member but the metadata; elsewhere clientSecret/password). */
export function withoutSecrets(doc: unknown, inCredentials = false): unknown {
  if (Array.isArray(doc)) return doc.map((d) => withoutSecrets(d, inCredentials));
  if (!isRecord(doc)) return doc;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    const lower = k.toLowerCase();
    if (inCredentials ? SECRET_MEMBERS.has(lower) : lower === "clientsecret" || lower === "password") continue;
    out[k] = withoutSecrets(v, inCredentials || SECRET_PARENTS.has(lower));
  }
  return out;
}

const legacyKind = (resource: string): string => (resource === "authsettingsV2" ? "auth" : resource);

/**
 * Writes the object as read, before a write replaces or changes it (mode 0600: it describes the security setup of the
 * app), as a record naming what it is of. Secret members are dropped first. `meta` may be a Date (the time) for the
 * older callers.
 */
export function writeBackup(
  dir: string,
  target: TargetRef,
  resource: string,
  doc: unknown,
  meta: BackupMeta | Date = new Date(),
): string {
  const m: BackupMeta = meta instanceof Date ? { kind: legacyKind(resource), now: meta } : meta;
  const now = m.now ?? new Date();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  const name = [stamp, target.subscriptionId, target.resourceGroup, target.name, target.slot].filter(Boolean).join("_");
  const file = join(dir, `${name}.${resource}.json`);
  const record: BackupRecord = {
    formatVersion: 2,
    kind: m.kind,
    resource,
    ...(m.tenantId ? { tenantId: m.tenantId } : {}),
    subscriptionId: target.subscriptionId,
    target: {
      subscriptionId: target.subscriptionId,
      resourceGroup: target.resourceGroup,
      name: target.name,
      ...(target.slot ? { slot: target.slot } : {}),
    },
    takenAt: now.toISOString(),
    toolVersion: m.toolVersion ?? "unknown",
    document: withoutSecrets(doc),
  };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  return file;
}

/** `2026-11-23T08-30-00-000Z_<sub>_<rg>_<name>[_<slot>].<resource>.json`: how backups are named (both formats). */
const NAME =
  /^(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)_([^_]+)_(.+?)_([^_]+?)(?:_([^_.]+))?\.([A-Za-z0-9]+)\.json$/;

function stampTime(stamp: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/.exec(stamp)!;
  return `${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`;
}

/**
 * Reads a backup in either format: a record (formatVersion 2), or the bare authsettingsV2 document configure-auth
 * wrote before records existed, whose target and time are in its file name (its tenant is unknown).
 */
export function readBackup(file: string): BackupRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigError(`Cannot read backup '${file}': ${(e as Error).message}`, [], {
      fix: "Pass a backup file written by this tool (restore list shows them).",
    });
  }
  if (isRecord(parsed) && parsed.formatVersion === 2 && isRecord(parsed.target))
    return parsed as unknown as BackupRecord;
  const m = NAME.exec(basename(file));
  if (!m || !isRecord(parsed)) {
    throw new ConfigError(`'${file}' is not a backup written by this tool`, [], {
      fix: "Pass a backup file from --backup-dir (restore list shows them).",
    });
  }
  const [, stamp, subscriptionId, resourceGroup, name, slot, resource] = m as unknown as string[];
  return {
    formatVersion: 2,
    kind: legacyKind(resource!),
    resource: resource!,
    subscriptionId: subscriptionId!,
    target: { subscriptionId: subscriptionId!, resourceGroup: resourceGroup!, name: name!, ...(slot ? { slot } : {}) },
    takenAt: stampTime(stamp!),
    toolVersion: "unknown",
    document: parsed,
  };
}

export interface BackupFile {
  file: string;
  record: BackupRecord;
}

/** Every backup under `dir` (its subfolders too: each command writes to its own), oldest first; unreadable files are skipped. */
export function listBackups(dir: string): BackupFile[] {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, encoding: "utf8" });
  } catch {
    return [];
  }
  const out: BackupFile[] = [];
  for (const n of names.filter((x) => x.endsWith(".json")).sort()) {
    try {
      out.push({ file: join(dir, n), record: readBackup(join(dir, n)) });
    } catch {
      // Not a backup (another tool's file in the folder): not listed.
    }
  }
  return out.sort((a, b) => a.record.takenAt.localeCompare(b.record.takenAt));
}

/** Leaf paths of a JSON value (lists are leaves: they are compared and written whole). */
function leafPaths(v: unknown, prefix: string[] = []): string[][] {
  if (!isRecord(v) || !Object.keys(v).length) return prefix.length ? [prefix] : [];
  return Object.entries(v).flatMap(([k, x]) => (x === undefined ? [] : leafPaths(x, [...prefix, k])));
}

const at = (v: unknown, p: readonly string[]): unknown =>
  p.reduce<unknown>((c, k) => (isRecord(c) ? c[k] : undefined), v);

/** The leaf paths where two documents differ (a path on one side only counts): "what changed since" a backup. */
export function changedPaths(a: unknown, b: unknown): string[][] {
  const seen = new Map<string, string[]>();
  for (const p of [...leafPaths(a), ...leafPaths(b)]) seen.set(p.join("\u0000"), p);
  // An empty object on one side is a leaf there and a parent on the other: only the deeper paths count.
  const keys = [...seen.keys()];
  return [...seen]
    .filter(([k]) => !keys.some((o) => o.startsWith(`${k}\u0000`)))
    .map(([, p]) => p)
    .filter((p) => !jsonEqual(at(a, p) ?? null, at(b, p) ?? null));
}

export { at as valueAt };
