import { getPath, isRecord, jsonEqual, setPath } from "../azure/json.ts";
import { validateConfig } from "../config/load.ts";
import type { AnyKind } from "../pipeline/contract.ts";

type Block = Record<string, unknown>;

/** An app as export writes it: its address and one block per kind. */
export interface FleetApp {
  name: string;
  subscriptionId?: string;
  resourceGroup?: string;
  slots: string[];
  blocks: Record<string, Block>;
}

export interface Factored {
  defaults: Record<string, unknown>;
  apps: FleetApp[];
  /** Kind keys whose defaults were given up because the merge would not give every app its own values back. */
  unfactored: string[];
}

/** Leaves of a block: paths to values that deepMerge replaces whole (scalars and lists). */
function leaves(block: Block, prefix: string[] = []): Array<[string[], unknown]> {
  return Object.entries(block).flatMap(
    ([k, v]): Array<[string[], unknown]> =>
      isRecord(v) && Object.keys(v).length ? leaves(v, [...prefix, k]) : [[[...prefix, k], v]],
  );
}

const get = (o: unknown, p: string[]): unknown => getPath(o, p);
const has = (o: unknown, p: string[]): boolean => {
  const parent = getPath(o, p.slice(0, -1));
  return isRecord(parent) && p.at(-1)! in parent;
};

function deleteIn(o: Block, p: string[]): void {
  const parent = get(o, p.slice(0, -1));
  if (isRecord(parent)) delete parent[p.at(-1)!];
  // Empty objects left behind add nothing to the merge: drop them.
  for (let i = p.length - 1; i > 0; i--) {
    const node = get(o, p.slice(0, i));
    const up = get(o, p.slice(0, i - 1));
    if (isRecord(node) && !Object.keys(node).length && isRecord(up)) delete up[p[i - 1]!];
  }
}

/** The most common value and how many hold it. */
function mostCommon(values: unknown[]): { value: unknown; count: number } {
  let best = { value: undefined as unknown, count: 0 };
  for (const v of values) {
    const count = values.filter((w) => jsonEqual(v, w)).length;
    if (count > best.count) best = { value: v, count };
  }
  return best;
}

/**
 * Moves values common to most apps into `defaults`: a value goes there when more than half the apps that receive the
 * kind's defaults hold it and every one of them has the field (an app without it would inherit it); apps holding it
 * drop it, the others keep theirs. Whether `defaults.<key>` reaches an app without a block is the kind's own rule
 * (its config slice's resolve), asked here, not assumed.
 */
function factorKind(kind: AnyKind, apps: FleetApp[]): Block {
  const key = kind.config.key;
  const reachesAll = kind.config.resolve(undefined, {}) !== undefined;
  const receiving = apps.filter((a) => reachesAll || a.blocks[key]);
  const defaults: Block = {};
  if (receiving.length < 2 || receiving.some((a) => !a.blocks[key])) return defaults;
  const paths = new Map<string, string[]>();
  for (const a of receiving) for (const [p] of leaves(a.blocks[key]!)) paths.set(p.join("\u0000"), p);
  for (const p of paths.values()) {
    if (!receiving.every((a) => has(a.blocks[key], p))) continue;
    const common = mostCommon(receiving.map((a) => get(a.blocks[key], p)));
    if (common.count * 2 <= receiving.length) continue;
    setPath(defaults, p, structuredClone(common.value));
    for (const a of receiving) if (jsonEqual(get(a.blocks[key], p), common.value)) deleteIn(a.blocks[key]!, p);
  }
  for (const a of apps) if (reachesAll && a.blocks[key] && !Object.keys(a.blocks[key]!).length) delete a.blocks[key];
  return defaults;
}

export function fleetDocument(defaults: Record<string, unknown>, apps: FleetApp[]): Record<string, unknown> {
  return {
    version: 1,
    ...(Object.keys(defaults).length ? { defaults } : {}),
    apps: apps.map((a) => ({
      name: a.name,
      ...(a.subscriptionId ? { subscriptionId: a.subscriptionId } : {}),
      ...(a.resourceGroup ? { resourceGroup: a.resourceGroup } : {}),
      ...(a.slots.length ? { slots: a.slots } : {}),
      ...a.blocks,
    })),
  };
}

/**
 * `defaults` for the address and each kind, then a check through the tool's own config loader: every app must resolve
 * to exactly what it resolved to before factoring, kind by kind; a kind that does not is written in full per app.
 */
export function factorDefaults(kinds: readonly AnyKind[], full: FleetApp[], env: NodeJS.ProcessEnv): Factored {
  const before = validateConfig(fleetDocument({}, full), "export", env).apps;
  const apps = structuredClone(full);
  const defaults: Record<string, unknown> = {};
  for (const field of ["subscriptionId", "resourceGroup"] as const) {
    const common = mostCommon(apps.map((a) => a[field]));
    if (common.count * 2 > apps.length && typeof common.value === "string") {
      defaults[field] = common.value;
      for (const a of apps) if (a[field] === common.value) delete a[field];
    }
  }
  for (const k of kinds) {
    const d = factorKind(k, apps);
    if (Object.keys(d).length) defaults[k.config.key] = d;
  }
  const after = validateConfig(fleetDocument(defaults, apps), "export", env).apps;
  const unfactored = kinds
    .map((k) => k.config.key)
    .filter((key) =>
      after.some((a, i) => !jsonEqual(a[key as keyof typeof a] ?? null, before[i]![key as keyof typeof a] ?? null)),
    );
  if (!unfactored.length) return { defaults, apps, unfactored };
  // Undo the kinds that did not round-trip: their blocks in full, no defaults.
  for (const key of unfactored) {
    delete defaults[key];
    apps.forEach((a, i) => {
      if (full[i]!.blocks[key]) a.blocks[key] = structuredClone(full[i]!.blocks[key]!);
      else delete a.blocks[key];
    });
  }
  return { defaults, apps, unfactored };
}
