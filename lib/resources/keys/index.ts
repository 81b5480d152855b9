import { UsageError } from "../../errors.ts";
import type { ResourceKind } from "../../pipeline/contract.ts";
import { applyRotation } from "./apply.ts";
import { keyApi } from "./arm-keys.ts";
import { keysSlice } from "./config.ts";
import { DEFAULT_HOST_RETRY, type HostRetryOptions } from "./host-retry.ts";
import {
  keyTargets,
  noKeys,
  readView,
  scopeKeys,
  shadowsFor,
  siteKey,
  type KeyObserved,
  type KeyWork,
} from "./observe.ts";
import { keyKindPlan, keysFingerprint } from "./plan-changes.ts";
import { planRotation, type RotationPlan } from "./plan.ts";
import { toPublished } from "./publish.ts";
import { keysExporter } from "./export.ts";

export { keyWork, type KeyWork } from "./observe.ts";

declare module "../../pipeline/contract.ts" {
  interface RunTuning {
    /** Back-off while the Functions host is unreachable (tests shorten it). */
    hostRetry: HostRetryOptions;
  }
}

const PHYSICAL_OR_KEY_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,127}$/;

/** Function and host keys: one plan entry per logical key per app/slot; writes to one app/slot never overlap. */
export const keysKind: ResourceKind<KeyWork, KeyObserved, RotationPlan> = {
  kind: "keys",
  command: "rotate-keys",
  service: "arm",
  config: keysSlice,
  exporter: keysExporter,
  options: {
    force: { type: "boolean", description: "Rotate every selected key now, whatever its age" },
    revoke: {
      type: "string",
      valueName: "physical-name",
      description: "Emergency: replace this key now and delete it once the new one is published (no grace)",
    },
    "allow-no-overlap": {
      type: "boolean",
      description: "Allow renewing _master and other '_' keys in place (their old value dies at once)",
    },
  },
  checkFlags(flags) {
    const revoke = flags.revoke;
    if (typeof revoke === "string" && !PHYSICAL_OR_KEY_NAME.test(revoke)) {
      throw new UsageError(`--revoke '${revoke}' is not a key name.`, {
        fix: "Pass the physical key name as listed by --dry-run, e.g. --revoke apim-20261123t0830z.",
      });
    }
  },
  targets: (apps, sel) => keyTargets(apps, sel.slot, sel.env),
  none: (sel) => noKeys(sel.slot),
  bind(run) {
    const hostRetry = run.tuning.hostRetry ?? DEFAULT_HOST_RETRY;
    const revoke = typeof run.flags.revoke === "string" ? run.flags.revoke : undefined;
    const apiOf = (w: KeyWork) => keyApi(run.arm, w.target, hostRetry);
    const plan = (w: KeyWork, o: KeyObserved) => {
      const { logical, renewInPlace, maxAgeMs, graceMs, replaces } = w.policy;
      const rotation = planRotation({
        logical,
        renewInPlace,
        maxAgeMs,
        graceMs,
        replaces,
        keys: o.keys,
        published: o.published,
        shadows: shadowsFor(o.view, w.policy),
        now: run.now(),
        force: Boolean(run.flags.force),
        revoke,
        allowNoOverlap: Boolean(run.flags["allow-no-overlap"]),
      });
      return keyKindPlan(w.policy, rotation, w.secretName, o.published);
    };
    return {
      // The host's secret store is load-modify-write with no cross-caller lock (docs/contracts/arm.md §2.5).
      lockKey: (w) => siteKey(w.target),
      async observe(w, ctx) {
        // The app/slot's keys are read once for all its logical keys.
        const view = { ...(await ctx.memo(`keys|${siteKey(w.target)}`, () => readView(apiOf(w), w.siblings))) };
        return {
          view,
          keys: scopeKeys(view, w.policy),
          published: toPublished(await run.keyVault(w.vaultUrl).latest(w.secretName)),
        };
      },
      // Key names (never values) and the current secret version.
      fingerprint: (o) => keysFingerprint(o.keys, o.published),
      plan,
      async refine(w, o, p, ctx) {
        // Before a write, the host's function keys are needed to flag shadowing and keep new names clear of them.
        if (p.status !== "change" || o.view.host) return p;
        o.view.host = await ctx.memo(`host-keys|${siteKey(w.target)}`, () => apiOf(w).hostKeys());
        return plan(w, o);
      },
      checkPlans(plans) {
        if (!revoke || plans.some((p) => p.plan?.detail?.revokeMatched)) return;
        const unread = plans.filter((p) => !p.plan).length;
        throw new UsageError(
          `--revoke ${revoke}: no managed key of that name in the selected apps and slots${unread ? ` (${unread} could not be read)` : ""}; nothing was changed.`,
          {
            fix: "Check the name with --dry-run (physical names look like apim-20261123t0830z; hand-made keys must be listed in keys.rotate[].replaces), or fix what could not be read.",
          },
        );
      },
      async apply(w, p, o) {
        const rotation = p.detail!;
        const done = await applyRotation(
          {
            api: apiOf(w),
            kv: run.keyVault(w.vaultUrl),
            policy: w.policy,
            target: w.target,
            secretName: w.secretName,
            keys: o.keys,
            now: () => run.now(),
          },
          rotation,
        );
        const kept = rotation.notes.filter((n) => / stays valid /.test(n));
        return { message: [...done, ...kept].join("; ") };
      },
    };
  },
};
