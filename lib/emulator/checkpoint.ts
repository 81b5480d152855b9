import { isDeepStrictEqual } from "node:util";
import { isObject } from "./http.ts";

type JsonObject = Record<string, unknown>;

/**
 * State a "not-persisted" fault can roll back (faults.ts). The dispatcher takes a checkpoint right before a write's
 * operation and calls the returned function right after it: without `dropPaths` every change is undone, with them
 * the write is kept except at those JSON paths of each document it changed, which keep their previous value (or
 * stay absent). The answer was already sent as if the write was kept, which is the point of the fault.
 */
export interface Checkpointable {
  checkpoint(dropPaths?: string[]): () => void;
}

/** A JSON document a service stores (one app's authsettingsV2 properties, one Graph object): what `dropPaths` address. */
export interface StoredDocument {
  key: string;
  value: JsonObject | undefined;
  replace(value: JsonObject): void;
}

export function storedDocument(
  key: string,
  get: () => JsonObject | undefined,
  set: (value: JsonObject) => void,
): StoredDocument {
  return {
    key,
    get value() {
      return get();
    },
    replace: set,
  };
}

/**
 * A checkpoint over a service's state: `roots` are the maps that hold all of it (reverted in place, so objects
 * held elsewhere stay the live ones), `documents` lists the documents `dropPaths` apply to.
 */
export function checkpointOf(
  roots: Map<string, unknown>[],
  documents: () => StoredDocument[],
  dropPaths?: string[],
): () => void {
  if (!dropPaths?.length) {
    const saved = structuredClone(roots);
    return () => {
      for (const [i, root] of roots.entries()) revertInPlace(root, saved[i]);
    };
  }
  const before = new Map(documents().map((d) => [d.key, structuredClone(d.value)]));
  return () => {
    for (const d of documents()) {
      const previous = before.get(d.key);
      if (d.value === undefined || isDeepStrictEqual(d.value, previous)) continue;
      d.replace(restorePaths(d.value, previous ?? {}, dropPaths));
    }
  };
}

const isRecord = (v: unknown): v is JsonObject => isObject(v) && !(v instanceof Map);

/** Makes `live` equal to `saved` (a clone of an earlier `live`), keeping the identity of containers that existed then. */
function revertInPlace(live: unknown, saved: unknown): unknown {
  if (live instanceof Map && saved instanceof Map) {
    for (const k of [...live.keys()]) if (!saved.has(k)) live.delete(k);
    for (const [k, v] of saved) live.set(k, live.has(k) ? revertInPlace(live.get(k), v) : v);
    return live;
  }
  if (Array.isArray(live) && Array.isArray(saved)) {
    const n = live.length;
    for (const [i, v] of saved.entries()) live[i] = i < n ? revertInPlace(live[i], v) : v;
    live.length = saved.length;
    return live;
  }
  if (isRecord(live) && isRecord(saved)) {
    for (const k of Object.keys(live)) if (!Object.hasOwn(saved, k)) delete live[k];
    for (const [k, v] of Object.entries(saved)) live[k] = Object.hasOwn(live, k) ? revertInPlace(live[k], v) : v;
    return live;
  }
  return saved;
}

/**
 * `next` with the value `previous` has at each dotted path (absent where it had none). Paths may be written as
 * in an ARM body (`properties.login.tokenStore`): the documents are what `properties` holds.
 */
function restorePaths(next: JsonObject, previous: JsonObject, paths: string[]): JsonObject {
  const out = structuredClone(next);
  for (const path of paths) {
    const keys = path.replace(/^properties\./, "").split(".");
    const last = keys.pop() ?? path;
    let dst: unknown = out;
    let src: unknown = previous;
    for (const k of keys) {
      src = isObject(src) ? src[k] : undefined;
      if (!isObject(dst)) break;
      if (!isObject(dst[k]) && isObject(src)) dst[k] = {};
      dst = dst[k];
    }
    if (!isObject(dst)) continue;
    if (isObject(src) && Object.hasOwn(src, last)) dst[last] = structuredClone(src[last]);
    else delete dst[last];
  }
  return out;
}
