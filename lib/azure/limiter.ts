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

  private size: number;
  private rate: number;
  private reserve: number;
  private calibrated = false;

  constructor(
    private readonly spec: BucketSpec,
    private readonly clock: Clock = systemClock,
    private readonly headroom: Headroom = DEFAULT_HEADROOM,
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

  /**
   * Learns the service's bucket from `x-ms-ratelimit-remaining-*`: the first answer's remaining + 1 is its size when
   * it was full (a lower bound otherwise, so never too many), and a later answer above the assumed size grows it.
   * The refill rate follows the size in proportion, as Azure's buckets do (250:25 and 200:10 both refill in 10–20 s;
   * docs/contracts/arm.md §4.1): a subscription with other limits than the documented ones is paced by its own.
   */
  calibrate(remaining: number): void {
    const seen = remaining + 1;
    const assumed = this.size + this.reserve;
    const first = !this.calibrated;
    this.calibrated = true;
    if (seen === assumed || (!first && seen < assumed) || seen < 1) return;
    this.refill();
    this.reserve = Math.min(this.headroom.reserve, seen - 1);
    this.size = seen - this.reserve;
    this.rate = this.spec.refillPerSecond * (seen / this.spec.size) * this.headroom.rateFactor;
    // Growing, the service's count is what there is; shrinking, never more than the smaller bucket holds.
    this.tokens = seen > assumed ? Math.max(this.tokens, remaining - this.reserve) : Math.min(this.tokens, this.size);
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

  private readonly gates = new Map<string, { open: boolean; wait?: Promise<void> }>();

  /**
   * The first request of a subscription's bucket goes alone: its answer's remaining count calibrates the bucket
   * before the others are let through (a tight bucket then sees no burst it cannot take). Resolves with the release
   * to call once that answer is handled (or failed); later requests get a no-op release.
   */
  async admit(subscriptionId: string, kind: OperationKind): Promise<() => void> {
    const key = `${subscriptionId.toLowerCase()}|${kind}`;
    for (;;) {
      const gate = this.gates.get(key);
      if (gate?.open) return () => undefined;
      if (gate?.wait) {
        await gate.wait;
        continue;
      }
      let release: () => void = () => undefined;
      const wait = new Promise<void>((resolve) => {
        release = resolve;
      });
      this.gates.set(key, { open: false, wait });
      return () => {
        this.gates.set(key, { open: true });
        release();
      };
    }
  }

  bucket(subscriptionId: string, kind: OperationKind): ClientBucket {
    const key = `${subscriptionId.toLowerCase()}|${kind}`;
    const b = this.buckets.get(key) ?? new ClientBucket(this.specs[kind], this.clock);
    this.buckets.set(key, b);
    return b;
  }
}
