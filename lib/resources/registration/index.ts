import { randomUUID } from "node:crypto";
import type { KindTarget, ResourceKind } from "../../pipeline/contract.ts";
import { fingerprint } from "../../pipeline/fingerprint.ts";
import { applySteps, backupRegistration, RegistrationExists, type ApplyOutcome } from "./apply.ts";
import { registrationSlice } from "./config.ts";
import { registrationExporter, registrationRestorer } from "./export.ts";
import { DEFAULT_CONSISTENCY_RETRY, type RetryPolicy } from "./consistency.ts";
import { desiredRegistration, registrationAddress, type DesiredRegistration } from "./desired.ts";
import { observeRegistration, ResourceCache } from "./observe.ts";
import { planRegistration } from "./plan.ts";
import type { GraphStep, Observed } from "./types.ts";
import { verifyBackoff, verifyRegistration } from "./verify.ts";
import { BACKUP_DIR_OPTION } from "../../pipeline/backup.ts";

const DEFAULT_BACKUP_DIR = ".backups/update-manifest";

declare module "../../pipeline/contract.ts" {
  interface RunTuning {
    /** Ids for new scopes and roles (tests use deterministic ones). */
    ids: () => string;
    /** Eventual-consistency back-off (tests shorten it). */
    consistencyRetry: RetryPolicy;
  }
}

export interface RegistrationTarget extends KindTarget {
  app: { name: string };
  desired: DesiredRegistration;
}

interface Written {
  outcome: ApplyOutcome;
  /** What the steps were planned against (after a lost create race, the registration the other writer made). */
  current: Observed;
  steps: GraphStep[];
}

/** What the fingerprint covers: the owned state as read (a saved plan is refused when it moved). */
const observedState = (o: Observed) => ({
  application: o.application ?? null,
  servicePrincipal: o.servicePrincipal ?? null,
  grants: o.grants,
  assignments: o.assignments ?? null,
});

/** Entra app registrations: the application, its service principal and admin consent, through Microsoft Graph. */
export const registrationKind: ResourceKind<RegistrationTarget, Observed, GraphStep[], Written> = {
  kind: "registration",
  command: "update-manifest",
  service: "graph",
  config: registrationSlice,
  exporter: registrationExporter(),
  restorer: registrationRestorer,
  options: {
    "backup-dir": BACKUP_DIR_OPTION,
  },
  // Registrations live in the tenant, not in a subscription, and an app and its slots share one.
  targets: (apps) =>
    apps.flatMap((app) =>
      app.registration
        ? [
            {
              ref: { subscriptionId: app.subscriptionId, resourceGroup: app.resourceGroup, name: app.name },
              resource: registrationAddress(app.registration),
              app,
              desired: desiredRegistration(app.registration),
            },
          ]
        : [],
    ),
  bind(run) {
    const retry = run.tuning.consistencyRetry ?? DEFAULT_CONSISTENCY_RETRY;
    const ids = run.tuning.ids ?? randomUUID;
    let resources: ResourceCache | undefined;
    const cache = () => (resources ??= new ResourceCache(run.graph()));
    return {
      lockKey: (t) => t.resource,
      observe: (t) => observeRegistration(run.graph(), t.desired, cache()),
      // Graph has no ETag for applications (docs/contracts/graph.md §2.4): only a re-read shows another writer.
      fingerprint: (o) => fingerprint(observedState(o)),
      plan(t, o) {
        const r = planRegistration(t.desired, o, ids);
        return {
          status: r.steps.length ? "change" : "no-op",
          creates: !o.application,
          changes: r.changes,
          unchanged: r.unchanged,
          warnings: r.warnings,
          detail: r.steps,
        };
      },
      async apply(t, plan, observed, ctx) {
        const graph = run.graph();
        const log = (l: string) => ctx.log(`${t.app.name}: ${l}`);
        const dir = typeof run.flags["backup-dir"] === "string" ? run.flags["backup-dir"] : DEFAULT_BACKUP_DIR;
        backupRegistration(dir, t.ref, t.resource, observed, {
          kind: "registration",
          tenantId: run.tenantId,
          toolVersion: run.toolVersion,
        });
        let current = observed;
        let steps = plan.detail!;
        let outcome: ApplyOutcome;
        try {
          outcome = await applySteps(steps, current, { graph, retry, progress: log });
        } catch (e) {
          if (!(e instanceof RegistrationExists)) throw e;
          // Lost a create race: plan once more against the registration the other writer made (read with back-off,
          // it is seconds old), and apply that.
          log(`${e.message}; planning again against it`);
          current = await observeRegistration(graph, t.desired, cache(), { retry404: retry });
          steps = planRegistration(t.desired, current, ids).steps;
          outcome = await applySteps(steps, current, { graph, retry, progress: log });
        }
        return {
          message: outcome.createdApplication ? `created, appId ${outcome.appId}` : undefined,
          result: { outcome, current, steps },
        };
      },
      verify: (t, _plan, _o, applied) =>
        verifyRegistration(
          run.graph(),
          t.desired,
          applied.result!.current,
          applied.result!.steps,
          applied.result!.outcome,
          retry,
        ),
      verifyRetry: verifyBackoff(retry),
    };
  },
};
