import type { AppConfig, CheckResult } from "../../pipeline/contract.ts";
import { formatDuration, parseDuration } from "../keys/duration.ts";
import { CLIENT_SECRET_DEFAULTS, SECRET_ONLY_FIELDS, type ClientSecretConfig } from "./schema.ts";

/**
 * The app setting Easy Auth reads the managed identity's client id from when it signs in with a federated identity
 * credential instead of a secret; `clientSecretSettingName` names it (learn.microsoft.com/azure/app-service/
 * configure-authentication-provider-aad, "Use a managed identity instead of a secret").
 */
export const MI_SETTING_NAME = "OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID";

/** A user-assigned identity's ARM resource id, the key of the site's `identity.userAssignedIdentities`. */
export const USER_ASSIGNED_IDENTITY_ID =
  /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[A-Za-z0-9][-\w]{2,127}$/i;

/** One app's client-secret policy with the defaults applied. */
export interface ClientSecretPolicy {
  /** `apps[3].clientSecret`, for messages. */
  at: string;
  vaultUrl?: string;
  secretName: string;
  maxAgeMs: number;
  renewBeforeMs: number;
  lifetimeMs: number;
  graceMs: number;
  /** What Easy Auth signs in with: a rotated secret (undefined too), or a user-assigned managed identity (`identity`). */
  credential?: "secret" | "managedIdentity";
  identity?: string;
}

const ms = (v: string | undefined, fallback: string) => parseDuration(v ?? fallback) ?? parseDuration(fallback)!;
const SECRET_NAME = /^[0-9A-Za-z-]{1,127}$/;

export function clientSecretPolicy(app: AppConfig): ClientSecretPolicy | undefined {
  const c: ClientSecretConfig | undefined = app.clientSecret;
  if (!c) return undefined;
  const d = CLIENT_SECRET_DEFAULTS;
  return {
    at: `apps[${app.index}].clientSecret`,
    vaultUrl: c.vaultUrl,
    secretName: (c.secretName ?? d.secretName).replace(/\{site\}/g, app.name.replace(/[^0-9A-Za-z-]/g, "-")),
    maxAgeMs: ms(c.maxAge, d.maxAge),
    renewBeforeMs: ms(c.renewBefore, d.renewBefore),
    lifetimeMs: ms(c.lifetime, d.lifetime),
    graceMs: ms(c.grace, d.grace),
    credential: c.credential ?? "secret",
    identity: c.identity,
  };
}

/** Cross-checks of an app that signs in with a managed identity: a valid identity id, no rotation fields, Easy Auth's name. */
function checkManagedIdentity(app: AppConfig, at: string, errors: string[]): void {
  const c = app.clientSecret!;
  if (!c.identity)
    errors.push(
      `${at}.identity: credential managedIdentity needs the user-assigned identity; set identity: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>`,
    );
  else if (!USER_ASSIGNED_IDENTITY_ID.test(c.identity))
    errors.push(
      `${at}.identity: '${c.identity}' is not a user-assigned identity's resource id; write it as /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name> (az identity show --query id)`,
    );
  for (const f of SECRET_ONLY_FIELDS)
    if (c[f] !== undefined)
      errors.push(`${at}.${f}: not used with credential managedIdentity (no secret is made or rotated); remove it`);
  const aad = app.auth?.azureActiveDirectory;
  if (aad && aad.clientSecretSettingName !== MI_SETTING_NAME)
    errors.push(
      `${at}: credential managedIdentity needs Easy Auth to read ${MI_SETTING_NAME}, but auth.azureActiveDirectory.clientSecretSettingName is ${aad.clientSecretSettingName ? `'${aad.clientSecretSettingName}'` : "not set"}; set clientSecretSettingName: ${MI_SETTING_NAME}`,
    );
}

/** Cross-checks: a vault, a valid unique secret name, and durations that leave room for an overlap. */
export function checkClientSecrets(apps: readonly AppConfig[]): CheckResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const names = new Map<string, string>();
  for (const app of apps) {
    const p = clientSecretPolicy(app);
    if (!p) continue;
    if (p.credential === "managedIdentity") {
      checkManagedIdentity(app, p.at, errors);
      continue;
    }
    if (app.clientSecret?.identity !== undefined)
      errors.push(
        `${p.at}.identity: used only with credential managedIdentity; remove it, or set credential: managedIdentity`,
      );
    if (!p.vaultUrl)
      errors.push(`${p.at}: no Key Vault; set clientSecret.vaultUrl ('fromEnv' reads AZURE_KEYVAULT_URL)`);
    if (!SECRET_NAME.test(p.secretName))
      errors.push(
        `${p.at}.secretName: '${p.secretName}' is not a valid Key Vault secret name (1-127 letters, digits or '-')`,
      );
    const id = `${p.vaultUrl ?? ""}|${p.secretName}`.toLowerCase();
    const other = names.get(id);
    if (other)
      errors.push(`${p.at}.secretName: '${p.secretName}' is also used by ${other}; each app needs its own secret`);
    else names.set(id, p.at);
    if (p.lifetimeMs <= p.renewBeforeMs)
      errors.push(
        `${p.at}.lifetime: ${formatDuration(p.lifetimeMs)} is not longer than renewBefore (${formatDuration(p.renewBeforeMs)}); every run would add a password`,
      );
    else if (p.lifetimeMs < p.maxAgeMs + p.renewBeforeMs)
      warnings.push(
        `${p.at}.lifetime: ${formatDuration(p.lifetimeMs)} is shorter than maxAge + renewBefore; passwords are renewed by renewBefore, not maxAge`,
      );
    if (p.graceMs >= p.renewBeforeMs)
      warnings.push(
        `${p.at}.grace: ${formatDuration(p.graceMs)} is not shorter than renewBefore (${formatDuration(p.renewBeforeMs)}); an old password may expire before it is removed`,
      );
  }
  return { errors, warnings };
}
