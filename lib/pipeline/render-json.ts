import { ConfigError, ToolError, errorMessage } from "../errors.ts";
import { summarize, targetLabel, type Plan, type PlanSummary } from "./model.ts";

export const OUTPUT_FORMAT_VERSION = 1;

export interface TargetResult {
  target: string;
  resource: string;
  outcome: "unchanged" | "updated" | "skipped" | "failed" | "planned";
  message?: string;
  fix?: string;
}

/** One problem, as Terraform's `-json` reports them: fatal ones have no target. */
export interface Diagnostic {
  severity: "error" | "warning";
  summary: string;
  detail?: string[];
  fix?: string;
  /** `app` or `app/slot` and the resource, for per-target problems. */
  target?: string;
  resource?: string;
}

export interface JsonOutput {
  formatVersion: typeof OUTPUT_FORMAT_VERSION;
  command: string;
  plan: Plan;
  summary: PlanSummary;
  applied: boolean;
  results: TargetResult[];
  diagnostics: Diagnostic[];
}

/** What a run that stopped before it had a plan prints. */
export type FatalJsonOutput = Pick<JsonOutput, "formatVersion" | "command" | "applied" | "diagnostics">;

const text = (out: JsonOutput | FatalJsonOutput) => JSON.stringify(out, null, 2) + "\n";

/** Warnings and skips of the plan, and every failed target, as diagnostics. */
function targetDiagnostics(plan: Plan, results: readonly TargetResult[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const t of plan.targets) {
    const where = { target: targetLabel(t.target), resource: t.resource };
    for (const w of t.warnings) out.push({ severity: "warning", summary: w, ...where });
    if (t.status === "skip" && t.reason)
      out.push({
        severity: "warning",
        summary: `skipped: ${t.reason.message}`,
        ...(t.reason.fix ? { fix: t.reason.fix } : {}),
        ...where,
      });
  }
  for (const r of results) {
    if (r.outcome !== "failed") continue;
    out.push({
      severity: "error",
      summary: r.message ?? "failed",
      ...(r.fix ? { fix: r.fix } : {}),
      target: r.target,
      resource: r.resource,
    });
  }
  return out;
}

/** The one document `--json` prints on stdout (schema: docs/json-output.schema.json). */
export function renderJson(plan: Plan, results: TargetResult[], applied: boolean): string {
  return text({
    formatVersion: OUTPUT_FORMAT_VERSION,
    command: plan.command,
    plan,
    summary: summarize(plan.targets),
    applied,
    results,
    diagnostics: targetDiagnostics(plan, results),
  });
}

/** A run that stopped before or while planning (bad flags or config, sign-in, a stale plan): still one document. */
export function renderFatalJson(command: string, e: unknown): string {
  const d: Diagnostic = { severity: "error", summary: errorMessage(e) };
  if (e instanceof ConfigError && e.issues.length) d.detail = e.issues;
  if (e instanceof ToolError && e.fix) d.fix = e.fix;
  return text({ formatVersion: OUTPUT_FORMAT_VERSION, command, applied: false, diagnostics: [d] });
}
