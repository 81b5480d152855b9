import { randomUUID } from "node:crypto";
import type { GraphApi } from "../../azure/graph-client.ts";
import { VerificationError } from "../../errors.ts";
import type { ApplyOutcome } from "./apply.ts";
import type { RetryPolicy } from "./consistency.ts";
import type { DesiredRegistration } from "./desired.ts";
import { readApplication, readAssignments, readGrants, readServicePrincipal } from "./observe.ts";
import { planRegistration } from "./plan.ts";
import type { GraphStep, Observed } from "./types.ts";

const touches = (steps: GraphStep[], ops: GraphStep["op"][]) => steps.some((s) => ops.includes(s.op));

/**
 * Re-reads what was written and plans again: anything still to do is a field Graph did not keep. Reads right after
 * a write may be served by a replica that has not seen it ("a recently updated property [may] not yet be visible",
 * docs/contracts/graph.md §5.2), so the pipeline retries a mismatch (verifyBackoff), bounded, before it is reported.
 */
export async function verifyRegistration(
  graph: GraphApi,
  desired: DesiredRegistration,
  before: Observed,
  steps: GraphStep[],
  outcome: ApplyOutcome,
  retry: RetryPolicy,
): Promise<void> {
  const appId = outcome.appId!;
  // A 404 here is replication lag: the objects were just written (or just created by a racing run).
  const application = touches(steps, ["createApplication", "patchApplication"])
    ? await readApplication(graph, { appId }, retry)
    : before.application;
  const servicePrincipal = touches(steps, ["createServicePrincipal", "patchServicePrincipal"])
    ? await readServicePrincipal(graph, appId, retry)
    : before.servicePrincipal;
  const grants =
    touches(steps, ["createGrant", "patchGrant"]) && servicePrincipal
      ? await readGrants(graph, servicePrincipal.id)
      : before.grants;
  const assignments =
    touches(steps, ["createAssignment", "deleteAssignment"]) && servicePrincipal
      ? await readAssignments(graph, servicePrincipal.id)
      : before.assignments;
  const again = planRegistration(
    { ...desired, appId },
    { application, servicePrincipal, grants, resources: before.resources, assignments, callers: before.callers },
    randomUUID,
  );
  const remaining = again.changes.map((c) => c.field);
  if (remaining.length) {
    throw new VerificationError(`Graph accepted the writes but does not show: ${remaining.join(", ")}`, remaining, {
      fix: "Run again; if it persists, compare the registration in the portal (Entra ID > App registrations > Manifest).",
    });
  }
}

/** Doubling from the policy's first delay, capped: the same back-off as the reads. */
export const verifyBackoff = (retry: RetryPolicy) => ({
  attempts: retry.attempts,
  delayMs: (attempt: number) => Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempt - 1)),
});
