/** A unit of bench work with its expected duration (scenarios.ts estimates it from the buckets). */
export interface Weighted {
  seconds: number;
  /** Bound by CPU rather than by buckets (the az loop, Graph at full speed, thousands of apps at once). */
  cpuBound?: boolean;
}

/**
 * Splits independent units into at most `lanes` lanes, each run one unit after the other by its own emulator, so the
 * bench takes about the longest lane. Longest unit first to the least loaded lane (LPT: within 4/3 of the best split);
 * each lane keeps the units in their given order, and empty lanes are dropped. With more than one lane, the CPU-bound
 * units share the first lane, one after the other: on two cores, two of them at once would slow each other (and the
 * bucket-bound runs beside them, whose ratios to their bounds are what the bench measures).
 */
export function balanceLanes<T extends Weighted>(units: readonly T[], lanes: number): T[][] {
  const n = Math.max(1, Math.min(Math.floor(lanes), units.length));
  const heavy = n > 1 ? units.flatMap((u, i) => (u.cpuBound ? [i] : [])) : [];
  const load = new Array<number>(n).fill(0);
  const picked: number[][] = Array.from({ length: n }, () => []);
  if (heavy.length) {
    picked[0] = heavy;
    load[0] = heavy.reduce((s, i) => s + (units[i]?.seconds ?? 0), 0);
  }
  const order = units
    .map((u, i) => ({ u, i }))
    .filter(({ i }) => !heavy.includes(i))
    .sort((a, b) => b.u.seconds - a.u.seconds || a.i - b.i);
  for (const { u, i } of order) {
    // The other units go to the other lanes.
    const open = heavy.length ? load.slice(1) : load;
    const lane = load.indexOf(Math.min(...open), heavy.length ? 1 : 0);
    load[lane] = (load[lane] ?? 0) + u.seconds;
    picked[lane]?.push(i);
  }
  return picked.filter((p) => p.length).map((p) => p.sort((a, b) => a - b).map((i) => units[i] as T));
}

/** Expected seconds of each lane. */
export const laneSeconds = (lanes: readonly (readonly Weighted[])[]): number[] =>
  lanes.map((l) => l.reduce((s, u) => s + u.seconds, 0));
