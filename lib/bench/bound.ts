/** The least wall time a run's calls allow: each throttling bucket drains at its refill rate, latency per worker. */

export interface Bucket {
  size: number;
  refillPerSecond: number;
}

/** Calls one bucket had to serve (one subscription's reads, one app+tenant's Graph units…), and that bucket. */
export interface BucketLoad {
  label: string;
  calls: number;
  bucket: Bucket;
}

export interface Bound {
  seconds: number;
  /** How it was computed, with the numbers: `max((500−250)/25 [sub a reads], 500×15 ms/16) = 10.0 s`. */
  formula: string;
}

/** A full bucket serves `size` calls at once, the rest at `refillPerSecond`; buckets refill in parallel. */
export function bucketSeconds(load: BucketLoad): number {
  return Math.max(0, (load.calls - load.bucket.size) / load.bucket.refillPerSecond);
}

/**
 * Lower bound of a run: the slowest bucket, or the round trips each worker must wait for (`requests × latency /
 * workers`), whichever is larger. Buckets that never ran dry are left out of the formula.
 */
export function runBound(loads: readonly BucketLoad[], requests: number, latencyMs: number, workers: number): Bound {
  const latency = (requests * latencyMs) / 1000 / Math.max(1, Math.min(workers, requests || 1));
  const terms = loads
    .filter((l) => l.calls > l.bucket.size)
    .map((l) => ({
      s: bucketSeconds(l),
      text: `(${l.calls}−${l.bucket.size})/${l.bucket.refillPerSecond} [${l.label}]`,
    }));
  const latencyText = `${requests}×${latencyMs} ms/${Number.isFinite(workers) ? workers : "∞"}`;
  const seconds = Math.max(latency, ...terms.map((t) => t.s));
  const all = [...terms.map((t) => t.text), latencyText];
  return { seconds, formula: `${all.length > 1 ? `max(${all.join("; ")})` : all[0]} = ${seconds.toFixed(1)} s` };
}

/** Buckets scaled in proportion to a fleet (the scaling series): size and refill both × factor. */
export function scaleBucket(b: Bucket, factor: number): Bucket {
  return { size: Math.max(1, Math.round(b.size * factor)), refillPerSecond: Math.max(0.1, b.refillPerSecond * factor) };
}
