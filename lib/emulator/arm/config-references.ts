import { z } from "zod";
import { jsonBody, route, send, type Route } from "../http.ts";
import type { VaultState } from "../keyvault/state.ts";
import { armError } from "./errors.ts";
import { siteAndSlot, type ArmEnv, type Target } from "./model.ts";
import type { AppState } from "./state.ts";

/**
 * Key Vault references in app settings (learn.microsoft.com/azure/app-service/app-service-key-vault-references):
 * `@Microsoft.KeyVault(SecretUri=https://<vault>/secrets/<name>[/<version>])` or
 * `@Microsoft.KeyVault(VaultName=<vault>;SecretName=<name>[;SecretVersion=<version>])`, resolved with the app's
 * managed identity. `GET config/configreferences/appsettings[/{name}]` reports each one's `ApiKVReference` status
 * (WebApps_GetAppSettingsKeyVaultReferences in azure-rest-api-specs; `ResolveStatus` values as @azure/arm-appservice
 * lists them). The emulator has one vault: the emulator's origin (SecretUri form) or `vaultName` (VaultName form).
 */
export interface ConfigReferenceEnv {
  vault: VaultState;
  /** The emulated vault's URL (the emulator's origin). */
  vaultUrl: () => string;
  /** The name the VaultName form resolves. */
  vaultName: string;
  /** ARM ids (lower case) of apps and slots whose identity holds no read access to the vault (no Key Vault Secrets User). */
  denied: Set<string>;
}

export type ResolveStatus =
  | "Resolved"
  | "InvalidSyntax"
  | "VaultNotFound"
  | "SecretNotFound"
  | "SecretVersionNotFound"
  | "AccessToKeyVaultDenied"
  | "OtherReasons";

export interface ParsedReference {
  vaultName?: string;
  vaultHost?: string;
  secretName?: string;
  secretVersion?: string;
}

const PREFIX = /^@Microsoft\.KeyVault\((.*)\)\s*$/is;

/** Undefined when the value is no Key Vault reference at all; `invalid` when it starts like one but does not parse. */
export function parseReference(value: string): ParsedReference | "invalid" | undefined {
  const m = PREFIX.exec(value.trim());
  if (!m) return undefined;
  const parts = new Map<string, string>();
  for (const p of m[1]!.split(";")) {
    const i = p.indexOf("=");
    if (i <= 0) return "invalid";
    parts.set(p.slice(0, i).trim().toLowerCase(), p.slice(i + 1).trim());
  }
  const uri = parts.get("secreturi");
  if (uri !== undefined) {
    try {
      const u = new URL(uri);
      const seg = /^\/secrets\/([^/]+)(?:\/([^/]*))?\/?$/.exec(u.pathname);
      if (u.protocol !== "https:" || !seg) return "invalid";
      return { vaultHost: u.host.toLowerCase(), secretName: seg[1], secretVersion: seg[2] || undefined };
    } catch {
      return "invalid";
    }
  }
  const vaultName = parts.get("vaultname");
  const secretName = parts.get("secretname");
  if (!vaultName || !secretName) return "invalid";
  return { vaultName, secretName, secretVersion: parts.get("secretversion") || undefined };
}

interface Resolution {
  status: ResolveStatus;
  details: string;
  parsed?: ParsedReference;
  activeVersion?: string;
}

export function resolveReference(refs: ConfigReferenceEnv, t: Target, value: string): Resolution {
  const parsed = parseReference(value);
  if (parsed === undefined || parsed === "invalid")
    return { status: "InvalidSyntax", details: "The Key Vault reference could not be parsed." };
  const ownHost = new URL(refs.vaultUrl()).host.toLowerCase();
  const vaultKnown = parsed.vaultHost
    ? parsed.vaultHost === ownHost
    : parsed.vaultName!.toLowerCase() === refs.vaultName.toLowerCase();
  if (!vaultKnown) return { status: "VaultNotFound", details: "The Key Vault could not be found.", parsed };
  if (refs.denied.has(t.id.toLowerCase()))
    return {
      status: "AccessToKeyVaultDenied",
      details: "Access to the Key Vault was denied: the app's identity holds no role that can read secrets.",
      parsed,
    };
  const record = refs.vault.active(parsed.secretName!);
  if (!record) return { status: "SecretNotFound", details: "The secret could not be found.", parsed };
  const version = parsed.secretVersion
    ? record.versions.find((v) => v.version === parsed.secretVersion)
    : record.versions.at(-1);
  if (!version) return { status: "SecretVersionNotFound", details: "The secret version could not be found.", parsed };
  if (!version.attributes.enabled)
    return { status: "OtherReasons", details: "The secret version is disabled.", parsed };
  return { status: "Resolved", details: "Reference has been resolved.", parsed, activeVersion: version.version };
}

/** The value Easy Auth (or any app code) sees for a setting: the secret when a reference resolves, else the text. */
export function effectiveSetting(refs: ConfigReferenceEnv, t: Target, value: string): string {
  const r = resolveReference(refs, t, value);
  if (r.status !== "Resolved" || !r.parsed) return value;
  const record = refs.vault.active(r.parsed.secretName!)!;
  return record.versions.find((v) => v.version === r.activeVersion)!.value;
}

function referenceBody(refs: ConfigReferenceEnv, t: Target, name: string, value: string) {
  const r = resolveReference(refs, t, value);
  return {
    id: `${t.id}/config/configreferences/appsettings/${name}`,
    name,
    type: `${t.type}/config/configreferences`,
    location: t.site.location,
    properties: {
      reference: value,
      status: r.status,
      vaultName: r.parsed?.vaultName ?? r.parsed?.vaultHost?.split(".")[0],
      secretName: r.parsed?.secretName,
      secretVersion: r.parsed?.secretVersion,
      identityType: { type: "SystemAssigned" },
      details: r.details,
      source: "KeyVault",
      ...(r.activeVersion ? { activeVersion: r.activeVersion } : {}),
    },
  };
}

const isReference = (v: string) => parseReference(v) !== undefined;

export function configReferenceRoutes(env: ArmEnv, refs: ConfigReferenceEnv): Route[] {
  return [
    ...siteAndSlot(env, "GET", "/config/configreferences/appsettings", (ctx, t) =>
      send(ctx, 200, {
        value: Object.entries(t.app.appSettings)
          .filter(([, v]) => isReference(v))
          .map(([name, v]) => referenceBody(refs, t, name, v)),
      }),
    ),
    ...siteAndSlot(env, "GET", "/config/configreferences/appsettings/{appSettingKey}", (ctx, t) => {
      const key = ctx.params.appSettingKey!;
      const hit = Object.entries(t.app.appSettings).find(([n]) => n.toLowerCase() === key.toLowerCase());
      if (!hit || !isReference(hit[1]))
        return armError(ctx, 404, "NotFound", `No Key Vault reference named '${key}' was found in the app settings.`);
      send(ctx, 200, referenceBody(refs, t, hit[0], hit[1]));
    }),
  ];
}

const accessSchema = z.object({ resourceId: z.string().min(1), allowed: z.boolean() }).strict();

/** `PUT /_emulator/arm/keyvault-access`: grant or withdraw the app identity's read access to the vault. */
export function configReferenceAdminRoutes(refs: ConfigReferenceEnv): Route[] {
  return [
    route("PUT", "/_emulator/arm/keyvault-access", (ctx) => {
      const parsed = accessSchema.safeParse(jsonBody(ctx) ?? {});
      if (!parsed.success) return send(ctx, 400, { error: `Invalid access: ${parsed.error.message}` });
      const id = parsed.data.resourceId.toLowerCase();
      if (parsed.data.allowed) refs.denied.delete(id);
      else refs.denied.add(id);
      send(ctx, 200, { denied: [...refs.denied] });
    }),
  ];
}

// App Service restarts the app when its app settings change (learn.microsoft.com/azure/app-service/configure-common:
// "app settings … changes restart the app"); the site's `state` shows it for a moment.
const RESTART_MS = 5_000;
const restarting = new WeakMap<AppState, number>();

export function markRestart(app: AppState): void {
  restarting.set(app, Date.now() + RESTART_MS);
}

/** The state GET reports: `Restarting` while an app-settings restart is under way. */
export function siteState(app: AppState): string {
  const until = restarting.get(app);
  return until !== undefined && until > Date.now() && app.state === "Running" ? "Restarting" : app.state;
}
