import { summarize, type Plan, type PlanSummary } from "./model.ts";

export const OUTPUT_FORMAT_VERSION = 1;

export interface TargetResult {
  target: string;
  resource: string;
  outcome: "unchanged" | "updated" | "skipped" | "failed" | "planned";
  message?: string;
  fix?: string;
}

export interface JsonOutput {
  formatVersion: typeof OUTPUT_FORMAT_VERSION;
  command: string;
  plan: Plan;
  summary: PlanSummary;
  applied: boolean;
  results: TargetResult[];
}

/** The one document `--json` prints on stdout (schema: docs/json-output.schema.json). */
export function renderJson(plan: Plan, results: TargetResult[], applied: boolean): string {
  const out: JsonOutput = {
    formatVersion: OUTPUT_FORMAT_VERSION,
    command: plan.command,
    plan,
    summary: summarize(plan.targets),
    applied,
    results,
  };
  return JSON.stringify(out, null, 2) + "\n";
}
