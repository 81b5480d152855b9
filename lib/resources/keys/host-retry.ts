import { HostUnreachableError, errorMessage } from "../../errors.ts";
import { RetryStopped, retrying } from "../../azure/retry.ts";

export interface HostRetryOptions {
  /** Tries in all, including the first. */
  attempts: number;
  baseMs: number;
  maxMs: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** About 2 + 4 + 8 s of waiting: long enough for a cold host to start, short enough that a stopped app fails fast. */
export const DEFAULT_HOST_RETRY: HostRetryOptions = { attempts: 4, baseMs: 2_000, maxMs: 15_000 };

/** Delay before retry `n` (1-based): exponential with "equal jitter", half fixed and half random, capped. */
export function backoffMs(n: number, o: HostRetryOptions, random: () => number = Math.random): number {
  const cap = Math.min(o.maxMs, o.baseMs * 2 ** (n - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}

/**
 * Retries `op` only while it fails with the host-runtime 400 (HostUnreachableError). The SDK pipeline does not retry
 * a 400 at all, so this adds no second layer over its retries; every other error, including 429 and 5xx that the
 * SDK already retried, is rethrown at once (docs/rotate-keys.md, "Host not reachable"). `stillWorthIt` lets the
 * caller stop early (a stopped app will not start by itself). The final error says what to do: "host unreachable: is
 * the app running?".
 */
export async function withHostRetry<T>(
  op: () => Promise<T>,
  o: HostRetryOptions,
  stillWorthIt?: () => Promise<string | undefined>,
): Promise<T> {
  try {
    return await retrying(op, {
      attempts: o.attempts,
      retryable: (e): e is HostUnreachableError => e instanceof HostUnreachableError,
      delayMs: (attempt) => backoffMs(attempt, o, o.random),
      stopReason: async () => (stillWorthIt ? await stillWorthIt().catch(() => undefined) : undefined),
      wait: o.sleep,
    });
  } catch (e) {
    if (e instanceof RetryStopped) return fail(e.last as HostUnreachableError, `${e.reason}; not retried`);
    if (e instanceof HostUnreachableError) return fail(e, `${o.attempts} attempts`);
    throw e;
  }
}

function fail(e: HostUnreachableError, detail: string): never {
  // The ARM client's message starts with "POST /subscriptions/…/listkeys: "; the answer alone is what helps here.
  const answer = errorMessage(e).replace(/^[A-Z]+ \/\S+: /, "");
  throw new HostUnreachableError(`host unreachable: is the app running? (${detail}; last answer: ${answer})`, {
    service: e.service,
    status: e.status,
    code: e.code,
    method: e.method,
    url: e.url,
    requestId: e.requestId,
    correlationId: e.correlationId,
  });
}
