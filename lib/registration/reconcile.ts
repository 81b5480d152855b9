import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import pLimit from "p-limit";
import { AzureRequestError, RefusedError, ToolError, VerificationError, errorMessage } from "../azure/errors.ts";
import type { GraphApi } from "../azure/graph-client.ts";
import type { AppConfig } from "../config/resolve.ts";
import { fingerprint } from "../plan/fingerprint.ts";
import type { PlanHeader, TargetPlan, TargetRef } from "../plan/model.ts";
import { resultOf, type PlannedTarget, type ReconcileSpec } from "../plan/run-command.ts";
import { applySteps, RegistrationExists, type ApplyOutcome } from "./apply.ts";
import { DEFAULT_CONSISTENCY_RETRY, type RetryPolicy } from "./consistency.ts";
import { desiredRegistration, registrationAddress, type DesiredRegistration } from "./desired.ts";
import { observeRegistration, readApplication, readGrants, readServicePrincipal, ResourceCache } from "./observe.ts";
import { planRegistration } from "./plan-registration.ts";
import type { GraphStep, Observed } from "./types.ts";

export interface UpdateManifestDeps {
  graph: GraphApi;
  concurrency: number;
  /** New scope and role ids; tests inject a deterministic one. */
  ids?: () => string;
  retry?: RetryPolicy;
  /** Plain progress lines during apply (each write, each eventual-consistency retry). */
  log?: (line: string) => void;
}

const targetOf = (app: AppConfig): TargetRef => ({ subscriptionId: app.subscriptionId, resourceGroup: app.resourceGroup, name: app.name });

/** What the fingerprint covers: the owned state as read (a saved plan is refused when it moved). */
const observedState = (o: Observed) => ({ application: o.application ?? null, servicePrincipal: o.servicePrincipal ?? null, grants: o.grants });

function failed(target: TargetRef, resource: string, e: unknown): TargetPlan {
  return { target, resource, status: "error", changes: [], unchanged: 0, warnings: [], reason: { message: errorMessage(e), fix: e instanceof ToolError ? e.fix : undefined } };
}

const touches = (steps: GraphStep[], ops: GraphStep["op"][]) => steps.some((s) => ops.includes(s.op));

/**
 * Re-reads what was written and plans again: anything still to do is a field Graph did not keep. Reads right after
 * a write may be served by a replica that has not seen it ("a recently updated property [may] not yet be visible",
 * graph-contract §5.2), so a mismatch is read again, bounded, before it is reported.
 */
async function verify(desired: DesiredRegistration, before: Observed, steps: GraphStep[], outcome: ApplyOutcome, deps: Required<Pick<UpdateManifestDeps, "graph" | "retry">>): Promise<void> {
  const { graph, retry } = deps;
  const appId = outcome.appId!;
  const address = { ...desired, appId };
  let remaining: string[] = [];
  let delay = retry.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    // A 404 here is replication lag: the objects were just written (or just created by a racing run).
    const fresh = retry;
    const application = touches(steps, ["createApplication", "patchApplication"]) ? await readApplication(graph, { appId }, fresh) : before.application;
    const servicePrincipal = touches(steps, ["createServicePrincipal", "patchServicePrincipal"]) ? await readServicePrincipal(graph, appId, fresh) : before.servicePrincipal;
    const grants = touches(steps, ["createGrant", "patchGrant"]) && servicePrincipal ? await readGrants(graph, servicePrincipal.id) : before.grants;
    const again = planRegistration(address, { application, servicePrincipal, grants, resources: before.resources }, randomUUID);
    remaining = again.changes.map((c) => c.field);
    if (remaining.length === 0) return;
    if (attempt >= retry.attempts) break;
    await sleep(delay);
    delay = Math.min(retry.maxDelayMs, delay * 2);
  }
  throw new VerificationError(`Graph accepted the writes but does not show: ${remaining.join(", ")}`, remaining, { fix: "Run again; if it persists, compare the registration in the portal (Entra ID > App registrations > Manifest)." });
}

/** update-manifest as a ReconcileSpec: one entry per app with a `registration` block. */
export function updateManifestSpec(apps: AppConfig[], deps: UpdateManifestDeps, header: PlanHeader): ReconcileSpec {
  const graph = deps.graph;
  const retry = deps.retry ?? DEFAULT_CONSISTENCY_RETRY;
  const ids = deps.ids ?? randomUUID;
  const resources = new ResourceCache(graph);

  const planTarget = async (app: AppConfig): Promise<PlannedTarget> => {
    const target = targetOf(app);
    const resource = registrationAddress(app.registration!);
    const desired = desiredRegistration(app.registration!);
    const observed = await observeRegistration(graph, desired, resources);
    const fp = fingerprint(observedState(observed));
    const result = planRegistration(desired, observed, ids);
    const base = { target, resource, fingerprint: fp, unchanged: result.unchanged, warnings: result.warnings };
    if (result.steps.length === 0) return { plan: { ...base, status: "no-op", changes: [] } };
    const plan: TargetPlan = { ...base, status: "change", changes: result.changes };
    return {
      plan,
      apply: async ({ reobserve }) => {
        let current = observed;
        let steps = result.steps;
        if (reobserve) {
          // Graph has no ETag for applications (graph-contract §2.4): a re-read is the only way to see another writer.
          current = await observeRegistration(graph, desired, resources);
          if (fingerprint(observedState(current)) !== fp) {
            throw new RefusedError(`${resource} changed since it was planned (another writer?); nothing was written`, { fix: "Run the command again to plan against the current registration." });
          }
          steps = planRegistration(desired, current, ids).steps;
        }
        const applyDeps = { graph, retry, progress: deps.log && ((l: string) => deps.log!(`${app.name}: ${l}`)) };
        let outcome: ApplyOutcome;
        try {
          outcome = await applySteps(steps, current, applyDeps);
        } catch (e) {
          if (!(e instanceof RegistrationExists)) throw e;
          // Lost a create race: plan once more against the registration the other writer made (read with back-off,
          // it is seconds old), and apply that.
          deps.log?.(`${app.name}: ${e.message}; planning again against it`);
          current = await observeRegistration(graph, desired, resources, { retry404: retry });
          steps = planRegistration(desired, current, ids).steps;
          outcome = await applySteps(steps, current, applyDeps);
        }
        await verify(desired, current, steps, outcome, { graph, retry });
        return resultOf(plan, "updated", outcome.createdApplication ? `created, appId ${outcome.appId}` : undefined);
      },
    };
  };

  return {
    command: "update-manifest",
    header,
    async planAll(progress) {
      const limit = pLimit(Math.max(1, deps.concurrency));
      return Promise.all(
        apps
          .filter((a) => a.registration)
          .map((app) =>
            limit(async (): Promise<PlannedTarget> => {
              try {
                const planned = await planTarget(app);
                progress(`planned ${app.name}: ${planned.plan.status}`);
                return planned;
              } catch (e) {
                if (!(e instanceof ToolError) && !(e instanceof AzureRequestError)) throw e;
                progress(`planned ${app.name}: error`);
                return { plan: failed(targetOf(app), registrationAddress(app.registration!), e) };
              }
            }),
          ),
      );
    },
  };
}
