import { AzureRequestError, HostUnreachableError, ToolError, UsageError, errorMessage } from "../../errors.ts";
import type { TargetRef } from "../../azure/targets.ts";
import type { KindTarget, AppConfig } from "../../pipeline/contract.ts";
import { scopeOf, type KeyApi } from "./arm-keys.ts";
import type { HostKeys, KeyMap } from "./listkeys.ts";
import type { Published } from "./plan.ts";
import { keyPolicies, policyTargets, secretNameFor, vaultUrlFor, type KeyPolicy } from "./policy.ts";
import { keyResource } from "./plan-changes.ts";

/** One logical key on one app or slot. */
export interface KeyWork extends KindTarget {
  app: AppConfig;
  policy: KeyPolicy;
  target: TargetRef;
  secretName: string;
  vaultUrl: string;
  /** Every logical key of the same app/slot (this one included): they share one read of the host's keys. */
  siblings: KeyWork[];
}

/** What one app/slot looks like: host keys (when read), and each function's keys (or why they could not be read). */
export interface TargetView {
  host?: HostKeys;
  functions: Map<string, KeyMap | Error>;
}

export interface KeyObserved {
  view: TargetView;
  keys: KeyMap;
  published: Published;
}

export const siteKey = (t: TargetRef) =>
  `${t.subscriptionId}/${t.resourceGroup}/${t.name}/${t.slot ?? ""}`.toLowerCase();

/** Every (logical key, app/slot) of the selection, with vault URLs resolved (a missing AZURE_KEYVAULT_URL is reported offline). */
export function keyTargets(
  apps: readonly AppConfig[],
  slotFilter: string | undefined,
  env: NodeJS.ProcessEnv,
): KeyWork[] {
  const groups = new Map<string, KeyWork[]>();
  return apps.flatMap((app) =>
    keyPolicies(app).flatMap((policy) => {
      const vaultUrl = vaultUrlFor(policy, env);
      return policyTargets(app, policy, slotFilter).map((target) => {
        const siblings = groups.get(siteKey(target)) ?? [];
        groups.set(siteKey(target), siblings);
        const w: KeyWork = {
          ref: target,
          resource: keyResource(policy),
          app,
          policy,
          target,
          secretName: secretNameFor(policy, target),
          vaultUrl,
          siblings,
        };
        siblings.push(w);
        return w;
      });
    }),
  );
}

/** Like keyTargets, but an empty selection is an error naming the fix (rotate-keys on its own). */
export function keyWork(apps: readonly AppConfig[], slotFilter: string | undefined, env: NodeJS.ProcessEnv): KeyWork[] {
  const work = keyTargets(apps, slotFilter, env);
  if (work.length === 0) throw noKeys(slotFilter);
  return work;
}

export const noKeys = (slotFilter: string | undefined) =>
  new UsageError(
    `No key to rotate: none of the selected apps${slotFilter ? ` (slot '${slotFilter}')` : ""} has keys.rotate.`,
    {
      fix: "Add a keys.rotate list to the apps (see docs/rotate-keys.md), or select other apps with --app/--slot.",
    },
  );

const isExpected = (e: unknown) => e instanceof ToolError || e instanceof AzureRequestError;

async function readFunctions(api: KeyApi, items: KeyWork[]): Promise<Map<string, KeyMap | Error>> {
  const functions = new Map<string, KeyMap | Error>();
  for (const w of items) {
    const name = w.policy.functionName;
    if (!name || functions.has(name.toLowerCase())) continue;
    try {
      functions.set(name.toLowerCase(), await api.functionKeys(name));
    } catch (e) {
      // A host that does not answer fails the whole app/slot; one missing function (not deployed, not indexed)
      // fails only its keys, and its 404 is never read as "no keys".
      if (!isExpected(e) || e instanceof HostUnreachableError) throw e;
      const notFound = e instanceof AzureRequestError && e.status === 404;
      functions.set(
        name.toLowerCase(),
        notFound
          ? new UsageError(
              `function '${name}' is not on the app (not deployed, or not indexed yet): ${errorMessage(e)}`,
              { fix: "Deploy the function, or correct keys.rotate[].function." },
            )
          : (e as Error),
      );
    }
  }
  return functions;
}

/**
 * One read of an app/slot for all its logical keys: host keys when a host-scope key needs them, and every function
 * named. Host keys are one more listkeys POST (write bucket), so for function keys alone they are read only when a
 * write is coming (readHostKeys, from the kind's refine step).
 */
export async function readView(api: KeyApi, items: KeyWork[]): Promise<TargetView> {
  const view: TargetView = { functions: new Map() };
  if (items.some((w) => w.policy.scope === "host")) view.host = await api.hostKeys();
  view.functions = await readFunctions(api, items);
  return view;
}

export function scopeKeys(view: TargetView, p: KeyPolicy): KeyMap {
  if (p.scope === "host") return scopeOf(view.host!, p.hostKeyType);
  const keys = view.functions.get(p.functionName!.toLowerCase());
  if (keys instanceof Error) throw keys;
  return keys!;
}

/** The other scope's names, for shadowing: host function keys for a function key; observed function keys for a host key. */
export function shadowsFor(view: TargetView, p: KeyPolicy): Map<string, string> {
  const out = new Map<string, string>();
  if (p.scope === "function") {
    for (const k of view.host?.functionKeys.keys() ?? []) out.set(k.toLowerCase(), "the host keys");
  } else if (p.hostKeyType === "functionKeys") {
    for (const [fn, keys] of view.functions)
      if (!(keys instanceof Error)) for (const k of keys.keys()) out.set(k.toLowerCase(), `the keys of function ${fn}`);
  }
  return out;
}
