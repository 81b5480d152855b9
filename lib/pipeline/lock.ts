/**
 * One writer per key: jobs for the same key run one after another, jobs for different keys run side by side. A
 * failed job does not block the next one for its key.
 */
export function keyedSerial(): <T>(key: string, job: () => Promise<T>) => Promise<T> {
  const chains = new Map<string, Promise<unknown>>();
  return (key, job) => {
    const k = key.toLowerCase();
    const next = (chains.get(k) ?? Promise.resolve()).then(job, job);
    chains.set(
      k,
      next.catch(() => undefined),
    );
    return next;
  };
}
