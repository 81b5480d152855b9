import { timingSafeEqual } from "node:crypto";
import type { AuthLevel, HostKeysState } from "../arm/state.ts";

/**
 * The Functions host's key check, after Easy Auth has let the request through
 * (learn.microsoft.com/azure/azure-functions/function-keys-how-to, "Authorization level" and "Access key
 * requirements"; security-concepts#function-access-keys):
 * - `anonymous`: no key needed (a key sent is ignored);
 * - `function`: a key of that function, any host function key, or the master key;
 * - `admin` (and every `/admin/*` route of the host): the master key only.
 * The key comes in the `x-functions-key` header or the `code` query parameter. Keys are read from the ARM state at
 * each request, so a key deleted through ARM stops working at once and, while a rotation overlaps, both the old and
 * the new key work. A missing or wrong key answers 401 with an empty body.
 */
export type KeyDecision =
  | "anonymous"
  | `function-key:${string}`
  | `host-key:${string}`
  | "master-key"
  | "missing"
  | "wrong"
  | "admin-needs-master";

export interface KeyCheck {
  ok: boolean;
  decision: KeyDecision;
}

/** The presented key: the `x-functions-key` header first, then `?code=`. */
export function presentedKey(header: string | string[] | undefined, query: URLSearchParams): string | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  return h || query.get("code") || undefined;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const named = (keys: Record<string, string>, value: string): string | undefined =>
  Object.entries(keys).find(([, v]) => same(v, value))?.[0];

/** `functionKeys` is the function's own keys; undefined for host routes (`/admin/*`). */
export function checkKey(
  level: AuthLevel,
  key: string | undefined,
  functionKeys: Record<string, string> | undefined,
  host: HostKeysState,
): KeyCheck {
  if (level === "anonymous") return { ok: true, decision: "anonymous" };
  if (!key) return { ok: false, decision: "missing" };
  if (same(host.masterKey, key)) return { ok: true, decision: "master-key" };
  const fn = functionKeys ? named(functionKeys, key) : undefined;
  const hk = named(host.functionKeys, key);
  if (level === "admin") return { ok: false, decision: fn || hk ? "admin-needs-master" : "wrong" };
  if (fn) return { ok: true, decision: `function-key:${fn}` };
  if (hk) return { ok: true, decision: `host-key:${hk}` };
  return { ok: false, decision: "wrong" };
}
