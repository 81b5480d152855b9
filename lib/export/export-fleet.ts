import type { AnyKind, ExportNote, RunContext } from "../pipeline/contract.ts";
import { observeApps, toExportedApp, type ExportedApp, type ObservedApp } from "./collect.ts";
import { factorDefaults, fleetDocument, type FleetApp } from "./defaults.ts";
import { renderFleetYaml } from "./render.ts";
import { appKey, selfCheck, type Drop, type Drops } from "./self-check.ts";
import type { ExportSite } from "../pipeline/contract.ts";

export interface ExportOptions {
  env: NodeJS.ProcessEnv;
  concurrency: number;
  /** Header lines (tenant, time, command line). */
  header: string[];
  progress?: (line: string) => void;
}

export interface ExportResult {
  yaml: string;
  document: Record<string, unknown>;
  apps: number;
  /** Blocks the self-check left out because applying them would have changed something. */
  dropped: number;
}

// Leaving out one kind can change another's slice (auth's `clientId: fromRegistration` without the registration),
// so the self-check runs again on what changed; three passes settle every dependency the kinds have.
const PASSES = 3;

const asFleetApp = (e: ExportedApp): FleetApp => ({
  name: e.site.name,
  subscriptionId: e.site.subscriptionId,
  resourceGroup: e.site.resourceGroup,
  slots: e.slots,
  blocks: structuredClone(e.slices),
});

/**
 * observe every kind of every app → each kind's slice (exporters) → self-check with the kinds' planners, leaving out
 * what would change → values common to most apps into defaults (checked through the config loader) → YAML.
 */
export async function exportFleet(
  run: RunContext,
  kinds: readonly AnyKind[],
  sites: readonly ExportSite[],
  o: ExportOptions,
): Promise<ExportResult> {
  o.progress?.(`reading ${sites.length} app${sites.length === 1 ? "" : "s"}`);
  const observed: ObservedApp[] = await observeApps(run, kinds, sites, o.concurrency);
  const drops: Drops = new Map();
  let exported: ExportedApp[] = [];
  for (let pass = 0; pass < PASSES; pass++) {
    exported = observed.map((a) => toExportedApp(kinds, a, run, drops.get(appKey(a.site)) ?? new Map()));
    const found = await selfCheck(run, kinds, exported.map(asFleetApp), o.env, o.concurrency);
    let added = 0;
    for (const [app, m] of found) {
      const mine = drops.get(app) ?? new Map<string, Drop[]>();
      for (const [k, list] of m) {
        const have = mine.get(k) ?? [];
        const fresh = list.filter((d) => !have.some((h) => h.why === d.why));
        if (fresh.length) mine.set(k, [...have, ...fresh]);
        added += fresh.length;
      }
      drops.set(app, mine);
    }
    o.progress?.(`self-check pass ${pass + 1}: ${added} target${added === 1 ? "" : "s"} left out`);
    if (!added) break;
  }
  const full = exported.map(asFleetApp);
  const factored = factorDefaults(kinds, full, o.env);
  const document = fleetDocument(factored.defaults, factored.apps);
  const notes: ExportNote[][] = exported.map((e) => e.notes);
  const fileNotes = factored.unfactored.map(
    (k) => `${k}: written in full per app (values in defaults would not give every app its own back)`,
  );
  const yaml = renderFleetYaml({ document, notes, header: o.header, fileNotes });
  const dropped = [...drops.values()].reduce((n, m) => n + [...m.values()].reduce((c, l) => c + l.length, 0), 0);
  return { yaml, document, apps: exported.length, dropped };
}
