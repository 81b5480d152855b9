import pLimit from "p-limit";
import type { ArmClient } from "../azure/arm-client.ts";
import { AzureRequestError, HostUnreachableError, RefusedError, ToolError, UsageError, errorMessage } from "../azure/errors.ts";
import type { KeyVaultSecrets } from "../azure/keyvault-client.ts";
import type { AppConfig } from "../config/resolve.ts";
import { targetLabel, type PlanHeader, type TargetPlan, type TargetRef } from "../plan/model.ts";
import { resultOf, type PlannedTarget, type ReconcileSpec } from "../plan/run-command.ts";
import { applyRotation } from "./apply.ts";
import { keyApi, scopeOf, type KeyApi } from "./arm-keys.ts";
import type { HostRetryOptions } from "./host-retry.ts";
import type { HostKeys, KeyMap } from "./listkeys.ts";
import { keyResource, keyTargetPlan, keysFingerprint } from "./plan-changes.ts";
import { planRotation, type Published } from "./plan-rotation.ts";
import { keyPolicies, policyTargets, secretNameFor, vaultUrlFor, type KeyPolicy } from "./policy.ts";
import { toPublished } from "./publish.ts";

export interface RotateKeysDeps {
  arm: ArmClient;
  keyVault: (vaultUrl: string) => KeyVaultSecrets;
  /** The clock: injected so tests can move past maxAge and grace without waiting or a hidden flag. */
  now: () => Date;
  force: boolean;
  revoke?: string;
  allowNoOverlap: boolean;
  concurrency: number;
  hostRetry: HostRetryOptions;
}

/** One logical key on one app or slot. */
export interface KeyWork {
  app: AppConfig;
  policy: KeyPolicy;
  target: TargetRef;
  secretName: string;
  vaultUrl: string;
}

/**
 * Every (logical key, app/slot) the selection covers, with vault URLs resolved. Runs before any network call, so a
 * missing AZURE_KEYVAULT_URL or an empty selection is reported with no request made.
 */
export function keyWork(apps: AppConfig[], slotFilter: string | undefined, env: NodeJS.ProcessEnv): KeyWork[] {
  const work = apps.flatMap((app) =>
    keyPolicies(app).flatMap((policy) => {
      const vaultUrl = vaultUrlFor(policy, env);
      return policyTargets(app, policy, slotFilter).map((target) => ({ app, policy, target, secretName: secretNameFor(policy, target), vaultUrl }));
    }),
  );
  if (work.length === 0) {
    throw new UsageError(`No key to rotate: none of the selected apps${slotFilter ? ` (slot '${slotFilter}')` : ""} has keys.rotate.`, {
      fix: "Add a keys.rotate list to the apps (see docs/rotate-keys.md), or select other apps with --app/--slot.",
    });
  }
  return work;
}

const targetKey = (t: TargetRef) => `${t.subscriptionId}/${t.resourceGroup}/${t.name}/${t.slot ?? ""}`.toLowerCase();

function failedPlan(w: KeyWork, e: unknown): TargetPlan {
  return {
    target: w.target,
    resource: keyResource(w.policy),
    status: "error",
    changes: [],
    unchanged: 0,
    warnings: [],
    reason: { message: errorMessage(e), fix: e instanceof ToolError ? e.fix : undefined },
  };
}

const isExpected = (e: unknown) => e instanceof ToolError || e instanceof AzureRequestError;

/** What one app/slot looks like: host keys (when read), and each function's keys (or why they could not be read). */
interface TargetView {
  host?: HostKeys;
  functions: Map<string, KeyMap | Error>;
}

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
      functions.set(name.toLowerCase(), notFound ? new UsageError(`function '${name}' is not on the app (not deployed, or not indexed yet): ${errorMessage(e)}`, { fix: "Deploy the function, or correct keys.rotate[].function." }) : (e as Error));
    }
  }
  return functions;
}

function scopeKeys(view: TargetView, p: KeyPolicy): KeyMap {
  if (p.scope === "host") return scopeOf(view.host!, p.hostKeyType);
  const keys = view.functions.get(p.functionName!.toLowerCase());
  if (keys instanceof Error) throw keys;
  return keys!;
}

/** The other scope's names, for shadowing: host function keys for a function key; observed function keys for a host key. */
function shadowsFor(view: TargetView, p: KeyPolicy): Map<string, string> {
  const out = new Map<string, string>();
  if (p.scope === "function") {
    for (const k of view.host?.functionKeys.keys() ?? []) out.set(k.toLowerCase(), "the host keys");
  } else if (p.hostKeyType === "functionKeys") {
    for (const [fn, keys] of view.functions) if (!(keys instanceof Error)) for (const k of keys.keys()) out.set(k.toLowerCase(), `the keys of function ${fn}`);
  }
  return out;
}

/** rotate-keys as a ReconcileSpec: one plan entry per logical key per app/slot; writes to one app/slot never overlap. */
export function rotateKeysSpec(work: KeyWork[], deps: RotateKeysDeps, header: PlanHeader): ReconcileSpec {
  // The host's secret store is load-modify-write with no cross-caller lock (arm-contract §2.5): key writes to one
  // app/slot run one after another even when their plan entries are applied concurrently.
  const chains = new Map<string, Promise<unknown>>();
  const serial = <T>(t: TargetRef, job: () => Promise<T>): Promise<T> => {
    const k = targetKey(t);
    const next = (chains.get(k) ?? Promise.resolve()).then(job, job);
    chains.set(k, next.catch(() => undefined));
    return next;
  };

  const planTarget = async (items: KeyWork[], progress: (line: string) => void): Promise<{ w: KeyWork; planned: PlannedTarget; revokeMatched: boolean }[]> => {
    const target = items[0]!.target;
    const api = keyApi(deps.arm, target, deps.hostRetry);
    const needHost = items.some((w) => w.policy.scope === "host");
    const view: TargetView = { functions: new Map() };
    const observed = new Map<KeyWork, { keys: KeyMap; published: Published } | Error>();
    const now = deps.now();
    const planOf = (w: KeyWork, o: { keys: KeyMap; published: Published }) => {
      const { logical, renewInPlace, maxAgeMs, graceMs, replaces } = w.policy;
      return planRotation({ logical, renewInPlace, maxAgeMs, graceMs, replaces, keys: o.keys, published: o.published, shadows: shadowsFor(view, w.policy), now, force: deps.force, revoke: deps.revoke, allowNoOverlap: deps.allowNoOverlap });
    };
    try {
      if (needHost) view.host = await api.hostKeys();
      view.functions = await readFunctions(api, items);
      await Promise.all(
        items.map(async (w) => {
          try {
            const keys = scopeKeys(view, w.policy);
            observed.set(w, { keys, published: toPublished(await deps.keyVault(w.vaultUrl).latest(w.secretName)) });
          } catch (e) {
            if (!isExpected(e)) throw e;
            observed.set(w, e as Error);
          }
        }),
      );
      // Host keys are one more listkeys POST (write bucket) per app/slot, so for function keys they are read only
      // when a write is coming: to flag a function key shadowing a host key and to keep new names clear of host keys.
      const writes = (w: KeyWork) => {
        const o = observed.get(w);
        return o !== undefined && !(o instanceof Error) && planOf(w, o).steps.length > 0;
      };
      if (!view.host && items.some(writes)) view.host = await api.hostKeys();
    } catch (e) {
      if (!isExpected(e)) throw e;
      progress(`planned ${targetLabel(target)}: error: ${errorMessage(e)}`);
      return items.map((w) => ({ w, planned: { plan: failedPlan(w, e) }, revokeMatched: false }));
    }
    return items.map((w) => {
      const label = `${targetLabel(target)} ${keyResource(w.policy)}`;
      try {
        const o = observed.get(w)!;
        if (o instanceof Error) throw o;
        const { keys, published } = o;
        const kv = deps.keyVault(w.vaultUrl);
        const plan = planOf(w, o);
        const tp = keyTargetPlan(target, w.policy, plan, w.secretName, published, keys);
        progress(`planned ${label}: ${tp.status}${plan.notes.length ? ` (${plan.notes.join("; ")})` : ""}`);
        const planned: PlannedTarget = { plan: tp };
        if (tp.status === "change") {
          planned.apply = ({ reobserve }) =>
            serial(target, async () => {
              let current = keys;
              if (reobserve) {
                // Time has passed since planning (a prompt, a saved plan): re-read and refuse if anything moved.
                current = await api.scopeKeys(w.policy);
                const again: Published = toPublished(await kv.latest(w.secretName));
                if (keysFingerprint(current, again) !== tp.fingerprint) {
                  throw new RefusedError(`${label}: keys or the published secret changed since planning (another run?); nothing was written`, { fix: "Run the command again to plan against the current state." });
                }
              }
              const done = await applyRotation({ api, kv, policy: w.policy, target, secretName: w.secretName, keys: current, now: deps.now }, plan);
              const kept = plan.notes.filter((n) => / stays valid /.test(n));
              return resultOf(tp, "updated", [...done, ...kept].join("; "));
            });
        }
        return { w, planned, revokeMatched: plan.revokeMatched };
      } catch (e) {
        if (!isExpected(e)) throw e;
        progress(`planned ${label}: error: ${errorMessage(e)}`);
        return { w, planned: { plan: failedPlan(w, e) }, revokeMatched: false };
      }
    });
  };

  return {
    command: "rotate-keys",
    header,
    async planAll(progress) {
      const groups = new Map<string, KeyWork[]>();
      for (const w of work) {
        const k = targetKey(w.target);
        groups.set(k, [...(groups.get(k) ?? []), w]);
      }
      const limit = pLimit(Math.max(1, deps.concurrency));
      const planned = (await Promise.all([...groups.values()].map((items) => limit(() => planTarget(items, progress))))).flat();
      if (deps.revoke && !planned.some((p) => p.revokeMatched)) {
        const unread = planned.filter((p) => p.planned.plan.status === "error").length;
        throw new UsageError(`--revoke ${deps.revoke}: no managed key of that name in the selected apps and slots${unread ? ` (${unread} could not be read)` : ""}; nothing was changed.`, {
          fix: "Check the name with --dry-run (physical names look like apim-20261123t0830z; hand-made keys must be listed in keys.rotate[].replaces), or fix what could not be read.",
        });
      }
      // Config order, so plans read the same from run to run.
      const order = new Map(work.map((w, i) => [w, i]));
      return planned.sort((a, b) => order.get(a.w)! - order.get(b.w)!).map((p) => p.planned);
    },
  };
}
