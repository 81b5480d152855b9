import type { JsonOutput } from "../../../lib/pipeline/render-json.ts";
import { targetLabel } from "../../../lib/pipeline/model.ts";

/** `app[/slot] resource` of every target that failed, sorted. */
export const failedTargets = (doc: JsonOutput): string[] =>
  doc.results
    .filter((r) => r.outcome === "failed")
    .map((r) => `${r.target} ${r.resource}`)
    .sort();

/**
 * Targets a plan still has changes for: a converged world has none, apart from `failing` (`app[/slot] resource`),
 * the targets a clean run also reports failed with its reason (a stopped app, a prerequisite not met).
 */
export const pendingChanges = (doc: JsonOutput, failing: readonly string[] = []): string[] =>
  doc.plan.targets
    .filter((t) => t.status === "change" && !failing.includes(`${targetLabel(t.target)} ${t.resource}`))
    .map((t) => `${targetLabel(t.target)} ${t.resource}: ${t.changes.map((c) => c.field).join(", ")}`)
    .sort();

export function parseJson(text: string, what: string): JsonOutput {
  try {
    return JSON.parse(text) as JsonOutput;
  } catch {
    throw new Error(`${what}: stdout is not one JSON document:\n${text.slice(0, 2000)}`);
  }
}
