import type { AppConfig, CheckResult } from "../../pipeline/contract.ts";
import { normalizeListPolicy } from "../../pipeline/list-policy.ts";
import { parseLoginParameters, scopeResources } from "./login-parameters.ts";

/** References from `auth` to the rest of the app: fromRegistration, {appId}, what resource scopes need. */
export function authChecks(apps: readonly AppConfig[]): CheckResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const app of apps) {
    const at = `apps[${app.index}]`;
    const aad = app.auth?.azureActiveDirectory;
    if (!aad) continue;
    if ((aad.clientId === "fromRegistration" || aad.tokenVersion === "fromRegistration") && !app.registration) {
      errors.push(
        `${at}.auth.azureActiveDirectory: 'fromRegistration' needs a registration block on the app (or in defaults)`,
      );
    }
    const lists = [aad.allowedAudiences, aad.allowedApplications].flatMap((l) => normalizeListPolicy(l)?.values ?? []);
    if (lists.some((v) => v.includes("{appId}")) && !aad.clientId)
      errors.push(`${at}.auth.azureActiveDirectory: '{appId}' is used but clientId is not set`);
    if (!aad.loginParameters) continue;
    const resources = scopeResources(parseLoginParameters(aad.loginParameters).scopes);
    if (resources.length > 1) {
      warnings.push(
        `${at}.auth.azureActiveDirectory.loginParameters: scopes for ${resources.join(" and ")} in one request; a token has one audience, so only one of them can be used`,
      );
    }
    if (resources.length > 0 && !aad.clientSecretSettingName) {
      warnings.push(
        `${at}.auth.azureActiveDirectory: requesting ${resources.join(", ")} scopes needs clientSecretSettingName (the code flow redeems the code with a secret)`,
      );
    }
    if (resources.length > 0 && app.auth?.tokenStore === false) {
      warnings.push(
        `${at}.auth.tokenStore: false, but ${resources.join(", ")} scopes are requested; the token store keeps the access token the function reads`,
      );
    }
  }
  return { errors, warnings };
}
