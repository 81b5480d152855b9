export type OperationKind = "reads" | "writes" | "deletes";

export interface BucketSpec {
  size: number;
  refillPerSecond: number;
}

export type ThrottleSpec = Record<OperationKind, BucketSpec> & { enabled: boolean };

/** Azure's documented per-subscription token buckets (request-limits-and-throttling, 2024 model). */
export const AZURE_THROTTLE: ThrottleSpec = {
  enabled: true,
  reads: { size: 250, refillPerSecond: 25 },
  writes: { size: 200, refillPerSecond: 10 },
  deletes: { size: 200, refillPerSecond: 10 },
};

/** `reads=250:25,writes=200:10,deletes=200:10`, or `off`. Unnamed kinds keep Azure's values. */
export function parseThrottleSpec(text: string): ThrottleSpec {
  if (text.trim() === "off") return { ...AZURE_THROTTLE, enabled: false };
  const spec: ThrottleSpec = { ...AZURE_THROTTLE };
  for (const part of text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(reads|writes|deletes)=(\d+):(\d+(?:\.\d+)?)$/.exec(part);
    if (!m)
      throw new Error(
        `Invalid --throttle part '${part}'. Expected kind=size:refillPerSecond, e.g. writes=200:10, or 'off'.`,
      );
    spec[m[1] as OperationKind] = { size: Number(m[2]), refillPerSecond: Number(m[3]) };
  }
  return spec;
}

// ARM classifies by HTTP method; POST actions (listkeys, authsettings/list) count as writes (docs/contracts/arm.md §4.1).
export function operationKind(method: string): OperationKind {
  if (method === "GET" || method === "HEAD") return "reads";
  if (method === "DELETE") return "deletes";
  return "writes";
}

class TokenBucket {
  private tokens: number;
  private last = Date.now();
  constructor(private readonly spec: BucketSpec) {
    this.tokens = spec.size;
  }
  private refill(now: number): void {
    this.tokens = Math.min(this.spec.size, this.tokens + ((now - this.last) / 1000) * this.spec.refillPerSecond);
    this.last = now;
  }
  take(now = Date.now()): { ok: boolean; remaining: number; retryAfterSeconds: number } {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true, remaining: Math.floor(this.tokens), retryAfterSeconds: 0 };
    }
    const wait = (1 - this.tokens) / this.spec.refillPerSecond;
    return { ok: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
  }
}

/** Per-subscription buckets for reads, writes and deletes. */
export class Throttle {
  private readonly buckets = new Map<string, TokenBucket>();
  constructor(public spec: ThrottleSpec = AZURE_THROTTLE) {}

  configure(spec: ThrottleSpec): void {
    this.spec = spec;
    this.buckets.clear();
  }

  take(
    subscriptionId: string,
    method: string,
  ): { ok: boolean; kind: OperationKind; remaining: number; retryAfterSeconds: number } {
    const kind = operationKind(method);
    if (!this.spec.enabled) return { ok: true, kind, remaining: this.spec[kind].size, retryAfterSeconds: 0 };
    const key = `${subscriptionId.toLowerCase()}|${kind}`;
    const bucket = this.buckets.get(key) ?? new TokenBucket(this.spec[kind]);
    this.buckets.set(key, bucket);
    return { kind, ...bucket.take() };
  }
}
