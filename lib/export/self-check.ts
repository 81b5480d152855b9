import { validateConfig } from "../config/load.ts";
import { errorMessage } from "../errors.ts";
import type { AnyKind, KindTarget, RunContext } from "../pipeline/contract.ts";
import { planTargets, type BoundKind } from "../pipeline/plan-targets.ts";
import { fleetDocument, type FleetApp } from "./defaults.ts";

/** One app, whatever its slot: subscription/resource group/name, lower case. */
export const appKey = (a: { subscriptionId: string; resourceGroup: string; name: string }): string =>
  `${a.subscriptionId}/${a.resourceGroup}/${a.name}`.toLowerCase();

/** What to leave out of an app: appKey → kind key → the targets that would change (none: the whole block) and why. */
export interface Drop {
  why: string;
  target?: KindTarget;
}
export type Drops = Map<string, Map<string, Drop[]>>;

/**
 * Plans the exported fleet with the kinds' own reconcilers, read-only, as `apply --dry-run` would: any target that
 * would change (a rotation that is due, a value the planner reads differently) or fails to plan is reported, so its
 * block can be left out with the reason. This is what makes "applied at once, plans no change" hold by construction.
 */
export async function selfCheck(
  run: RunContext,
  kinds: readonly AnyKind[],
  apps: FleetApp[],
  env: NodeJS.ProcessEnv,
  concurrency: number,
): Promise<Drops> {
  const drops: Drops = new Map();
  const drop = (app: string, key: string, d: Drop) => {
    const m = drops.get(app) ?? new Map<string, Drop[]>();
    m.set(key, [...(m.get(key) ?? []), d]);
    drops.set(app, m);
  };
  const config = validateConfig(fleetDocument({}, apps), "export", env);
  const bound: BoundKind[] = [];
  for (const kind of kinds) {
    if (!kind.exporter) continue;
    try {
      bound.push({ kind, reconciler: kind.bind(run), targets: kind.targets(config.apps, { env }) });
    } catch (e) {
      for (const a of config.apps) drop(appKey(a), kind.config.key, { why: errorMessage(e) });
    }
  }
  const planned = await planTargets(bound, concurrency, () => {});
  for (const p of planned) {
    if (p.plan.status !== "change" && p.plan.status !== "error") continue;
    const why =
      p.plan.status === "error"
        ? `${p.bound.kind.command} could not plan it: ${p.plan.reason?.message ?? "error"}`
        : `${p.bound.kind.command} would change ${p.target.resource} now (${p.plan.changes.map((c) => c.field).join(", ")})`;
    // A slot's target stands for the app's block too (one block configures production and its slots).
    drop(appKey(p.plan.target), p.bound.kind.config.key, {
      why,
      target: p.plan.status === "error" ? undefined : p.target,
    });
  }
  return drops;
}
