import type { z } from "zod";
import type { ArmClient } from "../azure/arm-client.ts";
import type { Cloud } from "../azure/clouds.ts";
import type { GraphApi } from "../azure/graph-client.ts";
import type { KeyVaultSecrets } from "../azure/keyvault-client.ts";
import type { FieldChange, TargetRef } from "./model.ts";

/**
 * The reconciler contract. A resource kind (auth, registration, site, keys …) is one value of `ResourceKind`; the
 * pipeline (run.ts) owns everything the kinds share: concurrency, one writer per lock key, errors per target,
 * re-observe before the first write, confirm, verify, results and exit codes.
 */

/** An app of the fleet: its address and, under each kind's key, that kind's resolved config slice. */
export type AppConfig = AppAddress & Partial<KindSlices>;

export interface AppAddress {
  /** Position in the config file, for messages (`apps[3]`). */
  index: number;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  slots: string[];
}

/**
 * Each kind adds its resolved slice here from its own folder (declaration merging), so `app.auth` is typed where it
 * is read while the pipeline and the config loader stay free of kind-specific types.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by each kind's config.ts
export interface KindSlices {}

/** Knobs tests turn (back-off, id generators); each kind adds its own here, as for KindSlices. */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by each kind's index.ts
export interface RunTuning {}

export interface CheckResult {
  errors: string[];
  warnings: string[];
}

/** A kind's block in the config file: `apps[].<key>` and `defaults.<key>`. */
export interface ConfigSlice<
  Own extends z.ZodType = z.ZodType,
  Defaults extends z.ZodType = z.ZodType,
  Resolved = unknown,
> {
  key: keyof KindSlices & string;
  schema: Own;
  defaultsSchema: Defaults;
  /** Merges `defaults.<key>` under the app's block and fills in defaults; undefined when the app does not use the kind. */
  resolve(own: z.output<Own> | undefined, defaults: z.output<Defaults> | undefined): Resolved | undefined;
  /** Checks that need the whole resolved fleet (references between fields and apps). */
  crossCheck?(apps: readonly AppConfig[]): CheckResult;
}

/** A CLI flag a kind adds to the commands that run it (same shape as node:util parseArgs options). */
export interface KindOption {
  type: "boolean" | "string";
  description: string;
  valueName?: string;
  default?: string | boolean;
  short?: string;
}

export type FlagValues = Readonly<Record<string, string | boolean | string[] | undefined>>;

/** What selects targets besides the apps themselves. */
export interface Selection {
  slot?: string;
  env: NodeJS.ProcessEnv;
}

/** One thing a kind reconciles: one document, one registration, one logical key on one app or slot. */
export interface KindTarget {
  ref: TargetRef;
  /** How plans name it: `authsettingsV2`, `application(uniqueName='…')`, `functionKey greeting/apim`. */
  resource: string;
}

/** The pure planner's answer for one target; the pipeline adds target, fingerprint and kind. */
export interface KindPlan<D = unknown> {
  status: "change" | "no-op" | "skip";
  changes: FieldChange[];
  unchanged: number;
  warnings: string[];
  reason?: { message: string; fix?: string };
  /** Applying creates the target (it does not exist yet). */
  creates?: boolean;
  /** Progress-line notes (why a key is or is not due). */
  notes?: string[];
  /** What apply needs besides the observation (the document to PUT, the Graph steps …). */
  detail?: D;
}

export interface ObserveContext {
  /** Shares one read between targets during planning (a host's keys for every logical key of it); never on re-observe. */
  memo<V>(key: string, read: () => Promise<V>): Promise<V>;
}

export interface ApplyContext {
  /** Plain progress lines on stderr (each write, each retry). */
  log(line: string): void;
}

export interface Applied<A = unknown> {
  message?: string;
  /** What verify needs to know about the writes (a created appId). */
  result?: A;
}

/** A kind bound to one run's clients and flags. */
export interface Reconciler<T extends KindTarget = KindTarget, O = unknown, D = unknown, A = unknown> {
  /** One writer per key at a time (a site's host secret store, one registration). */
  lockKey(t: T): string;
  /** Read-only calls only. */
  observe(t: T, ctx: ObserveContext): Promise<O>;
  /** What a saved plan or a confirmed prompt must still see: a changed fingerprint means another writer. */
  fingerprint(o: O): string;
  /**
   * Re-reads, right before the write, what the write replaces (a whole-document PUT, an array sent whole): with no
   * ETag (docs/contracts/arm.md §1.4) only a re-read shows another writer. The pipeline calls it on every run, also
   * unattended, and refuses the target when the fingerprint moved; undefined when this plan's write replaces nothing.
   * Kinds whose writes never replace anything leave it out.
   */
  reread?(t: T, o: O, plan: KindPlan<D>): Promise<O> | undefined;
  /** Pure: observation + config → changes. */
  plan(t: T, o: O): KindPlan<D>;
  /** Read-only follow-ups that depend on the plan (the V1 check made only before a write). */
  refine?(t: T, o: O, plan: KindPlan<D>, ctx: ObserveContext): Promise<KindPlan<D>>;
  /** After all targets are planned: refuse a run whose flags matched nothing (`--revoke` of an unknown key). */
  checkPlans?(plans: ReadonlyArray<{ target: T; plan: KindPlan<D> | undefined }>): void;
  apply(t: T, plan: KindPlan<D>, o: O, ctx: ApplyContext): Promise<Applied<A>>;
  /** Re-read and compare; throws VerificationError. Retried per `verifyRetry` (eventual consistency). */
  verify?(t: T, plan: KindPlan<D>, o: O, applied: Applied<A>): Promise<void>;
  verifyRetry?: { attempts: number; delayMs(attempt: number): number };
}

/** Everything a kind may use in a run; built once per command from the signed-in session. */
export interface RunContext {
  arm: ArmClient;
  /** Created on first use (a command that never talks to Graph never signs in to it). */
  graph(): GraphApi;
  keyVault(vaultUrl: string): KeyVaultSecrets;
  tenantId: string;
  /** The cloud the run talks to (its authority names the Easy Auth issuers). */
  cloud: Cloud;
  flags: FlagValues;
  now(): Date;
  tuning: Partial<RunTuning>;
  /** The tool's version, recorded in backups. */
  toolVersion?: string;
}

/** A resource kind as a plug-in: listed once in lib/resources/index.ts. */
export interface ResourceKind<T extends KindTarget = KindTarget, O = unknown, D = unknown, A = unknown> {
  kind: string;
  /** The command that runs this kind alone (plans are saved per command). */
  command: string;
  /** Whose token names the signed-in principal in the plan header; ARM kinds also put subscriptions there. */
  service: "arm" | "graph";
  config: ConfigSlice;
  options?: Readonly<Record<string, KindOption>>;
  /** Offline flag checks, before any network call. */
  checkFlags?(flags: FlagValues): void;
  /** Every target the selection covers, in config order; offline (a missing vault URL is reported here). */
  targets(apps: readonly AppConfig[], selection: Selection): T[];
  /** Run alone, a selection with no target is this error (rotate-keys with no keys.rotate); default: nothing to do. */
  none?(selection: Selection): Error;
  bind(run: RunContext): Reconciler<T, O, D, A>;
  /** Export (docs/export.md): reads one live app and writes it as this kind's config slice. Optional. */
  exporter?: KindExporter;
  /** Restore (docs/restore.md): plans from the current state back to a backup of this kind. Optional. */
  restorer?: KindRestorer;
}

/** One live app as export sees it: its address and the slots it has. */
export interface ExportSite extends AppAddress {
  /** Every slot the site has (export keeps in `slots` only those its slices describe as well). */
  liveSlots: string[];
  /** Function names a `--config` selection's key policies name; export adds those the app lists. */
  functions: string[];
}

/** A comment the export writes next to a value: what was inferred, or what was left out and why. */
export interface ExportNote {
  /** Path inside the app's block (`auth.azureActiveDirectory.clientId`), or the block's key. */
  path: string;
  note: "inferred" | "left out" | "kept as is";
  why: string;
}

/** A kind's config slice for one app (or slot), as read: undefined when the kind is not in use there. */
export interface ExportedSlice {
  slice?: Record<string, unknown>;
  notes: ExportNote[];
}

/** The slices other kinds exported for the same app (the registration's appId for `clientId: fromRegistration`). */
export type PeerSlices = Readonly<Record<string, Record<string, unknown> | undefined>>;

export interface KindExporter {
  /** Read-only: what the slice is made from, for production (slot undefined) or one slot. */
  observe(run: RunContext, site: ExportSite, slot: string | undefined, peers: PeerObservations): Promise<unknown>;
  /** Pure: the slice that plans no change against `observed`. */
  toConfig(site: ExportSite, observed: unknown, peers: PeerSlices, run: RunContext): ExportedSlice;
  /** Kinds observed before this one (auth before registration: Easy Auth names the registration's appId). */
  after?: readonly string[];
  /** One slice per app, whatever its slots (a registration; production's key policies): observed once. */
  perApp?: boolean;
  /** The slice without the part that plans `target` (one key policy); undefined: nothing left. Default: drop it all. */
  prune?(slice: Record<string, unknown>, target: KindTarget): Record<string, unknown> | undefined;
}

/** Observations of other kinds for the same app and slot, by kind key. */
export type PeerObservations = Readonly<Record<string, unknown>>;

/** What a backup is of, and what it holds (secrets never included). */
export interface BackupRecord {
  formatVersion: 2;
  kind: string;
  resource: string;
  tenantId?: string;
  subscriptionId: string;
  target: { subscriptionId: string; resourceGroup: string; name: string; slot?: string };
  takenAt: string;
  toolVersion: string;
  /** The object as read before the write (the kind's own shape). */
  document: unknown;
}

export interface KindRestorer {
  /** The config slice that brings the owned fields back to the backed-up values (exact lists). */
  toConfig?(backup: BackupRecord): Record<string, unknown>;
  /** Or a kind of its own for the restore (Easy Auth: the whole document). */
  restoreKind?(backup: BackupRecord): ResourceKind;
}

/**
 * The kinds as one list of plug-ins of different shapes. Methods (not function-typed properties) keep parameters
 * bivariant, so every `ResourceKind<AuthTarget, …>` is a `ResourceKind` and the pipeline sees only the contract.
 */
export type AnyKind = ResourceKind;
