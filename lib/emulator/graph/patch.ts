import { isObject } from "../http.ts";
import type { Json } from "./schema.ts";

/**
 * How a PATCH treats a nested complex value such as `api` or `web`:
 * - "merge": members left out keep their stored value. Terraform sends `api: { oauth2PermissionScopes }` alone in
 *   its disable step, which only works if Graph merges (docs/contracts/graph.md §2.1); the docs say nothing either way.
 * - "replace": the complex value is replaced whole and left-out members fall back to their defaults, for testing
 *   that a client sends the whole object as docs/update-manifest.md asks (whole objects, never a GET body).
 * Collections are replaced whole in both modes (docs/contracts/graph.md §2.1).
 */
export type NestedPatchMode = "merge" | "replace";

export const clone = <T>(v: T): T => structuredClone(v);

function merge(target: unknown, patch: unknown): unknown {
  if (!isObject(patch) || !isObject(target)) return clone(patch);
  const out: Json = { ...target };
  for (const [k, v] of Object.entries(patch)) out[k] = merge(target[k], v);
  return out;
}

/** Applies `patch` to `current`; `defaults` gives the shape a replaced complex value starts from. */
export function applyPatch<T extends Json>(current: T, patch: Json, mode: NestedPatchMode, defaults: Json): T {
  const out: Json = clone(current);
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("@odata.")) continue;
    const base = mode === "merge" ? current[k] : defaults[k];
    out[k] = isObject(v) && isObject(base) ? merge(base, v) : clone(v);
  }
  return out as T;
}
