import { isRecord } from "../azure/json.ts";
import { fleetJsonSchema } from "./json-schema.ts";

let known: string[] | undefined;

/** Every field name the config schema knows, at any depth (read from the JSON Schema the zod schemas generate). */
function knownFields(): string[] {
  if (known) return known;
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!isRecord(node)) return;
    if (isRecord(node.properties)) for (const k of Object.keys(node.properties)) names.add(k);
    for (const v of Object.values(node)) walk(v);
  };
  walk(fleetJsonSchema());
  known = [...names];
  return known;
}

/** Optimal string alignment distance (Damerau-Levenshtein without substring moves): a swap of two letters costs 1. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

/** The known field an unknown one was probably meant to be: same letters in another case, or at most 2 edits away. */
export function closestField(name: string, candidates: readonly string[] = knownFields()): string | undefined {
  const lower = name.toLowerCase();
  const sameCase = candidates.find((c) => c.toLowerCase() === lower);
  if (sameCase) return sameCase;
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d <= Math.min(2, Math.floor(name.length / 3)) && (!best || d < best.d)) best = { c, d };
  }
  return best?.c;
}
