import pLimit from "p-limit";
import { jsonEqual } from "../azure/json.ts";
import { RefusedError, ToolError, errorMessage } from "../azure/errors.ts";
import { EXIT } from "../cli/main.ts";
import { summarize, targetLabel, type Plan, type PlanHeader, type TargetPlan } from "./model.ts";
import { assertPlanCurrent, readPlanFile, writePlanFile } from "./plan-file.ts";
import { renderJson, type TargetResult } from "./render-json.ts";
import { renderPlanText } from "./render-text.ts";
import { progressReporter } from "../cli/progress.ts";

/** A planned target and, when it has changes, how to apply them (a closure over what was observed). */
export interface PlannedTarget {
  plan: TargetPlan;
  apply?: (opts: { reobserve: boolean }) => Promise<TargetResult>;
}

export interface ReconcileSpec {
  command: string;
  header: PlanHeader;
  /** Observe and plan every selected target: read-only calls only. */
  planAll(progress: (line: string) => void): Promise<PlannedTarget[]>;
}

/** Where output goes and how to ask: the real process, or a test's capture. */
export interface OutputIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdinIsTTY: boolean;
  /** stderr is a terminal: progress is one live line instead of plain lines. */
  stderrIsTTY?: boolean;
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

function sameChanges(saved: TargetPlan, fresh: TargetPlan): boolean {
  // `path` identifies a change; `field` is display text and, for a volatile change, carries the planning time.
  const key = (c: TargetPlan["changes"][number]) => [c.path, c.kind, c.sensitive || c.volatile ? null : c.after];
  return jsonEqual(saved.changes.map(key), fresh.changes.map(key));
}

function outcomeOf(t: TargetPlan): TargetResult["outcome"] {
  return t.status === "no-op" ? "unchanged" : t.status === "skip" ? "skipped" : t.status === "error" ? "failed" : "planned";
}

export function resultOf(t: TargetPlan, outcome: TargetResult["outcome"], message?: string, fix?: string): TargetResult {
  return { target: targetLabel(t.target), resource: t.resource, outcome, ...(message ? { message } : {}), ...(fix ? { fix } : {}) };
}

/**
 * The shape every writing command shares (DESIGN §5): observe → plan → render → confirm → apply → verify → summary.
 * Returns the exit code; only the entry point exits.
 */
export async function runReconcile(spec: ReconcileSpec, o: RunOptions): Promise<number> {
  const reporter = progressReporter(o.stderr, Boolean(o.stderrIsTTY));
  const progress = (line: string) => o.stderr.write(`${line}\n`);
  const planned = await spec.planAll(reporter.line);
  reporter.done();
  const plan: Plan = { formatVersion: 1, command: spec.command, createdAt: new Date().toISOString(), header: spec.header, targets: planned.map((p) => p.plan) };

  if (o.planIn) {
    const saved = readPlanFile(o.planIn, spec.command);
    assertPlanCurrent(saved, plan);
    const drift = saved.targets.filter((s) => {
      const f = plan.targets.find((t) => t.resource === s.resource && targetLabel(t.target) === targetLabel(s.target) && t.target.resourceGroup === s.target.resourceGroup);
      return !f || !sameChanges(s, f);
    });
    if (drift.length) {
      throw new RefusedError(`The config no longer produces the saved plan for ${drift.map((d) => targetLabel(d.target)).join(", ")}; nothing was applied.`, { fix: "Make and review a new plan with --plan-out." });
    }
  }

  if (!o.json) o.stdout.write(renderPlanText(plan, { color: o.color }));
  if (o.planOut) {
    writePlanFile(o.planOut, plan);
    progress(`plan saved to ${o.planOut}`);
  }

  const changing = planned.filter((p) => p.plan.status === "change" && p.apply);
  const baseResults = planned.filter((p) => !changing.includes(p)).map((p) => resultOf(p.plan, outcomeOf(p.plan), p.plan.reason?.message, p.plan.reason?.fix));
  const planErrors = planned.some((p) => p.plan.status === "error");

  if (o.dryRun || changing.length === 0) {
    const results = [...baseResults, ...changing.map((p) => resultOf(p.plan, "planned"))];
    if (o.json) o.stdout.write(renderJson(plan, results, false));
    if (planErrors) return EXIT.error;
    return o.detailedExitcode && changing.length > 0 ? EXIT.changes : EXIT.ok;
  }

  let prompted = false;
  if (!o.yes && !o.planIn) {
    if (!o.stdinIsTTY) throw new RefusedError("Changes are planned but stdin is not a terminal, so there is no one to confirm them; nothing was applied.", { fix: "Review the plan and rerun with --yes (or apply a reviewed plan with --plan <file>)." });
    if (!(await o.confirm(`Apply ${changing.length} change${changing.length > 1 ? "s" : ""}? Only 'yes' is accepted: `))) {
      progress("Apply cancelled; nothing was changed.");
      return EXIT.error;
    }
    prompted = true;
  }

  const limit = pLimit(Math.max(1, o.concurrency));
  let done = 0;
  const applied = await Promise.all(
    changing.map((p) =>
      limit(async (): Promise<TargetResult> => {
        const label = `${targetLabel(p.plan.target)} ${p.plan.resource}`;
        try {
          // After a prompt or from a saved plan, time has passed since observing: re-read before writing.
          const r = await p.apply!({ reobserve: prompted || Boolean(o.planIn) });
          progress(`[${++done}/${changing.length}] ${label}: ${r.outcome}${r.message ? ` (${r.message})` : ""}`);
          return r;
        } catch (e) {
          progress(`[${++done}/${changing.length}] ${label}: failed: ${errorMessage(e)}`);
          return resultOf(p.plan, "failed", errorMessage(e), e instanceof ToolError ? e.fix : undefined);
        }
      }),
    ),
  );
  const results = [...baseResults, ...applied];
  if (o.json) o.stdout.write(renderJson(plan, results, true));
  else o.stdout.write(renderResults(results));
  return results.some((r) => r.outcome === "failed") ? EXIT.error : EXIT.ok;
}

export function renderResults(results: TargetResult[]): string {
  const count = (k: TargetResult["outcome"]) => results.filter((r) => r.outcome === k).length;
  const lines = results
    .filter((r) => r.outcome !== "unchanged")
    .map((r) => `  ${r.outcome.padEnd(9)} ${r.target} ${r.resource}${r.message ? `: ${r.message}` : ""}${r.fix ? `\n            fix: ${r.fix}` : ""}`);
  return ["", "Results:", ...lines, `Apply complete: ${count("updated")} updated, ${count("unchanged")} unchanged, ${count("skipped")} skipped, ${count("failed")} failed.`, ""].join("\n");
}

export { summarize };
