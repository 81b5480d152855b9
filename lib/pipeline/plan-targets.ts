import pLimit from "p-limit";
import { startInterleaved } from "./interleave.ts";
import { AzureRequestError, ToolError } from "../errors.ts";
import type { AnyKind, KindPlan, KindTarget, Reconciler } from "./contract.ts";
import { planningMemo } from "./memo.ts";
import { targetLabel, type TargetPlan } from "./model.ts";
import { targetReason } from "./target-error.ts";

/** A kind ready to run: its reconciler bound to the session, and the targets the selection covers. */
export interface BoundKind {
  kind: AnyKind;
  reconciler: Reconciler;
  targets: KindTarget[];
}

/** One planned target and what applying it needs. */
export interface Planned {
  bound: BoundKind;
  target: KindTarget;
  plan: TargetPlan;
  /** Absent when observing or planning failed (status "error"). */
  kplan?: KindPlan;
  observed?: unknown;
}

/** Errors a target can fail with on its own; anything else is a bug and stops the run. */
export const isTargetError = (e: unknown): boolean => e instanceof ToolError || e instanceof AzureRequestError;

export const entryLabel = (p: Pick<TargetPlan, "target" | "resource">): string =>
  `${targetLabel(p.target)} ${p.resource}`;

function targetPlan(kind: string, t: KindTarget, k: KindPlan, fingerprint: string): TargetPlan {
  return {
    target: t.ref,
    resource: t.resource,
    kind,
    status: k.status,
    changes: k.changes,
    unchanged: k.unchanged,
    warnings: k.warnings,
    ...(k.reason ? { reason: k.reason } : {}),
    ...(k.creates ? { creates: true } : {}),
    fingerprint,
  };
}

function failedPlan(kind: AnyKind, t: KindTarget, e: unknown): TargetPlan {
  return {
    target: t.ref,
    resource: t.resource,
    kind: kind.kind,
    status: "error",
    changes: [],
    unchanged: 0,
    warnings: [],
    reason: targetReason(e, kind.command),
  };
}

/**
 * Observes and plans every target of every kind, read-only, at most `concurrency` at once. A target that fails is an
 * "error" entry; the others go on. Reads shared between targets (a host's keys) are made once.
 */
export async function planTargets(
  kinds: readonly BoundKind[],
  concurrency: number,
  progress: (line: string) => void,
): Promise<Planned[]> {
  const limit = pLimit(Math.max(1, concurrency));
  const memo = planningMemo();
  const planOne = async (bound: BoundKind, target: KindTarget): Promise<Planned> => {
    const r = bound.reconciler;
    const label = `${targetLabel(target.ref)} ${target.resource}`;
    try {
      const observed = await r.observe(target, memo);
      let kplan = r.plan(target, observed);
      if (r.refine) kplan = await r.refine(target, observed, kplan, memo);
      const plan = targetPlan(bound.kind.kind, target, kplan, r.fingerprint(observed));
      progress(`planned ${label}: ${plan.status}${kplan.notes?.length ? ` (${kplan.notes.join("; ")})` : ""}`);
      return { bound, target, plan, kplan, observed };
    } catch (e) {
      if (!isTargetError(e)) throw e;
      const plan = failedPlan(bound.kind, target, e);
      progress(`planned ${label}: error: ${plan.reason!.message}`);
      return { bound, target, plan };
    }
  };
  const perKind = await Promise.all(
    kinds.map((b) =>
      Promise.all(
        startInterleaved(
          b.targets,
          (t) => t.ref.subscriptionId,
          (t) => limit(() => planOne(b, t)),
        ),
      ),
    ),
  );
  for (const [i, b] of kinds.entries())
    b.reconciler.checkPlans?.(perKind[i]!.map((p) => ({ target: p.target, plan: p.kplan })));
  return perKind.flat();
}
