import { CLOUDS } from "../../azure/clouds.ts";
import { getPath, isRecord, jsonEqual } from "../../azure/json.ts";
import { sitePath, type TargetRef } from "../../azure/targets.ts";
import { BACKUP_ROOT, changedPaths, valueAt } from "../../pipeline/backup.ts";
import type {
  BackupRecord,
  ExportNote,
  ExportedSlice,
  KindExporter,
  KindPlan,
  KindRestorer,
  KindTarget,
  ResourceKind,
  RunContext,
} from "../../pipeline/contract.ts";
import { fieldChange } from "../../pipeline/diff.ts";
import { fingerprint } from "../../pipeline/fingerprint.ts";
import { putAuthDoc, verifyAuthDoc } from "./apply.ts";
import { authSlice } from "./config.ts";
import { mergeLoginParameters } from "./login-parameters.ts";
import { propertiesOf, readAuthDoc, type AuthDoc, type AuthObserved } from "./observe.ts";
import { configFileOf, fileConfigSkip, type AuthWrite } from "./plan.ts";
import { issuerFor } from "./owned-fields.ts";

/** What export reads of one app or slot: the authsettingsV2 document and whether the app is still on V1. */
export interface AuthExportObserved {
  properties: Record<string, unknown>;
  v1: boolean;
}

const GUID_IN = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i;
const ACTIONS = ["Return401", "Return403", "RedirectToLoginPage", "AllowAnonymous"];
const KNOWN_PROVIDERS = new Set(["azureActiveDirectory"]);
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === "string" && x.length > 0) ? (v as string[]) : undefined;

export async function observeAuthForExport(run: RunContext, t: TargetRef): Promise<AuthExportObserved> {
  const properties = propertiesOf(await readAuthDoc(run.arm, t));
  // The classic (V1) settings tell whether the app is still on V1 (docs/contracts/arm.md §1.5): configure-auth skips
  // such an app, so export leaves it out.
  const v1 = await run.arm.post<{ properties?: { configVersion?: string; enabled?: boolean } }>(
    `${sitePath(t)}/config/authsettings/list`,
  );
  // An app never configured also answers configVersion v1; only V1 settings that are on make it a V1 app.
  return { properties, v1: v1.body.properties?.configVersion === "v1" && v1.body.properties.enabled === true };
}

/** The token version and tenant an issuer names, when it is one of the two forms configure-auth writes. */
function parseIssuer(
  issuer: unknown,
  run: Pick<RunContext, "cloud">,
): { tokenVersion: 1 | 2; tenantId: string } | undefined {
  if (typeof issuer !== "string") return undefined;
  const tenantId = GUID_IN.exec(issuer)?.[1];
  if (!tenantId) return undefined;
  for (const v of [2, 1] as const)
    if (issuerFor(v, tenantId, run.cloud ?? CLOUDS.AzureCloud) === issuer) return { tokenVersion: v, tenantId };
  return undefined;
}

/**
 * Pure: an authsettingsV2 document → the `auth` block whose owned fields are what the document holds, so that
 * configure-auth plans no change. Whatever the block does not own (other providers, unknown sections) stays as it is:
 * configure-auth writes the whole document back with only owned fields changed.
 */
export function authToConfig(
  o: AuthExportObserved,
  run: Pick<RunContext, "cloud" | "tenantId">,
  registration: Record<string, unknown> | undefined,
): ExportedSlice {
  const notes: ExportNote[] = [];
  const p = o.properties;
  if (o.v1)
    return {
      notes: [
        {
          path: "auth",
          note: "left out",
          why: "the app uses classic (V1) auth settings; configure-auth would refuse to write it without --migrate-v1",
        },
      ],
    };
  const configFile = getPath(p, ["platform", "configFilePath"]);
  if (typeof configFile === "string" && configFile)
    return {
      notes: [
        { path: "auth", note: "left out", why: `auth settings come from a file (${configFile}) in the app's content` },
      ],
    };
  const enabled = getPath(p, ["platform", "enabled"]);
  const aadRaw = getPath(p, ["identityProviders", "azureActiveDirectory"]);
  if (enabled !== true && !isRecord(aadRaw)) return { notes: [] };
  if (typeof enabled !== "boolean")
    return { notes: [{ path: "auth", note: "left out", why: "platform.enabled is not set on the document" }] };
  const auth: Record<string, unknown> = { enabled };
  const gv = (k: string) => getPath(p, ["globalValidation", k]);
  if (typeof gv("requireAuthentication") === "boolean") auth.requireAuthentication = gv("requireAuthentication");
  const action = gv("unauthenticatedClientAction");
  if (typeof action === "string" && ACTIONS.includes(action)) auth.unauthenticatedClientAction = action;
  const excluded = strings(gv("excludedPaths"));
  if (excluded?.length) auth.excludedPaths = excluded;
  const tokenStore = getPath(p, ["login", "tokenStore", "enabled"]);
  if (typeof tokenStore === "boolean") auth.tokenStore = tokenStore;
  const requireHttps = getPath(p, ["httpSettings", "requireHttps"]);
  if (typeof requireHttps === "boolean") auth.requireHttps = requireHttps;

  const providers = getPath(p, ["identityProviders"]);
  const others = isRecord(providers) ? Object.keys(providers).filter((k) => !KNOWN_PROVIDERS.has(k)) : [];
  if (others.length)
    notes.push({
      path: "auth",
      note: "kept as is",
      why: `identity providers ${others.join(", ")} are not owned by the config; every write keeps them`,
    });
  if (isRecord(aadRaw)) {
    const aad = aadToConfig(aadRaw, run, registration, notes);
    if (aad) auth.azureActiveDirectory = aad;
  }
  return { slice: auth, notes };
}

function aadToConfig(
  raw: Record<string, unknown>,
  run: Pick<RunContext, "cloud" | "tenantId">,
  registration: Record<string, unknown> | undefined,
  notes: ExportNote[],
): Record<string, unknown> | undefined {
  const at = "auth.azureActiveDirectory";
  if (typeof raw.enabled !== "boolean") {
    notes.push({ path: at, note: "left out", why: "azureActiveDirectory.enabled is not set" });
    return undefined;
  }
  const issuer = parseIssuer(getPath(raw, ["registration", "openIdIssuer"]), run);
  if (!issuer) {
    notes.push({
      path: at,
      note: "left out",
      why: `openIdIssuer '${String(getPath(raw, ["registration", "openIdIssuer"]))}' is neither the v1 nor the v2 issuer of a tenant of this cloud`,
    });
    return undefined;
  }
  const aad: Record<string, unknown> = { enabled: raw.enabled };
  const clientId = getPath(raw, ["registration", "clientId"]);
  if (typeof clientId === "string" && clientId) {
    if (registration) {
      aad.clientId = "fromRegistration";
      notes.push({
        path: `${at}.clientId`,
        note: "inferred",
        why: `${clientId} is the appId of this app's registration`,
      });
    } else if (GUID_IN.test(clientId) && clientId.length === 36) aad.clientId = clientId;
  }
  if (issuer.tenantId.toLowerCase() !== run.tenantId.toLowerCase()) aad.tenantId = issuer.tenantId;
  const regVersion = registration ? ((registration.tokenVersion as number | undefined) ?? 2) : undefined;
  aad.tokenVersion = regVersion === issuer.tokenVersion ? "fromRegistration" : issuer.tokenVersion;
  notes.push({
    path: `${at}.tokenVersion`,
    note: "inferred",
    why: `from openIdIssuer ${getPath(raw, ["registration", "openIdIssuer"])} (v${issuer.tokenVersion})`,
  });
  const secretName = getPath(raw, ["registration", "clientSecretSettingName"]);
  if (typeof secretName === "string" && /^[A-Za-z0-9_.-]+$/.test(secretName)) aad.clientSecretSettingName = secretName;
  const params = strings(getPath(raw, ["login", "loginParameters"]));
  if (params?.length) {
    // configure-auth merges key by key; a list that the merge would rewrite (duplicate keys) is left out.
    if (jsonEqual(mergeLoginParameters(params, params), params) && params.every((x) => /^[^=\s]+=.*$/.test(x)))
      aad.loginParameters = params;
    else
      notes.push({ path: `${at}.loginParameters`, note: "left out", why: "the list repeats a key; it is kept as is" });
  }
  const id = aad.clientId === "fromRegistration" || typeof aad.clientId === "string" ? String(clientId) : undefined;
  const templated = (values: string[]) => values.map((v) => (id ? v.replaceAll(id, "{appId}") : v));
  const audiences = strings(getPath(raw, ["validation", "allowedAudiences"]));
  if (audiences?.length) {
    // A v2 app must also accept the bare client id (configure-auth adds it); without it the list would change.
    if (issuer.tokenVersion === 2 && id && !audiences.includes(id))
      notes.push({
        path: `${at}.allowedAudiences`,
        note: "left out",
        why: "a v2 app's list must hold the bare client id, and this one does not; configure-auth would add it",
      });
    else {
      // The bare client id of a v2 app is added by configure-auth itself: not repeated in the config.
      const own = audiences.filter((a) => !(issuer.tokenVersion === 2 && a === id));
      if (own.length) aad.allowedAudiences = templated(own);
    }
  }
  const apps = strings(getPath(raw, ["validation", "defaultAuthorizationPolicy", "allowedApplications"]));
  if (apps?.length) aad.allowedApplications = templated(apps);
  return aad;
}

export const authExporter: KindExporter = {
  observe: (run, site, slot) =>
    observeAuthForExport(run, {
      subscriptionId: site.subscriptionId,
      resourceGroup: site.resourceGroup,
      name: site.name,
      slot,
    }),
  toConfig: (_site, observed, peers, run) => authToConfig(observed as AuthExportObserved, run, peers.registration),
};

/** Restoring one authsettingsV2 document: the whole backed-up document is the desired state. */
export interface AuthRestoreTarget extends KindTarget {
  backup: BackupRecord;
}

/**
 * Easy Auth is restored whole (docs/restore.md): the plan is every leaf that differs between the live document and the
 * backup, and apply PUTs the backed-up `properties` through configure-auth's own write (its backup of the live
 * document first, then verify). A file-based or V1 app is refused as configure-auth refuses it.
 */
export function authRestoreKind(): ResourceKind<AuthRestoreTarget, AuthObserved, AuthWrite> {
  return {
    kind: "auth",
    command: "restore",
    service: "arm",
    config: authSlice,
    targets: () => [],
    bind(run) {
      const backupDir = typeof run.flags["backup-dir"] === "string" ? run.flags["backup-dir"] : BACKUP_ROOT;
      return {
        lockKey: (t) => `${sitePath(t.ref)}/config/authsettingsV2`,
        async observe(t) {
          const doc = await readAuthDoc(run.arm, t.ref);
          return { doc, properties: propertiesOf(doc), context: { tenantId: run.tenantId, tokenVersion: 2 } };
        },
        fingerprint: (o) => fingerprint(o.properties),
        plan(t, o): KindPlan<AuthWrite> {
          const desired = propertiesOf(t.backup.document as AuthDoc);
          const file = configFileOf(desired) ?? configFileOf(o.properties);
          if (file) return fileConfigSkip(file, "Restore that file in the app's content instead.");
          // Members the backup does not hold are filled in by the service on every PUT (its defaults, a provider's
          // empty registration): they are not restored, only written back as the service answers them.
          const paths = changedPaths(o.properties, desired).filter((p) => valueAt(desired, p) !== undefined);
          const changes = paths.flatMap(
            (p) => fieldChange(p, valueAt(o.properties, p), valueAt(desired, p), { security: true }) ?? [],
          );
          return {
            status: changes.length ? "change" : "no-op",
            changes,
            unchanged: 0,
            warnings: [],
            detail: { desired, ownedPaths: paths },
          };
        },
        async refine(t, _o, plan) {
          if (plan.status !== "change") return plan;
          const v1 = await run.arm.post<{ properties?: { configVersion?: string; enabled?: boolean } }>(
            `${sitePath(t.ref)}/config/authsettings/list`,
          );
          if (v1.body.properties?.configVersion !== "v1" || v1.body.properties.enabled !== true) return plan;
          return {
            ...plan,
            status: "skip",
            reason: {
              message: "app uses classic (V1) auth settings; a V2 write would migrate it, and that cannot be undone",
              fix: "Migrate it deliberately with configure-auth --migrate-v1, then restore.",
            },
          };
        },
        async apply(t, plan, o) {
          await putAuthDoc(run.arm, t.ref, o.doc, plan.detail!, backupDir, {
            kind: "auth",
            tenantId: run.tenantId,
            toolVersion: run.toolVersion,
          });
          return { message: `restored from the backup of ${t.backup.takenAt}` };
        },
        verify: (t, plan) => verifyAuthDoc(run.arm, t.ref, plan.detail!),
      };
    },
  };
}

export const authRestorer: KindRestorer = {
  restoreKind: () => authRestoreKind() as unknown as ResourceKind,
};
