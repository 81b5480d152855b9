/** The fields of a measured run a linear projection rewrites (runs.ts RunResult has them all). */
export interface Projectable {
  name: string;
  tool: string;
  apps: number;
  targets: number;
  spanSeconds: number;
  processSeconds: number;
  peakRssMb: number | null;
  projected?: boolean;
  note?: string;
}

/**
 * A sequential loop's figure at `apps`, from its measured time per app: every app costs the same calls one after the
 * other, so the time is linear in the fleet. The process's own time outside the span (start-up, exit) is kept once.
 */
export function projectRun<T extends Projectable>(measured: T, apps: number, note: string, name = measured.name): T {
  const perApp = measured.spanSeconds / Math.max(1, measured.apps);
  return {
    ...measured,
    name,
    apps,
    targets: apps,
    spanSeconds: perApp * apps,
    processSeconds: measured.processSeconds - measured.spanSeconds + perApp * apps,
    peakRssMb: null,
    projected: true,
    note,
  };
}

/** A figure the report shows for a fleet size: a scenario's name, its apps and bucket scale. */
export interface Slot {
  name: string;
  apps: number;
  scale: number;
}

/**
 * The seed-style figures no run measured: each slot without a seed-style row of its name and size, projected from
 * `base` (a sequential loop: the same two calls per app in every scenario, no diff). `how` says where base came from.
 */
export function projectMissing<T extends Projectable & { bucketScale: number }>(
  rows: readonly T[],
  slots: readonly Slot[],
  base: T | undefined,
  how: string,
): T[] {
  if (!base) return [];
  const has = (slot: Slot) => rows.some((r) => r.tool === "seed-style" && r.name === slot.name && r.apps === slot.apps);
  return slots
    .filter((slot) => !has(slot))
    .map((slot) => ({
      ...projectRun(base, slot.apps, `projected: ${how}, × ${slot.apps}`, slot.name),
      bucketScale: slot.scale,
    }));
}

/** The seed-style run projections start from: the az sample if there is one, else the largest run within `max`. */
export function projectionBase<T extends Projectable & { sampleOf?: number }>(
  rows: readonly T[],
  max: number,
): T | undefined {
  const measured = rows.filter((r) => r.tool === "seed-style" && !r.projected);
  return (
    measured.find((r) => r.sampleOf !== undefined) ??
    measured.filter((r) => r.apps <= max).sort((a, b) => b.apps - a.apps)[0]
  );
}
