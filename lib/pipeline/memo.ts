import type { ObserveContext } from "./contract.ts";

/** A planning phase's shared reads: the first caller of a key reads, the others wait for the same answer. */
export function planningMemo(): ObserveContext {
  const reads = new Map<string, Promise<unknown>>();
  return {
    memo<V>(key: string, read: () => Promise<V>): Promise<V> {
      const k = key.toLowerCase();
      let p = reads.get(k) as Promise<V> | undefined;
      if (!p) {
        p = read();
        reads.set(k, p);
      }
      return p;
    },
  };
}

/** Re-observing before a write must see the service as it is now: nothing is shared. */
export const freshReads: ObserveContext = { memo: (_key, read) => read() };
