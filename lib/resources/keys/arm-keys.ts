import type { ArmClient } from "../../azure/arm-client.ts";
import { armPath } from "../../azure/arm-client.ts";
import { AzureRequestError } from "../../errors.ts";
import { isRecord } from "../../azure/json.ts";
import { sitePath } from "../../azure/targets.ts";
import type { Secret } from "../../azure/secret.ts";
import type { TargetRef } from "../../pipeline/model.ts";
import { withHostRetry, type HostRetryOptions } from "./host-retry.ts";
import { parseFunctionKeys, parseHostKeys, type HostKeys, type KeyMap } from "./listkeys.ts";
import type { HostKeyType, KeyPolicy } from "./policy.ts";

/** Raw-JSON key calls for one app or slot, each retried while the Functions host is unreachable. */
export interface KeyApi {
  hostKeys(): Promise<HostKeys>;
  functionKeys(fn: string): Promise<KeyMap>;
  /** The keys a policy's physical names live among (a function's keys, or one host collection). */
  scopeKeys(p: KeyPolicy): Promise<KeyMap>;
  /**
   * PUT `{"properties":{"name","value"}}`; with no value the host generates it (docs/contracts/arm.md §2.2).
   * → HTTP status: 201 created, 200 the name existed.
   */
  create(p: KeyPolicy, name: string, value?: Secret): Promise<number>;
  /** DELETE; false when it was already gone (404 counts as done). */
  remove(p: KeyPolicy, name: string): Promise<boolean>;
}

export function keyScopePath(
  target: TargetRef,
  p: Pick<KeyPolicy, "scope" | "functionName" | "hostKeyType">,
  name: string,
): string {
  const site = sitePath(target);
  if (p.scope === "function") return `${site}${armPath("functions", p.functionName!, "keys", name)}`;
  // `_master` is addressed as masterKey/_master, as `az functionapp keys set --key-type masterKey` does.
  return `${site}${armPath("host", "default", p.hostKeyType, p.hostKeyType === "masterKey" ? "_master" : name)}`;
}

export function scopeOf(host: HostKeys, type: HostKeyType): KeyMap {
  if (type === "masterKey") return new Map(host.masterKey ? [["_master", host.masterKey]] : []);
  return type === "systemKeys" ? host.systemKeys : host.functionKeys;
}

export function keyApi(arm: ArmClient, target: TargetRef, retry: HostRetryOptions): KeyApi {
  const site = sitePath(target);
  // A stopped app will not answer however long we wait: one cheap read (reads bucket) stops the back-off early.
  const stopped = async (): Promise<string | undefined> => {
    const s = await arm.get<{ properties?: { state?: string } }>(site);
    const state = isRecord(s.body) && isRecord(s.body.properties) ? s.body.properties.state : undefined;
    return typeof state === "string" && state.toLowerCase() === "stopped" ? "the app is Stopped" : undefined;
  };
  const call = <T>(op: () => Promise<T>) => withHostRetry(op, retry, stopped);
  const hostKeys = async () => parseHostKeys((await call(() => arm.post(`${site}/host/default/listkeys`))).body);
  const functionKeys = async (fn: string) =>
    parseFunctionKeys((await call(() => arm.post(`${site}${armPath("functions", fn, "listkeys")}`))).body);
  return {
    hostKeys,
    functionKeys,
    async scopeKeys(p) {
      return p.scope === "function" ? functionKeys(p.functionName!) : scopeOf(await hostKeys(), p.hostKeyType);
    },
    async create(p, name, value) {
      const properties = value ? { name, value: value.reveal() } : { name };
      const r = await call(() => arm.put(keyScopePath(target, p, name), { properties }));
      return r.status;
    },
    async remove(p, name) {
      try {
        await call(() => arm.delete(keyScopePath(target, p, name)));
        return true;
      } catch (e) {
        if (e instanceof AzureRequestError && e.status === 404) return false;
        throw e;
      }
    },
  };
}
