import { setTimeout as sleep } from "node:timers/promises";

export type OperationKind = "reads" | "writes" | "deletes";

export interface BucketSpec {
  size: number;
  refillPerSecond: number;
}

// Azure's per-subscription buckets (2024 token-bucket model; docs/contracts/arm.md §4.1).
export const ARM_BUCKETS: Record<OperationKind, BucketSpec> = {
  reads: { size: 250, refillPerSecond: 25 },
  writes: { size: 200, refillPerSecond: 10 },
  deletes: { size: 200, refillPerSecond: 10 },
};

// POST actions (listkeys, authsettings/list) use the write bucket (docs/contracts/arm.md §4.1).
export function operationKind(method: string): OperationKind {
  const m = method.toUpperCase();
  if (m === "GET" || m === "HEAD") return "reads";
  if (m === "DELETE") return "deletes";
  return "writes";
}

/**
 * Margin kept below the service's bucket. Pacing at exactly the refill rate turns network jitter into 429s (a request
 * sent 40 ms after the last can arrive 30 ms after it); a slightly slower rate and a small reserve absorb that, and
 * leave room for other callers of the same subscription (request-limits-and-throttling).
 */
export interface Headroom {
  /** Tokens never spent. */
  reserve: number;
  /** Fraction of the refill rate used once the bucket is drained. */
  rateFactor: number;
}
export const DEFAULT_HEADROOM: Headroom = { reserve: 2, rateFactor: 0.97 };

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

  private readonly size: number;
  private readonly rate: number;
  private readonly reserve: number;

  constructor(
    spec: BucketSpec,
    private readonly clock: Clock = systemClock,
    headroom: Headroom = DEFAULT_HEADROOM,
  ) {
    this.reserve = Math.min(headroom.reserve, spec.size - 1);
    this.size = spec.size - this.reserve;
    this.rate = spec.refillPerSecond * headroom.rateFactor;
    this.tokens = this.size;
    this.last = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.size, this.tokens + ((now - this.last) / 1000) * this.rate);
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
        await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.rate) * 1000));
      }
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** `x-ms-ratelimit-remaining-*` from a response: never believe we have more than the service says. */
  observeRemaining(remaining: number): void {
    this.refill();
    // Local tokens are the service's minus the reserve.
    this.tokens = Math.min(this.tokens, Math.max(0, remaining - this.reserve));
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
    const b = this.buckets.get(key) ?? new ClientBucket(this.specs[kind], this.clock);
    this.buckets.set(key, b);
    return b;
  }
}
