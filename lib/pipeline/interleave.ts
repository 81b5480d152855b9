/**
 * Indexes of `items` taken in turn from each subscription (a, b, a, b, …), each subscription's own order kept.
 * Workers are handed out in this order: throttling buckets are per subscription (docs/contracts/arm.md §4.1), so with
 * the targets in config order every worker could wait on the first subscription's bucket while the second's sat idle.
 */
export function interleavedIndexes<T>(items: readonly T[], subscriptionOf: (item: T) => string): number[] {
  const queues = new Map<string, number[]>();
  items.forEach((item, i) => {
    const key = subscriptionOf(item).toLowerCase();
    const q = queues.get(key) ?? [];
    q.push(i);
    queues.set(key, q);
  });
  const lists = [...queues.values()];
  const out: number[] = [];
  for (let round = 0; out.length < items.length; round++)
    for (const q of lists) if (round < q.length) out.push(q[round]!);
  return out;
}

/** Runs `start` for every item in interleaved order, and returns the promises in the items' own order. */
export function startInterleaved<T, R>(
  items: readonly T[],
  subscriptionOf: (item: T) => string,
  start: (item: T) => Promise<R>,
): Promise<R>[] {
  const out = new Array<Promise<R>>(items.length);
  for (const i of interleavedIndexes(items, subscriptionOf)) out[i] = start(items[i]!);
  return out;
}
