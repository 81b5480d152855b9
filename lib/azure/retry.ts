import { setTimeout as sleep } from "node:timers/promises";

/**
 * One bounded retry loop for the few retries the SDKs do not make themselves (the host-runtime 400, Graph's
 * eventual-consistency answers). As in the Azure SDK's retry policy (Azure/azure-sdk-for-js
 * `sdk/core/ts-http-runtime/src/policies/retryPolicy.ts`), the decisions are small functions and this loop is the
 * only place that sleeps.
 */
export interface RetryStrategy<E> {
  /** Tries in all, including the first. */
  attempts: number;
  /** Narrows the errors worth another try; every other error propagates at once. */
  retryable(e: unknown): e is E;
  /** Wait before retry `attempt` (1-based). */
  delayMs(attempt: number, e: E): number;
  /** Asked before each wait; a reason stops retrying (RetryStopped). */
  stopReason?(e: E, attempt: number): Promise<string | undefined>;
  /** Told before each wait (progress lines). */
  onRetry?(e: E, attempt: number): void;
  wait?: (ms: number) => Promise<unknown>;
}

/** Why retrying ended early, for callers that explain the failure. */
export class RetryStopped extends Error {
  constructor(
    readonly reason: string,
    readonly last: unknown,
  ) {
    super(reason);
  }
}

/**
 * Runs `op` until it succeeds, fails with an error the strategy does not retry, or runs out of attempts (the last
 * error propagates). A reason from `stopReason` ends it with RetryStopped.
 */
export async function retrying<T, E>(op: () => Promise<T>, s: RetryStrategy<E>): Promise<T> {
  const wait = s.wait ?? ((ms: number) => sleep(ms));
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (!s.retryable(e) || attempt >= s.attempts) throw e;
      const stop = await s.stopReason?.(e, attempt);
      if (stop) throw new RetryStopped(stop, e);
      s.onRetry?.(e, attempt);
      await wait(s.delayMs(attempt, e));
    }
  }
}
