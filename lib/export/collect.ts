import pLimit from "p-limit";
import { jsonEqual } from "../azure/json.ts";
import type { AnyKind, ExportNote, ExportSite, PeerSlices, RunContext } from "../pipeline/contract.ts";
import type { Drop } from "./self-check.ts";

/** What export read of one app: each kind's observation of production and of each slot. */
export interface ObservedApp {
  site: ExportSite;
  /** Slot name ("" for production) → kind key → observation. */
  observed: Map<string, Record<string, unknown>>;
}

/** One app as it will be written: its slices (production's), the slots they also describe, and the notes. */
export interface ExportedApp {
  site: ExportSite;
  slots: string[];
  slices: Record<string, Record<string, unknown>>;
  notes: ExportNote[];
}

const exporting = (kinds: readonly AnyKind[]) => kinds.filter((k) => k.exporter);

/** Kinds in the order their exporters must observe (a kind after the ones it names in `after`). */
export function observeOrder(kinds: readonly AnyKind[]): AnyKind[] {
  const out: AnyKind[] = [];
  const visit = (k: AnyKind) => {
    if (out.includes(k)) return;
    for (const name of k.exporter?.after ?? []) {
      const dep = kinds.find((d) => d.kind === name);
      if (dep) visit(dep);
    }
    out.push(k);
  };
  for (const k of exporting(kinds)) visit(k);
  return out;
}

/** Reads every kind of every app and slot, read-only, at most `concurrency` apps at once. */
export async function observeApps(
  run: RunContext,
  kinds: readonly AnyKind[],
  sites: readonly ExportSite[],
  concurrency: number,
): Promise<ObservedApp[]> {
  const limit = pLimit(Math.max(1, concurrency));
  const order = observeOrder(kinds);
  return Promise.all(
    sites.map((site) =>
      limit(async () => {
        const observed = new Map<string, Record<string, unknown>>();
        for (const slot of ["", ...site.liveSlots]) {
          const peers: Record<string, unknown> = {};
          const prod = observed.get("");
          for (const k of order)
            peers[k.config.key] =
              slot && k.exporter!.perApp && prod
                ? prod[k.config.key]
                : await k.exporter!.observe(run, site, slot || undefined, peers);
          observed.set(slot, peers);
        }
        return { site, observed };
      }),
    ),
  );
}

/** A slice without what the self-check found would change: the targets' parts (the kind's prune), else all of it. */
function withoutDrops(kind: AnyKind, slice: Record<string, unknown> | undefined, drops: readonly Drop[] | undefined) {
  if (!slice || !drops?.length) return slice;
  const prune = kind.exporter?.prune;
  if (!prune || drops.some((d) => !d.target)) return undefined;
  let left: Record<string, unknown> | undefined = slice;
  for (const d of drops) left = left && prune(left, d.target!);
  return left;
}

/** The kinds' slices for one app or slot, in dependency order (auth sees the registration's slice). */
function slicesOf(
  kinds: readonly AnyKind[],
  app: ObservedApp,
  slot: string,
  run: RunContext,
  drops: ReadonlyMap<string, Drop[]>,
): { slices: Record<string, Record<string, unknown>>; notes: ExportNote[] } {
  const slices: Record<string, Record<string, unknown>> = {};
  const notes: ExportNote[] = [];
  const observed = app.observed.get(slot) ?? {};
  for (const k of exporting(kinds)) {
    const key = k.config.key;
    const r = k.exporter!.toConfig(app.site, observed[key], slices as PeerSlices, run);
    const slice = withoutDrops(k, r.slice, drops.get(key));
    if (slice) slices[key] = slice;
    notes.push(...r.notes);
  }
  return { slices, notes };
}

/**
 * Production's slices, and the slots whose slices are the same (one app block configures production and every
 * slot it lists alike); a slot that differs is left out with a note.
 */
export function toExportedApp(
  kinds: readonly AnyKind[],
  app: ObservedApp,
  run: RunContext,
  drops: ReadonlyMap<string, Drop[]>,
): ExportedApp {
  const prod = slicesOf(kinds, app, "", run, drops);
  const notes = [...prod.notes];
  for (const [key, list] of drops) for (const d of list) notes.push({ path: key, note: "left out", why: d.why });
  const slots: string[] = [];
  for (const slot of app.site.liveSlots) {
    const s = slicesOf(kinds, app, slot, run, drops);
    const differ = exporting(kinds)
      .map((k) => k.config.key)
      .filter((k) => !jsonEqual(s.slices[k] ?? null, prod.slices[k] ?? null));
    if (differ.length === 0) slots.push(slot);
    else
      notes.push({
        path: "slots",
        note: "left out",
        why: `slot ${slot}: its ${differ.join(" and ")} settings differ from production's (a slot in the list gets the app's settings)`,
      });
  }
  return { site: app.site, slots, slices: prod.slices, notes };
}
