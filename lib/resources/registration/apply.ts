import { GraphRequestError, type GraphApi } from "../../azure/graph-client.ts";
import { InternalError, RefusedError } from "../../errors.ts";
import { writeBackup, type BackupMeta } from "../../pipeline/backup.ts";
import type { TargetRef } from "../../pipeline/model.ts";
import {
  anyOf,
  disableNotReplicated,
  roleNotReplicated,
  msaNotReplicated,
  noBackingApplication,
  notYetVisible,
  referenceNotPresent,
  retryableStatus,
  withConsistencyRetry,
  type RetryPolicy,
  type Transient,
} from "./consistency.ts";
import { odataString, readGrants, readServicePrincipal } from "./observe.ts";
import { APP_ID, SP_ID, type GraphStep, type JsonObject, type Observed } from "./types.ts";

/**
 * The objects about to change, as read (application, service principal, admin-consent grants, assignments), written
 * before the first write (mode 0600). Reads select no credentials, and writeBackup drops secret members anyway.
 */
export function backupRegistration(
  dir: string,
  ref: TargetRef,
  resource: string,
  observed: Observed,
  meta: BackupMeta,
): string | undefined {
  if (!observed.application) return undefined;
  const { application, servicePrincipal, grants, assignments } = observed;
  return writeBackup(dir, ref, "registration", { resource, application, servicePrincipal, grants, assignments }, meta);
}

export interface ApplyDeps {
  graph: GraphApi;
  retry: RetryPolicy;
  progress?: (line: string) => void;
}

/** What the writes produced: ids of objects that existed or were created, and whether this run created them. */
export interface ApplyOutcome {
  applicationId?: string;
  appId?: string;
  servicePrincipalId?: string;
  createdApplication: boolean;
  createdServicePrincipal: boolean;
  writes: number;
}

interface Created {
  id: string;
  appId: string;
}

const never: Transient = () => false;

/**
 * The upsert found the registration already there: another run (or person) created it after this plan was made.
 * The rest of the plan assumed a new, empty registration, so the caller plans again against what exists.
 */
export class RegistrationExists extends Error {
  constructor(readonly uniqueName: string) {
    super(`application(uniqueName='${uniqueName}') was created by another writer since the plan was made`);
  }
}

/**
 * Makes the planned writes in order (plan.ts explains the order). Each write retries only the eventual-consistency
 * answer it can meet (docs/contracts/graph.md §5.2); throttling and 5xx are the SDK's RetryHandler's job, except for
 * the grant POST, which runs with the SDK's retry off.
 */
export async function applySteps(steps: GraphStep[], observed: Observed, deps: ApplyDeps): Promise<ApplyOutcome> {
  const { graph, retry } = deps;
  const out: ApplyOutcome = {
    applicationId: observed.application?.id,
    appId: observed.application?.appId,
    servicePrincipalId: observed.servicePrincipal?.id,
    createdApplication: false,
    createdServicePrincipal: false,
    writes: 0,
  };
  const fill = (body: JsonObject): JsonObject => {
    let text = JSON.stringify(body);
    if (text.includes(APP_ID)) text = text.replaceAll(APP_ID, need(out.appId, "appId"));
    if (text.includes(SP_ID)) text = text.replaceAll(SP_ID, need(out.servicePrincipalId, "service principal id"));
    return JSON.parse(text) as JsonObject;
  };
  const run = async <T>(step: GraphStep, transient: Transient, call: () => Promise<T>): Promise<T> => {
    deps.progress?.(step.why);
    const r = await withConsistencyRetry(call, transient, retry, (e, n) =>
      deps.progress?.(`${step.why}: ${e.status} ${e.code ?? ""} (not replicated yet?), retry ${n}`),
    );
    out.writes++;
    return r;
  };
  // 404s are transient only for objects this run just created; for anything else a 404 means it is gone.
  const fresh = () => (out.createdApplication ? notYetVisible : never);

  for (const step of steps) {
    switch (step.op) {
      case "createApplication": {
        // Upsert: idempotent under the SDK's retries and a concurrent run (docs/contracts/graph.md §2.6): 201 created,
        // 204 it existed (and took the body as an update). A concurrent creator can also make the body fail Graph's
        // rules (its scopes carry other ids), so a refused create is checked against what exists now.
        const path = `/applications(uniqueName=${odataString(step.uniqueName)})`;
        let created: Created | undefined;
        try {
          created = await run(step, never, () =>
            graph.patch<Created>(path, step.body, { Prefer: "create-if-missing" }),
          );
        } catch (e) {
          if (e instanceof GraphRequestError && e.status === 400) {
            const exists = await graph.get<Created>(path, { select: ["id"] }).then(
              () => true,
              () => false,
            );
            if (exists) throw new RegistrationExists(step.uniqueName);
          }
          throw e;
        }
        if (!created) throw new RegistrationExists(step.uniqueName);
        out.createdApplication = true;
        out.applicationId = created.id;
        out.appId = created.appId;
        break;
      }
      case "patchApplication": {
        const id = need(out.applicationId, "application id");
        const transient = anyOf(
          fresh(),
          out.createdApplication ? msaNotReplicated : never,
          step.afterDisable ? disableNotReplicated : never,
        );
        await run(step, transient, () => graph.patch(`/applications/${id}`, fill(step.body)));
        break;
      }
      case "createServicePrincipal": {
        const appId = need(out.appId, "appId");
        // Upsert by appId, not POST: a retried POST could create a second one (docs/contracts/graph.md §2.6, §5.4).
        const created = await run(step, anyOf(noBackingApplication, fresh()), () =>
          graph.patch<Created>(`/servicePrincipals(appId=${odataString(appId)})`, fill(step.body), {
            Prefer: "create-if-missing",
          }),
        );
        if (created) {
          out.createdServicePrincipal = true;
          out.servicePrincipalId = created.id;
        } else {
          out.servicePrincipalId = need((await readServicePrincipal(graph, appId, retry))?.id, "service principal id");
        }
        break;
      }
      case "patchServicePrincipal": {
        const id = need(out.servicePrincipalId, "service principal id");
        await run(step, out.createdServicePrincipal ? notYetVisible : never, () =>
          graph.patch(`/servicePrincipals/${id}`, fill(step.body)),
        );
        break;
      }
      case "createGrant": {
        const body = fill(step.body);
        try {
          // The SDK's retry is off for this POST; this retry covers throttling too, and "already exists" below makes it idempotent.
          await run(
            step,
            anyOf(referenceNotPresent, out.createdServicePrincipal ? notYetVisible : never, retryableStatus),
            () => graph.postOnce("/oauth2PermissionGrants", body),
          );
        } catch (e) {
          // One grant per (client, resource, consentType): an earlier attempt whose answer was lost, or another writer.
          if (!(e instanceof GraphRequestError && e.status === 400 && /already exists/i.test(e.message))) throw e;
          await mergeIntoExisting(graph, body, deps);
          out.writes++;
        }
        break;
      }
      case "createAssignment": {
        const spId = need(out.servicePrincipalId, "service principal id");
        const body = fill(step.body);
        try {
          // A role added by this run's PATCH may not be visible to the assignment yet: Graph answers "not found on
          // application" until it is (docs/contracts/graph.md §5.2).
          const transient = anyOf(
            out.createdServicePrincipal ? notYetVisible : never,
            out.writes > 0 ? roleNotReplicated : never,
            retryableStatus,
          );
          await run(step, transient, () =>
            graph.postOnce(`/servicePrincipals/${encodeURIComponent(spId)}/appRoleAssignedTo`, body),
          );
        } catch (e) {
          // An earlier attempt whose answer was lost, or another writer: the assignment exists, which is what is wanted.
          if (!(e instanceof GraphRequestError && e.status === 400 && /already exists/i.test(e.message))) throw e;
        }
        break;
      }
      case "deleteAssignment": {
        const spId = need(out.servicePrincipalId, "service principal id");
        await run(step, never, () =>
          graph.delete(
            `/servicePrincipals/${encodeURIComponent(spId)}/appRoleAssignedTo/${encodeURIComponent(step.assignmentId)}`,
          ),
        );
        break;
      }
      case "patchGrant":
        await run(step, never, () =>
          graph.patch(`/oauth2PermissionGrants/${encodeURIComponent(step.grantId)}`, step.body),
        );
        break;
    }
  }
  return out;
}

async function mergeIntoExisting(graph: GraphApi, body: JsonObject, deps: ApplyDeps): Promise<void> {
  const grants = await readGrants(graph, String(body.clientId));
  const grant = grants.find((g) => g.resourceId.toLowerCase() === String(body.resourceId).toLowerCase());
  if (!grant) {
    throw new RefusedError(
      `Graph says the consent grant exists, but it cannot be read (client ${String(body.clientId)}); nothing more was written`,
      { fix: "Run again in a minute: the grant may not be replicated to every reader yet." },
    );
  }
  const have = (grant.scope ?? "").split(" ").filter(Boolean);
  const add = String(body.scope)
    .split(" ")
    .filter((s) => s && !have.includes(s));
  if (add.length === 0) return;
  deps.progress?.("merge scopes into the existing consent grant");
  await graph.patch(`/oauth2PermissionGrants/${encodeURIComponent(grant.id)}`, { scope: [...have, ...add].join(" ") });
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined || v === "") throw new InternalError(`${what} is not known at this step`);
  return v;
}
