import { setTimeout as sleep } from "node:timers/promises";

export type OperationKind = "reads" | "writes" | "deletes";

export interface BucketSpec {
  size: number;
  refillPerSecond: number;
}

// Azure's per-subscription buckets (request-limits-and-throttling, 2024 token-bucket model; arm-contract §4.1).
export const ARM_BUCKETS: Record<OperationKind, BucketSpec> = {
  reads: { size: 250, refillPerSecond: 25 },
  writes: { size: 200, refillPerSecond: 10 },
  deletes: { size: 200, refillPerSecond: 10 },
};

// POST actions (listkeys, authsettings/list) use the write bucket (arm-contract §4.1).
export function operationKind(method: string): OperationKind {
  const m = method.toUpperCase();
  if (m === "GET" || m === "HEAD") return "reads";
  if (m === "DELETE") return "deletes";
  return "writes";
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}
export const systemClock: Clock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

/**
 * A client-side mirror of one ARM bucket. It spends a token per request, refills at Azure's rate, and trusts the
 * service when it says fewer tokens remain (other callers share the subscription's bucket).
 */
export class ClientBucket {
  private tokens: number;
  private last: number;
  private pausedUntil = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly spec: BucketSpec,
    private readonly clock: Clock = systemClock,
  ) {
    this.tokens = spec.size;
    this.last = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.spec.size, this.tokens + ((now - this.last) / 1000) * this.spec.refillPerSecond);
    this.last = now;
  }

  /** Waits for a token; callers are served in order, so no worker starves. */
  acquire(): Promise<void> {
    const turn = this.queue.then(async () => {
      for (;;) {
        const now = this.clock.now();
        if (now < this.pausedUntil) {
          await this.clock.sleep(this.pausedUntil - now);
          continue;
        }
        this.refill();
        if (this.tokens >= 1) {
          this.tokens -= 1;
          return;
        }
        await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.spec.refillPerSecond) * 1000));
      }
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** `x-ms-ratelimit-remaining-*` from a response: never believe we have more than the service says. */
  observeRemaining(remaining: number): void {
    this.refill();
    if (remaining < this.tokens) this.tokens = remaining;
  }

  /** A 429 with Retry-After pauses every worker on this bucket, not only the one that was refused. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
    this.tokens = 0;
    this.last = this.clock.now();
  }
}

/** One set of buckets per subscription, shared by every worker of a run. */
export class ArmLimiter {
  private readonly buckets = new Map<string, ClientBucket>();
  constructor(
    private readonly specs: Record<OperationKind, BucketSpec> = ARM_BUCKETS,
    private readonly clock: Clock = systemClock,
  ) {}

  bucket(subscriptionId: string, kind: OperationKind): ClientBucket {
    const key = `${subscriptionId.toLowerCase()}|${kind}`;
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = new ClientBucket(this.specs[kind], this.clock)));
    return b;
  }
}
