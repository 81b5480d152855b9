import { targetLabel, type TargetPlan } from "./model.ts";
import type { TargetResult } from "./render-json.ts";

export function resultOf(
  t: TargetPlan,
  outcome: TargetResult["outcome"],
  message?: string,
  fix?: string,
): TargetResult {
  return {
    target: targetLabel(t.target),
    resource: t.resource,
    outcome,
    ...(message ? { message } : {}),
    ...(fix ? { fix } : {}),
  };
}

export function renderResults(results: TargetResult[]): string {
  const count = (k: TargetResult["outcome"]) => results.filter((r) => r.outcome === k).length;
  const lines = results
    .filter((r) => r.outcome !== "unchanged")
    .map(
      (r) =>
        `  ${r.outcome.padEnd(9)} ${r.target} ${r.resource}${r.message ? `: ${r.message}` : ""}${r.fix ? `\n            fix: ${r.fix}` : ""}`,
    );
  return [
    "",
    "Results:",
    ...lines,
    `Apply complete: ${count("updated")} updated, ${count("unchanged")} unchanged, ${count("skipped")} skipped, ${count("failed")} failed.`,
    "",
  ].join("\n");
}
