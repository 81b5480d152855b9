import type { AppConfig, CheckResult } from "../../pipeline/contract.ts";
import { formatDuration, parseDuration } from "../keys/duration.ts";
import { CLIENT_SECRET_DEFAULTS, type ClientSecretConfig } from "./schema.ts";

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
  };
}

/** Cross-checks: a vault, a valid unique secret name, and durations that leave room for an overlap. */
export function checkClientSecrets(apps: readonly AppConfig[]): CheckResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const names = new Map<string, string>();
  for (const app of apps) {
    const p = clientSecretPolicy(app);
    if (!p) continue;
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
