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
  /** Microsoft Graph's identity and access limits, per application + tenant (below). */
  readonly graph = new GraphThrottle();
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

/**
 * Microsoft Graph's identity and access limits per application + tenant (learn.microsoft.com/graph/throttling-limits,
 * "Identity and access service limits"; docs/contracts/graph.md §5.3): resource units, 3,500 per 10 s for a small
 * tenant, and writes, 3,000 per 2 min 30 s. Modelled as token buckets of that size refilling evenly.
 */
export interface GraphThrottleSpec {
  enabled: boolean;
  resourceUnits: BucketSpec;
  writes: BucketSpec;
}

export const GRAPH_THROTTLE: GraphThrottleSpec = {
  enabled: true,
  resourceUnits: { size: 3500, refillPerSecond: 350 },
  writes: { size: 3000, refillPerSecond: 20 },
};

/**
 * Resource-unit cost of a request (same page): GET of applications, oauth2PermissionGrants and a service principal's
 * appRoleAssignments cost 2, other GETs 1; a write costs 1 unit and 1 write. `$select` −1, `$expand` +1, `$top` < 20
 * −1; never below 1.
 */
export function graphCost(method: string, path: string, query: URLSearchParams): { units: number; write: boolean } {
  if (method !== "GET") return { units: 1, write: true };
  const heavy = /^\/(applications|oauth2PermissionGrants)(\W|$)|^\/servicePrincipals[^?]*\/appRoleAssignments/i.test(
    path,
  );
  let units = heavy ? 2 : 1;
  if (query.has("$select")) units -= 1;
  if (query.has("$expand")) units += 1;
  const top = Number(query.get("$top"));
  if (query.has("$top") && top < 20) units -= 1;
  return { units: Math.max(1, units), write: false };
}

class CostBucket {
  private tokens: number;
  private last = Date.now();
  constructor(private readonly spec: BucketSpec) {
    this.tokens = spec.size;
  }
  /** Seconds until `cost` tokens are there (0: now). Nothing is spent. */
  waitFor(cost: number, now: number): number {
    this.tokens = Math.min(this.spec.size, this.tokens + ((now - this.last) / 1000) * this.spec.refillPerSecond);
    this.last = now;
    return this.tokens >= cost ? 0 : (cost - this.tokens) / this.spec.refillPerSecond;
  }
  spend(cost: number): void {
    this.tokens -= cost;
  }
  get remaining(): number {
    return this.tokens;
  }
}

export interface GraphTake {
  ok: boolean;
  units: number;
  retryAfterSeconds: number;
  /** `x-ms-throttle-information` of a refusal: which limit was exceeded. */
  information?: "ResourceUnitLimitExceeded" | "WriteLimitExceeded";
  /** Fraction of the resource-unit limit in use (`x-ms-throttle-limit-percentage` above 0.8). */
  usedFraction: number;
}

/** Graph's buckets per application + tenant; a refused request spends nothing. */
export class GraphThrottle {
  private readonly buckets = new Map<string, { units: CostBucket; writes: CostBucket }>();
  constructor(public spec: GraphThrottleSpec = GRAPH_THROTTLE) {}

  configure(spec: GraphThrottleSpec): void {
    this.spec = spec;
    this.buckets.clear();
  }

  take(appId: string, tenantId: string, method: string, path: string, query: URLSearchParams): GraphTake {
    const { units, write } = graphCost(method, path, query);
    if (!this.spec.enabled) return { ok: true, units, retryAfterSeconds: 0, usedFraction: 0 };
    const key = `${appId.toLowerCase()}|${tenantId.toLowerCase()}`;
    const b = this.buckets.get(key) ?? {
      units: new CostBucket(this.spec.resourceUnits),
      writes: new CostBucket(this.spec.writes),
    };
    this.buckets.set(key, b);
    const now = Date.now();
    const unitWait = b.units.waitFor(units, now);
    const writeWait = write ? b.writes.waitFor(1, now) : 0;
    const usedFraction = 1 - b.units.remaining / this.spec.resourceUnits.size;
    if (unitWait > 0 || writeWait > 0)
      return {
        ok: false,
        units,
        retryAfterSeconds: Math.max(1, Math.ceil(Math.max(unitWait, writeWait))),
        information: unitWait >= writeWait ? "ResourceUnitLimitExceeded" : "WriteLimitExceeded",
        usedFraction,
      };
    b.units.spend(units);
    if (write) b.writes.spend(1);
    return {
      ok: true,
      units,
      retryAfterSeconds: 0,
      usedFraction: 1 - b.units.remaining / this.spec.resourceUnits.size,
    };
  }
}

/** `units=3500:350,writes=3000:20`, or `off`. Unnamed limits keep Graph's values. */
export function parseGraphThrottleSpec(text: string): GraphThrottleSpec {
  if (text.trim() === "off") return { ...GRAPH_THROTTLE, enabled: false };
  const spec: GraphThrottleSpec = { ...GRAPH_THROTTLE };
  for (const part of text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(units|writes)=(\d+):(\d+(?:\.\d+)?)$/.exec(part);
    if (!m)
      throw new Error(
        `Invalid Graph throttle part '${part}'. Expected units=size:refillPerSecond or writes=…, or 'off'.`,
      );
    spec[m[1] === "units" ? "resourceUnits" : "writes"] = { size: Number(m[2]), refillPerSecond: Number(m[3]) };
  }
  return spec;
}
