import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { operationKind, type ArmLimiter } from "./limiter.ts";

/** Parses Retry-After as seconds or an HTTP date. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Pipeline policy placed per retry: every attempt (the SDK's own retries included) takes a token from the
 * subscription's bucket, and the service's remaining-quota headers and Retry-After feed back into it. The SDK keeps
 * doing the retrying; this only paces.
 */
export function armLimiterPolicy(limiter: ArmLimiter): PipelinePolicy {
  return {
    name: "easyauthArmLimiter",
    async sendRequest(request, next) {
      const sub = /\/subscriptions\/([^/?]+)/i.exec(new URL(request.url).pathname)?.[1];
      if (!sub) return next(request);
      const kind = operationKind(request.method);
      const bucket = limiter.bucket(sub, kind);
      const release = await limiter.admit(sub, kind);
      try {
        await bucket.acquire();
        const response = await next(request);
        const remaining = response.headers.get(`x-ms-ratelimit-remaining-subscription-${kind}`);
        if (remaining !== undefined && remaining !== "" && Number.isFinite(Number(remaining))) {
          // A refusal's remaining is 0 whatever the bucket's size: only answers that were served calibrate.
          if (response.status !== 429) bucket.calibrate(Number(remaining));
          bucket.observeRemaining(Number(remaining));
        }
        if (response.status === 429) bucket.pause(retryAfterMs(response.headers.get("retry-after")) ?? 1000);
        return response;
      } finally {
        release();
      }
    },
  };
}
