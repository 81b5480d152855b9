import pLimit from "p-limit";
import { getPath } from "../azure/json.ts";
import { ToolError, errorMessage } from "../errors.ts";
import type { AppConfig, RunContext, Selection } from "../pipeline/contract.ts";
import { planningMemo } from "../pipeline/memo.ts";
import type { TargetRef } from "../pipeline/model.ts";
import { ownedFields } from "../resources/auth/owned-fields.ts";
import type { AuthConfig } from "../resources/auth/schema.ts";
import { findKey } from "../resources/keys/listkeys.ts";
import type { KeyWork } from "../resources/keys/observe.ts";
import { parsePhysicalName } from "../resources/keys/physical-name.ts";
import type { Observed } from "../resources/registration/types.ts";
import type { SiteConfig } from "../resources/site/schema.ts";
import { clientIdOf, configuredAad } from "./checks/view.ts";
import {
  readAppSettingNames,
  readArmServicePrincipalId,
  readRegistration,
  readSiteKind,
  readV1Flags,
} from "./extra-reads.ts";
import type { AuditReport, FindingTarget } from "./finding.ts";
import { auditKinds, type AuditKinds } from "./kinds.ts";
import type { AuditObservations, KeyObservation, RegistrationObservation, SiteObservation } from "./observation.ts";

export interface GatherOptions {
  concurrency: number;
  /** Progress lines (stderr). */
  log(line: string): void;
}

export interface Gathered {
  observations: AuditObservations;
  targets: FindingTarget[];
  errors: AuditReport["errors"];
}

/** Every site field the audit looks at, owned on every app: the site kind's observer then reads them all. */
const AUDIT_SITE: SiteConfig = {
  httpsOnly: true,
  minTlsVersion: "1.2",
  scmMinTlsVersion: "1.2",
  ftpsState: "Disabled",
  remoteDebuggingEnabled: false,
  cors: { allowedOrigins: [] },
};

export const targetOf = (ref: TargetRef, extra: Partial<FindingTarget> = {}): FindingTarget => ({
  label: ref.slot ? `${ref.name}/${ref.slot}` : ref.name,
  app: ref.name,
  ...(ref.slot ? { slot: ref.slot } : {}),
  subscriptionId: ref.subscriptionId,
  resourceGroup: ref.resourceGroup,
  ...extra,
});

const siteKeyOf = (ref: TargetRef) =>
  `${ref.subscriptionId}/${ref.resourceGroup}/${ref.name}/${ref.slot ?? ""}`.toLowerCase();

/**
 * The app's auth block with `fromRegistration` replaced by what the registration kind just read, so the auth kind's
 * observer needs no second Graph lookup (and a registration that does not exist yet is a finding, not a failure).
 * Apps with no auth block get an empty one: their document is audited, no field is owned.
 */
function authForAudit(app: AppConfig, registration: Observed | undefined): AuthConfig {
  const auth: AuthConfig = app.auth ?? { enabled: true };
  const aad = auth.azureActiveDirectory;
  if (!aad) return auth;
  const application = registration?.application;
  const { clientId: _c, ...rest } = aad;
  const clientId = aad.clientId === "fromRegistration" ? application?.appId : aad.clientId;
  const tokenVersion =
    aad.tokenVersion === "fromRegistration"
      ? application?.api.requestedAccessTokenVersion === 2
        ? 2
        : 1
      : aad.tokenVersion;
  return { ...auth, azureActiveDirectory: { ...rest, ...(clientId ? { clientId } : {}), tokenVersion } };
}

/** Reads the fleet through the kinds' observers (and the few extra reads the checks need); never writes. */
export async function gather(
  apps: readonly AppConfig[],
  selection: Selection,
  ctx: RunContext,
  opts: GatherOptions,
  kinds: AuditKinds = auditKinds(),
): Promise<Gathered> {
  const limit = pLimit(opts.concurrency);
  const memo = planningMemo();
  const errors: AuditReport["errors"] = [];
  const failed = (target: FindingTarget, e: unknown) => {
    errors.push({ target, message: errorMessage(e), ...(e instanceof ToolError && e.fix ? { fix: e.fix } : {}) });
    opts.log(`! ${target.label}: ${errorMessage(e)}`);
  };
  const graph = ctx.graph();
  let armSp: Promise<string | undefined> | undefined;
  const armServicePrincipalId = () => (armSp ??= readArmServicePrincipalId(graph));

  // 1. Registrations the config names, through the registration kind's observer.
  const regs = kinds.registration.bind(ctx);
  const byApp = new Map<number, Observed>();
  const registrations: Record<string, RegistrationObservation> = {};
  await Promise.all(
    kinds.registration.targets(apps, selection).map((t) =>
      limit(async () => {
        const label = `application '${t.desired.uniqueName ?? t.desired.appId ?? t.app.name}'`;
        // The kind's target carries the app it was made from.
        const app = apps.find((a) => a === t.app)!;
        try {
          const observed = await regs.observe(t, memo);
          byApp.set(app.index, observed);
          if (!observed.application) return;
          const r = await readRegistration(graph, observed.application.appId, armServicePrincipalId, {
            observed,
            appIndex: app.index,
            label,
            grantsRead: t.desired.consent.length > 0,
          });
          registrations[r.appId] = r;
          opts.log(`✓ ${label}`);
        } catch (e) {
          failed({ label, registration: t.desired.appId }, e);
        }
      }),
    ),
  );

  // 2. Easy Auth, site hardening and app settings of every app and slot.
  const authApps = apps.map((a) => ({ ...a, auth: authForAudit(a, byApp.get(a.index)) }));
  const authTargets = kinds.auth.targets(authApps, selection);
  const authReconciler = kinds.auth.bind(ctx);
  const siteTargets = kinds.site.targets(
    apps.map((a) => ({ ...a, site: AUDIT_SITE })),
    selection,
  );
  const siteReconciler = kinds.site.bind(ctx);
  const sites: SiteObservation[] = await Promise.all(
    authTargets.map((t) =>
      limit(async (): Promise<SiteObservation> => {
        const app = apps.find((a) => a.index === t.app.index)!;
        const target = targetOf(t.ref);
        const obs: SiteObservation = {
          target,
          appIndex: app.index,
          ownedAuthPaths: [],
          ...(byApp.get(app.index)?.application
            ? { configRegistration: byApp.get(app.index)!.application!.appId }
            : {}),
        };
        try {
          const [kind, auth, v1, site] = await Promise.all([
            memo.memo(`site-kind|${t.ref.name}|${t.ref.resourceGroup}`, () =>
              readSiteKind(ctx.arm, { ...t.ref, slot: undefined }),
            ),
            authReconciler.observe(t, memo),
            readV1Flags(ctx.arm, t.ref),
            (async () => {
              const st = siteTargets.find((s) => siteKeyOf(s.ref) === siteKeyOf(t.ref));
              return st ? siteReconciler.observe(st, memo) : undefined;
            })(),
          ]);
          if (kind) obs.siteKind = kind;
          obs.auth = auth.properties;
          obs.v1 = v1;
          if (app.auth) obs.ownedAuthPaths = ownedFields(t.app.auth!, auth.context).map((f) => f.path);
          if (site) obs.site = { httpsOnly: site.site?.httpsOnly, web: site.web ?? {} };
          // App settings are a write-bucket POST: read only when Easy Auth names a client secret setting.
          const aad = configuredAad(auth.properties);
          if (aad && getPath(aad, ["registration", "clientSecretSettingName"]))
            obs.appSettings = await readAppSettingNames(ctx.arm, t.ref);
          opts.log(`✓ ${target.label}`);
        } catch (e) {
          failed(target, e);
        }
        return obs;
      }),
    ),
  );

  // 3. Registrations named by an Easy Auth client id and not by the config.
  const named = new Set<string>();
  for (const s of sites) {
    const aad = s.auth ? configuredAad(s.auth) : undefined;
    const id = aad && clientIdOf(aad);
    if (id && !registrations[id.toLowerCase()]) named.add(id.toLowerCase());
  }
  await Promise.all(
    [...named].map((appId) =>
      limit(async () => {
        try {
          registrations[appId] = await readRegistration(graph, appId, armServicePrincipalId);
        } catch (e) {
          failed({ label: `application ${appId}`, registration: appId }, e);
        }
      }),
    ),
  );

  // 4. Rotated keys, through the keys kind's observer.
  const keys = await gatherKeys(apps, selection, ctx, kinds, limit, memo, failed);

  const targets = [
    ...sites.map((s) => s.target),
    ...Object.values(registrations).map((r) => ({ label: r.label, registration: r.appId })),
  ];
  return { observations: { now: ctx.now().toISOString(), sites, registrations, keys }, targets, errors };
}

async function gatherKeys(
  apps: readonly AppConfig[],
  selection: Selection,
  ctx: RunContext,
  kinds: AuditKinds,
  limit: ReturnType<typeof pLimit>,
  memo: ReturnType<typeof planningMemo>,
  failed: (t: FindingTarget, e: unknown) => void,
): Promise<KeyObservation[]> {
  let work: KeyWork[];
  try {
    work = kinds.keys.targets(apps, selection);
  } catch (e) {
    // A missing vault URL (AZURE_KEYVAULT_URL) leaves the keys unaudited; it is reported, the rest goes on.
    failed({ label: "keys" }, e);
    return [];
  }
  const reconciler = kinds.keys.bind(ctx);
  const out = await Promise.all(
    work.map((w) =>
      limit(async (): Promise<KeyObservation | undefined> => {
        const target = targetOf(w.target, { key: `${w.policy.functionName ?? "host"}/${w.policy.logical}` });
        const app = apps.find((a) => a.index === w.app.index)!;
        const rotateIndex = Number(/rotate\[(\d+)\]/.exec(w.policy.at)?.[1] ?? 0);
        const base = {
          target,
          appIndex: app.index,
          rotateIndex,
          logical: w.policy.logical,
          scope: w.policy.scope,
          maxAgeMs: w.policy.maxAgeMs,
          renewInPlace: w.policy.renewInPlace,
          secretName: w.secretName,
        };
        try {
          const o = await reconciler.observe(w, memo);
          const names = [...o.keys.keys()];
          const physical = names
            .flatMap((name) => {
              const at = parsePhysicalName(name, w.policy.logical);
              return at ? [{ name, createdAt: at.toISOString() }] : [];
            })
            .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
          const p = o.published;
          // Values are compared here and dropped: only whether they match is kept.
          const published: KeyObservation["published"] =
            p.state === "found"
              ? {
                  state: "found",
                  ...(p.keyName ? { keyName: p.keyName } : {}),
                  matchesApp: Boolean(p.keyName && findKey(o.keys, p.keyName)?.value.reveal() === p.value.reveal()),
                }
              : { state: p.state };
          return { ...base, keyNames: names, physical, published };
        } catch (e) {
          failed(target, e);
          return { ...base, keyNames: [], physical: [], published: { state: "absent" }, error: errorMessage(e) };
        }
      }),
    ),
  );
  return out.filter((k): k is KeyObservation => k !== undefined);
}
