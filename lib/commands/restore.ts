import { unlinkSync } from "node:fs";
import { parseCommandArgs, type OptionSpec } from "../cli/args.ts";
import { WRITING_OPTIONS, runOptions, type CommandIo } from "../cli/common.ts";
import { signIn } from "../cli/writing-command.ts";
import { UsageError, errorMessage } from "../errors.ts";
import { BACKUP_ROOT, listBackups, readBackup, type BackupFile } from "../pipeline/backup.ts";
import type { FlagValues } from "../pipeline/contract.ts";
import { EXIT } from "../pipeline/exit-codes.ts";
import { runPipeline } from "../pipeline/run.ts";
import { parseDuration } from "../resources/keys/duration.ts";
import { KINDS } from "../resources/index.ts";
import { boundRestore, checkTenant } from "../restore/bind.ts";
import { changedSince, renderBackupList } from "../restore/list.ts";
import { backupsToPrune } from "../restore/prune.ts";
import { backupTarget, pickAt } from "../restore/select.ts";
import { runContextOf } from "./run-context.ts";
import type { RunOverrides } from "./run-kinds.ts";

export const restoreCli = {
  name: "restore",
  summary:
    "Put an app back as a backup found it: the plan from the current state to the backed-up one (owned fields for\n" +
    "registrations and sites, the whole document for Easy Auth), applied like every writing command: confirm, re-read\n" +
    "before writing, a backup of the current state first, verify. 'restore list' shows the backups; --keep/--older-than prune.",
  options: {
    backup: { type: "string", valueName: "file", description: "Restore this backup file" },
    target: {
      type: "string",
      valueName: "app",
      description: "Restore this app (with --at): its newest backups up to that time",
    },
    slot: {
      type: "string",
      valueName: "name",
      description: "With --target: the slot ('production' for the app itself)",
    },
    kind: {
      type: "string",
      valueName: "kind",
      description: "With --target: only this kind (auth, registration, site)",
    },
    at: {
      type: "string",
      valueName: "time",
      description: "With --target: an ISO time; the newest backup taken at or before it",
    },
    "backup-dir": {
      type: "string",
      valueName: "dir",
      description: "Where backups are read (and restore's own written)",
      default: BACKUP_ROOT,
    },
    keep: { type: "string", valueName: "n", description: "Prune: keep the newest n backups of each target" },
    "older-than": {
      type: "string",
      valueName: "duration",
      description: "Prune: delete backups older than this (30d, P30D)",
    },
    "dry-run": WRITING_OPTIONS["dry-run"],
    yes: WRITING_OPTIONS.yes,
    json: WRITING_OPTIONS.json,
    "no-color": WRITING_OPTIONS["no-color"],
    "detailed-exitcode": WRITING_OPTIONS["detailed-exitcode"],
    "plan-out": WRITING_OPTIONS["plan-out"],
    plan: WRITING_OPTIONS.plan,
    concurrency: WRITING_OPTIONS.concurrency,
    auth: WRITING_OPTIONS.auth,
    cloud: WRITING_OPTIONS.cloud,
  },
  examples: [
    "npx tsx scripts/restore.ts list",
    "npx tsx scripts/restore.ts --backup .backups/configure-site/2026-11-23T08-30-00-000Z_<sub>_rg_func-a.site.json --dry-run",
    "npx tsx scripts/restore.ts --target func-orders --at 2026-11-23T08:00:00Z --yes",
    "npx tsx scripts/restore.ts --keep 10 --older-than 30d",
  ],
} as const satisfies { name: string; summary: string; options: Record<string, OptionSpec>; examples: string[] };

type Values = {
  backup?: string;
  target?: string;
  slot?: string;
  kind?: string;
  at?: string;
  "backup-dir"?: string;
  keep?: string;
  "older-than"?: string;
  "dry-run": boolean;
};

function parseKeep(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--keep must be a whole number (0 or more), got '${v}'.`);
  return n;
}

function parseOlderThan(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = parseDuration(v);
  if (ms === undefined)
    throw new UsageError(`--older-than '${v}' is not a duration.`, { fix: "Write it as 30d, 12h, 4h30m, or P30D." });
  return ms;
}

function parseAt(v: string): Date {
  const d = new Date(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(d.getTime()))
    throw new UsageError(`--at '${v}' is not a time.`, { fix: "Write an ISO time, e.g. --at 2026-11-23T08:00:00Z." });
  return d;
}

/** Offline: which backups the flags name. */
function chosenBackups(v: Values, dir: string): BackupFile[] {
  if (v.backup && v.target)
    throw new UsageError("--backup and --target both choose what to restore; give one.", {
      fix: "Restore one file with --backup, or an app at a time with --target <app> --at <time>.",
    });
  if (v.backup) return [{ file: v.backup, record: readBackup(v.backup) }];
  if (v.target) {
    if (!v.at)
      throw new UsageError("--target needs --at <time>: which backup to go back to.", {
        fix: "Run 'restore list' to see the backups' times, then add --at <time>.",
      });
    return pickAt(listBackups(dir), { target: v.target, slot: v.slot, kind: v.kind, at: parseAt(v.at) });
  }
  throw new UsageError(
    "Say what to do: 'restore list', --backup <file>, --target <app> --at <time>, or --keep/--older-than.",
    {
      fix: "Run 'tsx scripts/restore.ts list' to see the backups.",
    },
  );
}

function prune(v: Values, dir: string, io: CommandIo): number {
  const doomed = backupsToPrune(listBackups(dir), {
    keep: parseKeep(v.keep),
    olderThanMs: parseOlderThan(v["older-than"]),
    now: new Date(),
  });
  for (const b of doomed) {
    if (!v["dry-run"]) unlinkSync(b.file);
    io.stdout.write(`${v["dry-run"] ? "would delete" : "deleted"} ${b.file}\n`);
  }
  io.stdout.write(
    `${doomed.length} backup${doomed.length === 1 ? "" : "s"} ${v["dry-run"] ? "to delete" : "deleted"}.\n`,
  );
  return EXIT.ok;
}

/** restore: argv → exit code. `restore list` is the one positional form. */
export async function restoreCommand(argv: string[], io: CommandIo, overrides: RunOverrides = {}): Promise<number> {
  const listing = argv[0] === "list";
  const args = parseCommandArgs(restoreCli, listing ? argv.slice(1) : argv);
  if (args.help) {
    io.stdout.write(args.text);
    return EXIT.ok;
  }
  const v = args.values;
  const dir = v["backup-dir"] ?? BACKUP_ROOT;
  if (!listing && (v.keep !== undefined || v["older-than"] !== undefined)) {
    if (v.backup || v.target) throw new UsageError("--keep/--older-than prune; they do not combine with a restore.");
    return prune(v, dir, io);
  }
  const chosen = listing ? listBackups(dir) : chosenBackups(v, dir);
  const options = runOptions(v, io);
  const subscriptions = chosen.map((b) => b.record.subscriptionId);
  const service = chosen.every((b) => b.record.kind === "registration") ? "graph" : "arm";
  const { session, header } = await signIn(restoreCli, v, io, subscriptions, service);
  const run = runContextOf(session, v as unknown as FlagValues, io.env, overrides);
  if (listing) {
    const reads = new Map<string, Promise<unknown>>();
    const since = async (b: BackupFile) => {
      let bound: ReturnType<typeof boundRestore>;
      try {
        bound = boundRestore(KINDS, b.record, run, io.env);
      } catch (e) {
        return `not restorable: ${errorMessage(e)}`;
      }
      return changedSince(bound, (read) => {
        const key = backupTarget(b.record);
        const p = reads.get(key) ?? read();
        reads.set(key, p);
        return p;
      });
    };
    io.stdout.write(await renderBackupList(chosen, since));
    return EXIT.ok;
  }
  for (const b of chosen) {
    const warning = checkTenant(b.record, run.tenantId);
    if (warning) io.stderr.write(`warning: ${warning}\n`);
  }
  // Kinds in dependency order, as apply runs them (a registration before the Easy Auth that names it).
  const order = (k: string) => KINDS.findIndex((x) => x.kind === k);
  const kinds = [...chosen]
    .sort((a, b) => order(a.record.kind) - order(b.record.kind))
    .map((b) => boundRestore(KINDS, b.record, run, io.env));
  return runPipeline({ command: "restore", header, kinds }, options);
}
