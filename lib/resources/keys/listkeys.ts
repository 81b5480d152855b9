import { describeBody as describe, stringMap, unexpectedAnswer, type AnswerSource } from "../../azure/answer-shape.ts";
import { isRecord } from "../../azure/json.ts";
import { Secret } from "../../azure/secret.ts";

/** Key name → value; values only as Secret. */
export type KeyMap = Map<string, Secret>;

function toKeyMap(obj: Record<string, string>): KeyMap {
  return new Map(Object.entries(obj).map(([k, v]) => [k, new Secret(v)]));
}

const LISTKEYS: AnswerSource = { service: "arm", method: "POST", path: "listkeys" };

/**
 * POST `functions/{fn}/listkeys`. The service answers a flat map `{"default":"…"}`, not the spec's StringDictionary
 * (Azure/azure-rest-api-specs#11401, docs/contracts/arm.md §2.2). The wrapped shape is accepted too, recognised by
 * its resource fields, in case the service is ever aligned with the spec; a key that happens to be named
 * `properties` still reads correctly from the flat map.
 */
export function parseFunctionKeys(body: unknown, src: AnswerSource = LISTKEYS): KeyMap {
  // Anything but a map of names to values (an error body sent with 200, a page) is an error, never "no keys": that
  // would plan a new key and delete the ones callers hold.
  const wrapped =
    isRecord(body) && isRecord(body.properties) && typeof body.id === "string" && typeof body.type === "string";
  return toKeyMap(stringMap(wrapped ? body.properties : body, src, "a key map"));
}

export interface HostKeys {
  masterKey?: Secret;
  functionKeys: KeyMap;
  systemKeys: KeyMap;
}

/** POST `host/default/listkeys`: flat `{masterKey, functionKeys, systemKeys}` as the spec says (PR #7174 review). */
export function parseHostKeys(body: unknown, src: AnswerSource = LISTKEYS): HostKeys {
  if (!isRecord(body) || body.error !== undefined || !isRecord(body.functionKeys))
    throw unexpectedAnswer(src, isRecord(body) && body.error === undefined ? "no functionKeys map" : describe(body));
  if (body.masterKey !== undefined && typeof body.masterKey !== "string")
    throw unexpectedAnswer(src, "a masterKey that is not a string");
  return {
    masterKey: typeof body.masterKey === "string" ? new Secret(body.masterKey) : undefined,
    functionKeys: toKeyMap(stringMap(body.functionKeys, src, "functionKeys")),
    systemKeys: toKeyMap(body.systemKeys === undefined ? {} : stringMap(body.systemKeys, src, "systemKeys")),
  };
}

/** Looks a key up the way the runtime stores names (case-insensitively). */
export interface ListedKey {
  name: string;
  value: Secret;
}

export function findKey(keys: KeyMap, name: string): ListedKey | undefined {
  const direct = keys.get(name);
  if (direct) return { name, value: direct };
  const lower = name.toLowerCase();
  for (const [k, v] of keys) if (k.toLowerCase() === lower) return { name: k, value: v };
  return undefined;
}
