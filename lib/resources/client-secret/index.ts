import { sitePath } from "../../azure/targets.ts";
import { RefusedError, UsageError } from "../../errors.ts";
import type { KindPlan, ResourceKind } from "../../pipeline/contract.ts";
import { fingerprint } from "../../pipeline/fingerprint.ts";
import { applySecretPlan, type VerifyRetry } from "./apply.ts";
import { clientSecretSlice } from "./config.ts";
import {
  clientSecretTargets,
  readApplication,
  readPublished,
  readSite,
  type ClientSecretObserved,
  type ClientSecretTarget,
} from "./observe.ts";
import { planChanges, planClientSecret, type SecretPlan } from "./plan.ts";
import { applyIdentityPlan } from "./apply-managed-identity.ts";
import {
  isManagedIdentityObserved,
  observeManagedIdentity,
  type ManagedIdentityObserved,
} from "./observe-managed-identity.ts";
import { identityChanges, planManagedIdentity, type IdentityPlan } from "./plan-managed-identity.ts";
import { BACKUP_DIR_OPTION } from "../../pipeline/backup.ts";

declare module "../../pipeline/contract.ts" {
  interface RunTuning {
    /** How often `configreferences` is read again while it is not Resolved yet (tests shorten it). */
    clientSecretVerify: VerifyRetry;
  }
}

const DEFAULT_BACKUP_DIR = ".backups/rotate-keys";
const DEFAULT_VERIFY: VerifyRetry = { attempts: 5, delayMs: (a) => 2_000 * a };

/**
 * What another writer of this chain changes: Key Vault's current version and each site's reference (never a value).
 * Easy Auth's own names are the auth kind's, written earlier in the same `apply` (a deferred plan must still match
 * then), and passwords move only with a new version.
 */
function secretFingerprint(o: ClientSecretObserved | ManagedIdentityObserved): string {
  if (isManagedIdentityObserved(o))
    // The secretless chain: the registration's federated credentials and each site's identity and setting.
    return fingerprint({
      federated: (o.application?.federated ?? []).map((c) => c.id).sort(),
      sites: o.sites.map((s) => [s.identity?.principalId ?? null, s.settingValue ?? null]),
      sticky: o.slotSettings.appSettingNames,
    });
  return fingerprint({
    references: o.sites.map((s) => (s.kind === "reference" ? (s.reference ?? null) : null)),
    published: o.published.state === "found" ? [o.published.version, o.published.keyId ?? null] : o.published.state,
  });
}

type Detail = SecretPlan | IdentityPlan;
const isIdentityPlan = (p: Detail): p is IdentityPlan => (p as IdentityPlan).credential === "managedIdentity";

function kindPlan(plan: Detail, changes: KindPlan["changes"]): KindPlan<Detail> {
  const base = { warnings: plan.warnings, notes: plan.notes, detail: plan };
  const why = plan.refused ?? plan.skipped;
  if (why) return { ...base, status: "skip", changes: [], unchanged: 0, reason: why };
  return changes.length
    ? { ...base, status: "change", changes, unchanged: 0 }
    : { ...base, status: "no-op", changes: [], unchanged: 1 };
}

/**
 * The Easy Auth client secret (docs/client-secrets.md): one password of the app's registration, published to Key
 * Vault and referenced by the app setting `clientSecretSettingName` names, rotated with an overlap. One target per app:
 * production and slots share the registration, so they get one password and each its reference.
 */
export const clientSecretKind: ResourceKind<
  ClientSecretTarget,
  ClientSecretObserved | ManagedIdentityObserved,
  Detail
> = {
  kind: "client-secret",
  command: "rotate-keys",
  service: "arm",
  config: clientSecretSlice,
  options: {
    // The same flag as the keys kind's: one --force rotates every selected credential.
    force: { type: "boolean", description: "Rotate every selected key and client secret now, whatever its age" },
    "migrate-secret-setting": {
      type: "boolean",
      description:
        "Move a client secret held in the app setting itself to Key Vault and point the setting at it (no new password)",
    },
    "backup-dir": BACKUP_DIR_OPTION,
  },
  targets: (apps, sel) => clientSecretTargets(apps, sel.slot, sel.env),
  none: (sel) =>
    new UsageError(
      `No client secret to rotate: none of the selected apps${sel.slot ? ` (slot '${sel.slot}')` : ""} has a clientSecret block.`,
      { fix: "Add clientSecret: to the apps (see docs/client-secrets.md), or select other apps with --app/--slot." },
    ),
  bind(run) {
    const backupDir = typeof run.flags["backup-dir"] === "string" ? run.flags["backup-dir"] : DEFAULT_BACKUP_DIR;
    const verifyRetry = run.tuning.clientSecretVerify ?? DEFAULT_VERIFY;
    const observe = async (t: ClientSecretTarget): Promise<ClientSecretObserved | ManagedIdentityObserved> => {
      if (t.policy.credential === "managedIdentity") return observeManagedIdentity(run.arm, run.graph, t);
      const sites = await Promise.all(t.sites.map((ref) => readSite(run.arm, ref)));
      const appId = sites.find((s) => s.clientId && s.settingName)?.clientId;
      return {
        sites,
        application: appId ? await readApplication(run.graph(), appId) : undefined,
        published: await readPublished(run.keyVault(t.vaultUrl), t.policy.secretName),
      };
    };
    const planFor = (t: ClientSecretTarget, o: ClientSecretObserved | ManagedIdentityObserved, authPending = true) =>
      isManagedIdentityObserved(o)
        ? planManagedIdentity({
            policy: t.policy,
            observed: o,
            now: run.now(),
            // The identity's tokens are issued by the cloud's authority, whatever AZURE_AUTHORITY_HOST the tool uses.
            cloud: run.cloud,
            tenantId: run.tenantId,
            appName: t.app.name,
            authPending: authPending && Boolean(t.app.auth?.azureActiveDirectory?.clientId),
          })
        : planClientSecret({
            policy: t.policy,
            vaultUrl: t.vaultUrl,
            observed: o,
            now: run.now(),
            force: Boolean(run.flags.force),
            migrate: Boolean(run.flags["migrate-secret-setting"]),
            authPending: authPending && Boolean(t.app.auth?.azureActiveDirectory?.clientSecretSettingName),
          });
    return {
      // One writer per app: its sites' settings and its registration's passwords.
      lockKey: (t) => `client-secret|${sitePath(t.ref)}`,
      observe: (t) => observe(t),
      fingerprint: secretFingerprint,
      plan(t, o) {
        const plan = planFor(t, o);
        if (isIdentityPlan(plan)) {
          // A refusal here (the identity not assigned, the credential limit) is this target's error: nothing is written.
          if (plan.refused) throw new RefusedError(plan.refused.message, { fix: plan.refused.fix });
          return kindPlan(plan, identityChanges(plan, o as ManagedIdentityObserved));
        }
        return kindPlan(plan, planChanges(plan, t.policy, o as ClientSecretObserved));
      },
      async apply(t, p, observed, ctx) {
        let detail = p.detail!;
        let o = observed;
        if (detail.deferred) {
          // The auth kind ran before this one (KINDS order) and has now written Easy Auth's setting name.
          o = await observe(t);
          detail = planFor(t, o, false);
          const why = detail.refused ?? detail.skipped;
          if (why || detail.deferred)
            throw new RefusedError(
              `after Easy Auth was configured: ${why?.message ?? "it still names no client secret setting"}`,
              {
                fix: why?.fix ?? "Check auth.azureActiveDirectory.clientSecretSettingName, then run again.",
              },
            );
        }
        const done = isIdentityPlan(detail)
          ? await applyIdentityPlan({ arm: run.arm, graph: run.graph(), appName: t.app.name, log: ctx.log }, detail)
          : await applySecretPlan(
              {
                arm: run.arm,
                graph: run.graph(),
                kv: run.keyVault(t.vaultUrl),
                policy: t.policy,
                vaultUrl: t.vaultUrl,
                appName: t.app.name,
                tenantId: run.tenantId,
                authorityHost: t.authorityHost ?? run.cloud.authorityHost,
                tokenScope: `${run.cloud.graph}/.default`,
                observed: o as ClientSecretObserved,
                now: () => run.now(),
                log: ctx.log,
                backup: {
                  dir: backupDir,
                  meta: { kind: "client-secret", tenantId: run.tenantId, toolVersion: run.toolVersion },
                },
                verifyRetry,
              },
              detail,
            );
        const kept = detail.notes.filter((n) => / stays valid /.test(n));
        return { message: [...done, ...kept].join("; ") };
      },
    };
  },
};
