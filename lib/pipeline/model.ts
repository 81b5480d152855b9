/** The plan: a plain value built by pure planners, rendered, saved, and applied. */

export type ChangeKind = "add" | "change" | "remove";

export interface FieldChange {
  /** Display name: a dotted path under the resource (`globalValidation.requireAuthentication`). */
  field: string;
  /** JSON path in the resource document the change applies to. */
  path: string[];
  kind: ChangeKind;
  before?: unknown;
  after?: unknown;
  /** Value is a secret: renderers print `(sensitive)` instead. */
  sensitive?: boolean;
  /** Changes who can call the app or how tokens are validated: listed again under their own heading. */
  security?: boolean;
  /** `after` derives from the time of planning (a generated key name): a saved plan is matched on `path` and kind only. */
  volatile?: boolean;
}

export type { TargetRef } from "../azure/targets.ts";
import type { TargetRef } from "../azure/targets.ts";

export type TargetStatus = "change" | "no-op" | "skip" | "error";

export interface TargetPlan {
  target: TargetRef;
  /** What kind of document this entry is about (`authsettingsV2`, `application`, `functionKey` …). */
  resource: string;
  /** The resource kind that planned it (`auth`, `registration`, `site`, `keys`). */
  kind?: string;
  status: TargetStatus;
  changes: FieldChange[];
  /** Owned fields already as desired. */
  unchanged: number;
  warnings: string[];
  /** Why a target is skipped or failed, and what to do. */
  reason?: { message: string; fix?: string };
  /** The target does not exist yet and applying creates it (a new registration). */
  creates?: boolean;
  /** Hash of the observed document, to refuse applying a plan to a changed target. */
  fingerprint?: string;
}

export interface PlanHeader {
  command: string;
  tenantId?: string;
  subscriptions: string[];
  principal?: string;
  /** How apps were found besides the listed ones (config `select:`, `--tag`, `--subscription`). */
  selection?: string;
}

export interface Plan {
  formatVersion: 1;
  command: string;
  createdAt: string;
  header: PlanHeader;
  targets: TargetPlan[];
}

export interface PlanSummary {
  add: number;
  change: number;
  remove: number;
  unchanged: number;
  /** Targets with changes, `targetsToAdd` of them created (a new registration). */
  targetsToChange: number;
  targetsToAdd: number;
  /** Targets planned with nothing to do. */
  targetsUnchanged: number;
  skipped: number;
  errors: number;
}

export function summarize(targets: readonly TargetPlan[]): PlanSummary {
  const s: PlanSummary = {
    add: 0,
    change: 0,
    remove: 0,
    unchanged: 0,
    targetsToChange: 0,
    targetsToAdd: 0,
    targetsUnchanged: 0,
    skipped: 0,
    errors: 0,
  };
  for (const t of targets) {
    s.unchanged += t.unchanged;
    if (t.status === "skip") s.skipped++;
    if (t.status === "error") s.errors++;
    if (t.status === "no-op") s.targetsUnchanged++;
    if (t.status !== "change") continue;
    s.targetsToChange++;
    if (t.creates) s.targetsToAdd++;
    for (const c of t.changes) s[c.kind]++;
  }
  return s;
}

export function targetLabel(t: TargetRef): string {
  return t.slot ? `${t.name}/${t.slot}` : t.name;
}

export const hasChanges = (plan: Plan): boolean => plan.targets.some((t) => t.status === "change");
