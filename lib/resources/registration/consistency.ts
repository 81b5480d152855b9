import { retrying } from "../../azure/retry.ts";
import { AzureRequestError } from "../../errors.ts";
import { GraphRequestError } from "../../azure/graph-client.ts";

/**
 * Bounded back-off for Entra's eventual consistency: "A newly created object [may] return a 'Not Found'" and
 * "A recently updated property [may] not yet be visible" (docs/contracts/graph.md §5.2). Exponential from
 * `initialDelayMs` with jitter, capped at `maxDelayMs`, at most `attempts` tries: a poll that ends as soon as the
 * object shows up, not a fixed sleep.
 */
export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

// 0.25 s doubling to 8 s, 10 tries: about 40 s in all (docs/update-manifest.md, "Eventual consistency").
export const DEFAULT_CONSISTENCY_RETRY: RetryPolicy = { attempts: 10, initialDelayMs: 250, maxDelayMs: 8_000 };

export type Transient = (e: GraphRequestError) => boolean;

/** Runs `fn`, retrying only the errors `transient` names; every other error and the last attempt's error propagate. */
export function withConsistencyRetry<T>(
  fn: () => Promise<T>,
  transient: Transient,
  policy: RetryPolicy,
  onRetry?: (e: GraphRequestError, attempt: number) => void,
  wait?: (ms: number) => Promise<unknown>,
): Promise<T> {
  return retrying(fn, {
    attempts: policy.attempts,
    retryable: (e): e is GraphRequestError => e instanceof GraphRequestError && transient(e),
    // Retry-After, when the service sends one, wins over the back-off (doubling from initialDelayMs, ±25 % jitter).
    delayMs: (attempt, e) =>
      e.retryAfterMs ??
      Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5),
    onRetry,
    wait,
  });
}

// The named eventual-consistency answers; the SDK retries none (docs/contracts/graph.md §5.1, §5.2, §3.4, §5.4).

/** 404 for an object this run has just created (or that was created moments ago): not replicated yet. */
export const notYetVisible: Transient = (e) =>
  e.status === 404 && (e.code === "Request_ResourceNotFound" || e.code === undefined);

/** POST/upsert of a service principal right after its application: 400 with details NoBackingApplicationObject. */
export const noBackingApplication: Transient = (e) =>
  e.status === 400 && e.detailCodes.includes("NoBackingApplicationObject");

/**
 * A grant naming a service principal that is not replicated yet. The service gives no distinct code, so this matches
 * the message as terraform-provider-azuread does (service_principal_delegated_permission_grant_resource.go).
 */
export const referenceNotPresent: Transient = (e) =>
  e.status === 400 &&
  /does not exist or one of its queried reference-property objects are not present/i.test(e.message);

/** Disable-then-remove's second write reaching a replica that missed the first (docs/contracts/graph.md §2.2). */
export const disableNotReplicated: Transient = (e) =>
  e.status === 400 && e.code === "CannotDeleteOrUpdateEnabledEntitlement";

/** An app role assigned right after the PATCH that added it: the assignment does not see the role yet. */
export const roleNotReplicated: Transient = (e) =>
  e.status === 400 && /Permission being assigned was not found/i.test(e.message);

/** 409 on the first write to a new personal-account app: its MSA side lags (docs/contracts/graph.md §5.1). */
export const msaNotReplicated: Transient = (e) => e.status === 409 && e.code === "Error_MsaAppDoesNotExist";

/** Throttling and transient service errors, for the one call made with the SDK's retry off (postOnce). */
export const retryableStatus: Transient = (e) => e instanceof AzureRequestError && e.retryable;

export const anyOf =
  (...preds: Transient[]): Transient =>
  (e) =>
    preds.some((p) => p(e));
