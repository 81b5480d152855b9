import pLimit from "p-limit";
import { startInterleaved } from "./interleave.ts";
import { jsonEqual } from "../azure/json.ts";
import { retrying } from "../azure/retry.ts";
import { RefusedError, VerificationError } from "../errors.ts";
import { targetReason } from "./target-error.ts";
import { EXIT } from "./exit-codes.ts";
import { keyedSerial } from "./lock.ts";
import { freshReads } from "./memo.ts";
import type { Plan, PlanHeader, TargetPlan } from "./model.ts";
import { entryLabel, planTargets, type BoundKind, type Planned } from "./plan-targets.ts";
import { assertPlanCurrent, planKey, readPlanFile, writePlanFile } from "./plan-file.ts";
import { progressReporter } from "./progress.ts";
import { renderJson, type TargetResult } from "./render-json.ts";
import { renderPlanText } from "./render-text.ts";
import { renderResults, resultOf } from "./results.ts";

/** Where output goes and how to ask: the real process, or a test's capture. */
export interface OutputIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdinIsTTY: boolean;
  /** stderr is a terminal: progress is one live line instead of plain lines. */
  stderrIsTTY?: boolean;
  /** Width of that terminal, for the live line. */
  stderrColumns?: number;
  color: boolean;
  confirm: (question: string) => Promise<boolean>;
}

export interface RunOptions extends OutputIo {
  dryRun: boolean;
  yes: boolean;
  json: boolean;
  detailedExitcode: boolean;
  planOut?: string;
  planIn?: string;
  concurrency: number;
}

export interface PipelineSpec {
  command: string;
  header: PlanHeader;
  /** In dependency order: a kind is applied only after the kinds before it. */
  kinds: BoundKind[];
}

function sameChanges(saved: TargetPlan, fresh: TargetPlan): boolean {
  // `path` identifies a change; `field` is display text and, for a volatile change, carries the planning time.
  const key = (c: TargetPlan["changes"][number]) => [c.path, c.kind, c.sensitive || c.volatile ? null : c.after];
  return jsonEqual(saved.changes.map(key), fresh.changes.map(key));
}

function outcomeOf(t: TargetPlan): TargetResult["outcome"] {
  return t.status === "no-op"
    ? "unchanged"
    : t.status === "skip"
      ? "skipped"
      : t.status === "error"
        ? "failed"
        : "planned";
}

/** A saved plan applies only if the config still produces exactly its changes for every target it holds. */
function assertSamePlan(saved: Plan, fresh: Plan): void {
  const now = new Map(fresh.targets.map((t) => [planKey(t), t]));
  const drift = saved.targets.filter((s) => {
    const f = now.get(planKey(s));
    return !f || !sameChanges(s, f);
  });
  if (drift.length) {
    throw new RefusedError(
      `The config no longer produces the saved plan for ${drift.map(entryLabel).join(", ")}; nothing was applied.`,
      { fix: "Make and review a new plan with --plan-out." },
    );
  }
}

/**
 * Applies one planned target: re-observe and refuse if it moved (after a prompt or from a saved plan, time has
 * passed; no ETag exists for these documents), or, unattended, re-read what the write replaces (`reread`: a fleet's
 * plan can be minutes old by the time a throttled write goes out); apply; then verify through the one retry loop.
 */
async function applyOne(p: Planned, reobserve: boolean, log: (line: string) => void): Promise<TargetResult> {
  const r = p.bound.reconciler;
  const kplan = p.kplan!;
  let observed = p.observed;
  const again = reobserve ? r.observe(p.target, freshReads) : r.reread?.(p.target, p.observed, kplan);
  if (again) {
    observed = await again;
    if (r.fingerprint(observed) !== p.plan.fingerprint) {
      throw new RefusedError(
        `${entryLabel(p.plan)} changed since it was planned (another writer?); nothing was written`,
        { fix: "Run the command again to plan against the current state." },
      );
    }
  }
  const applied = await r.apply(p.target, kplan, observed, { log });
  if (r.verify) {
    const policy = r.verifyRetry ?? { attempts: 1, delayMs: () => 0 };
    await retrying(() => r.verify!(p.target, kplan, observed, applied), {
      attempts: policy.attempts,
      retryable: (e): e is VerificationError => e instanceof VerificationError,
      delayMs: (attempt) => policy.delayMs(attempt),
    });
  }
  return resultOf(p.plan, "updated", applied.message);
}

/**
 * Kinds in dependency order (a registration before the Easy Auth that names it); the targets of one kind side by
 * side, at most `concurrency` at once and one writer per lock key. A failed target is a result; the others go on.
 */
async function applyAll(
  kinds: readonly BoundKind[],
  changing: readonly Planned[],
  o: { reobserve: boolean; concurrency: number; progress: (line: string) => void },
): Promise<TargetResult[]> {
  const serial = keyedSerial();
  let done = 0;
  const applied: TargetResult[] = [];
  for (const bound of kinds) {
    const limit = pLimit(Math.max(1, o.concurrency));
    const mine = changing.filter((p) => p.bound === bound);
    const results = await Promise.all(
      startInterleaved(
        mine,
        (p) => p.target.ref.subscriptionId,
        (p) =>
          limit(() =>
            serial(`${bound.kind.kind}|${bound.reconciler.lockKey(p.target)}`, async (): Promise<TargetResult> => {
              const label = entryLabel(p.plan);
              try {
                const r = await applyOne(p, o.reobserve, o.progress);
                o.progress(
                  `[${++done}/${changing.length}] ${label}: ${r.outcome}${r.message ? ` (${r.message})` : ""}`,
                );
                return r;
              } catch (e) {
                const why = targetReason(e, bound.kind.command);
                o.progress(`[${++done}/${changing.length}] ${label}: failed: ${why.message}`);
                return resultOf(p.plan, "failed", why.message, why.fix);
              }
            }),
          ),
      ),
    );
    applied.push(...results);
  }
  return applied;
}

/**
 * The shape every writing command shares: observe → plan → render → confirm → apply → verify → summary.
 * Returns the exit code; only the entry point exits.
 */
export async function runPipeline(spec: PipelineSpec, o: RunOptions): Promise<number> {
  const reporter = progressReporter(o.stderr, Boolean(o.stderrIsTTY), o.stderrColumns);
  const progress = (line: string) => o.stderr.write(`${line}\n`);
  const planned = await planTargets(spec.kinds, o.concurrency, reporter.line);
  reporter.done();
  const plan: Plan = {
    formatVersion: 1,
    command: spec.command,
    createdAt: new Date().toISOString(),
    header: spec.header,
    targets: planned.map((p) => p.plan),
  };

  if (o.planIn) {
    const saved = readPlanFile(o.planIn, spec.command);
    assertPlanCurrent(saved, plan);
    assertSamePlan(saved, plan);
  }

  if (!o.json) o.stdout.write(renderPlanText(plan, { color: o.color }));
  if (o.planOut) {
    writePlanFile(o.planOut, plan);
    progress(`plan saved to ${o.planOut}`);
  }

  const changing = planned.filter((p) => p.plan.status === "change" && p.kplan);
  const baseResults = planned
    .filter((p) => !changing.includes(p))
    .map((p) => resultOf(p.plan, outcomeOf(p.plan), p.plan.reason?.message, p.plan.reason?.fix));
  const planErrors = planned.some((p) => p.plan.status === "error");

  // As `terraform plan -out`: a saved plan is for review, applied later with --plan; nothing is written now.
  if (o.dryRun || o.planOut || changing.length === 0) {
    const results = [...baseResults, ...changing.map((p) => resultOf(p.plan, "planned"))];
    if (o.json) o.stdout.write(renderJson(plan, results, false));
    if (planErrors) return EXIT.error;
    return o.detailedExitcode && changing.length > 0 ? EXIT.changes : EXIT.ok;
  }

  let prompted = false;
  if (!o.yes && !o.planIn) {
    if (!o.stdinIsTTY)
      throw new RefusedError(
        "Changes are planned but stdin is not a terminal, so there is no one to confirm them; nothing was applied.",
        { fix: "Review the plan and rerun with --yes (or apply a reviewed plan with --plan <file>)." },
      );
    if (
      !(await o.confirm(`Apply ${changing.length} change${changing.length > 1 ? "s" : ""}? Only 'yes' is accepted: `))
    ) {
      progress("Apply cancelled; nothing was changed.");
      return EXIT.error;
    }
    prompted = true;
  }

  const applied = await applyAll(spec.kinds, changing, {
    reobserve: prompted || Boolean(o.planIn),
    concurrency: o.concurrency,
    progress,
  });
  const results = [...baseResults, ...applied];
  if (o.json) o.stdout.write(renderJson(plan, results, true));
  else o.stdout.write(renderResults(results));
  return results.some((r) => r.outcome === "failed") ? EXIT.error : EXIT.ok;
}
