import { isRecord } from "../../azure/json.ts";
import { Secret } from "../../azure/secret.ts";

/** Key name → value; values only as Secret. */
export type KeyMap = Map<string, Secret>;

function toKeyMap(obj: Record<string, unknown>): KeyMap {
  const out: KeyMap = new Map();
  for (const [k, v] of Object.entries(obj)) if (typeof v === "string") out.set(k, new Secret(v));
  return out;
}

/**
 * POST `functions/{fn}/listkeys`. The service answers a flat map `{"default":"…"}`, not the spec's StringDictionary
 * (Azure/azure-rest-api-specs#11401, docs/contracts/arm.md §2.2). The wrapped shape is accepted too, recognised by
 * its resource fields, in case the service is ever aligned with the spec; a key that happens to be named
 * `properties` still reads correctly from the flat map.
 */
export function parseFunctionKeys(body: unknown): KeyMap {
  if (!isRecord(body)) return new Map();
  const wrapped = isRecord(body.properties) && typeof body.id === "string" && typeof body.type === "string";
  return toKeyMap(wrapped ? (body.properties as Record<string, unknown>) : body);
}

export interface HostKeys {
  masterKey?: Secret;
  functionKeys: KeyMap;
  systemKeys: KeyMap;
}

/** POST `host/default/listkeys`: flat `{masterKey, functionKeys, systemKeys}` as the spec says (PR #7174 review). */
export function parseHostKeys(body: unknown): HostKeys {
  const b = isRecord(body) ? body : {};
  return {
    masterKey: typeof b.masterKey === "string" ? new Secret(b.masterKey) : undefined,
    functionKeys: toKeyMap(isRecord(b.functionKeys) ? b.functionKeys : {}),
    systemKeys: toKeyMap(isRecord(b.systemKeys) ? b.systemKeys : {}),
  };
}

/** Looks a key up the way the runtime stores names (case-insensitively). */
export function findKey(keys: KeyMap, name: string): { name: string; value: Secret } | undefined {
  const direct = keys.get(name);
  if (direct) return { name, value: direct };
  const lower = name.toLowerCase();
  for (const [k, v] of keys) if (k.toLowerCase() === lower) return { name: k, value: v };
  return undefined;
}
