import { parseLoginParameters, scopeResources } from "../auth/login-parameters.ts";
import { checkKeys } from "./keys-checks.ts";
import { normalizeListPolicy } from "./list-policy.ts";
import { registrationChecks } from "./registration-checks.ts";
import type { AppConfig } from "./resolve.ts";

export interface CrossCheckResult {
  errors: string[];
  warnings: string[];
}

/** Checks that need the whole (resolved) config: unique addresses, references between fields. */
export function crossCheck(apps: AppConfig[]): CrossCheckResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const seen = new Map<string, number>();
  for (const app of apps) {
    const at = `apps[${app.index}]`;
    const address = `${app.subscriptionId}/${app.resourceGroup}/${app.name}`.toLowerCase();
    const first = seen.get(address);
    if (first !== undefined) errors.push(`${at}: same app as apps[${first}] (${app.resourceGroup}/${app.name}); list each app once`);
    else seen.set(address, app.index);
    const dupSlot = app.slots.find((s, i) => app.slots.findIndex((x) => x.toLowerCase() === s.toLowerCase()) !== i);
    if (dupSlot) errors.push(`${at}.slots: '${dupSlot}' is listed twice`);
    if (app.slots.some((s) => s.toLowerCase() === "production")) errors.push(`${at}.slots: 'production' is the app itself; list only deployment slots`);

    const aad = app.auth?.azureActiveDirectory;
    if (!aad) continue;
    if ((aad.clientId === "fromRegistration" || aad.tokenVersion === "fromRegistration") && !app.registration) {
      errors.push(`${at}.auth.azureActiveDirectory: 'fromRegistration' needs a registration block on the app (or in defaults)`);
    }
    const lists = [aad.allowedAudiences, aad.allowedApplications].flatMap((l) => normalizeListPolicy(l)?.values ?? []);
    const usesAppId = lists.some((v) => v.includes("{appId}"));
    if (usesAppId && !aad.clientId) errors.push(`${at}.auth.azureActiveDirectory: '{appId}' is used but clientId is not set`);
    if (aad.loginParameters) {
      const resources = scopeResources(parseLoginParameters(aad.loginParameters).scopes);
      if (resources.length > 1) {
        warnings.push(`${at}.auth.azureActiveDirectory.loginParameters: scopes for ${resources.join(" and ")} in one request; a token has one audience, so only one of them can be used`);
      }
      if (resources.length > 0 && !aad.clientSecretSettingName) {
        warnings.push(`${at}.auth.azureActiveDirectory: requesting ${resources.join(", ")} scopes needs clientSecretSettingName (the code flow redeems the code with a secret)`);
      }
      if (resources.length > 0 && app.auth?.tokenStore === false) {
        warnings.push(`${at}.auth.tokenStore: false, but ${resources.join(", ")} scopes are requested; the token store keeps the access token the function reads`);
      }
    }
  }
  const keys = checkKeys(apps);
  const reg = registrationChecks(apps);
  return { errors: [...errors, ...keys.errors, ...reg.errors], warnings: [...warnings, ...keys.warnings, ...reg.warnings] };
}
