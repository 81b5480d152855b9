import type { CheckResult as CrossCheckResult } from "../../pipeline/contract.ts";
import { normalizeListPolicy } from "../../pipeline/list-policy.ts";
import { REGISTRATION_DEFAULTS, type RegistrationConfig } from "./schema.ts";
import type { AppConfig } from "../../pipeline/contract.ts";

const ALIASES: Record<string, string> = {
  arm: "797f4846-ba00-4fd7-ba43-dac1f8f63013",
  graph: "00000003-0000-0000-c000-000000000000",
};
const resource = (r: string) => (ALIASES[r] ?? r).toLowerCase();
const PERSONAL = new Set(["AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount"]);

function valuesOf<T extends { value: string }>(list: T[] | { values: T[] } | undefined): string[] {
  if (!list) return [];
  return (Array.isArray(list) ? list : list.values).map((x) => x.value);
}

const duplicates = (xs: string[], fold = false) => [
  ...new Set(xs.filter((x, i) => xs.findIndex((y) => (fold ? y.toLowerCase() === x.toLowerCase() : y === x)) !== i)),
];

/** Checks of `registration` blocks that need the whole resolved config (docs/update-manifest.md, "Write order"). */
export function registrationChecks(apps: readonly AppConfig[]): CrossCheckResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const addresses = new Map<string, number>();
  const uris = new Map<string, number>();
  for (const app of apps) {
    const reg: RegistrationConfig | undefined = app.registration;
    if (!reg) continue;
    const at = `apps[${app.index}].registration`;
    if (!reg.appId && !reg.uniqueName) {
      errors.push(
        `${at}: needs appId or uniqueName to find the registration (display names are not unique, so they are never used to find one)`,
      );
    }
    for (const key of [
      reg.appId && `appId:${reg.appId.toLowerCase()}`,
      reg.uniqueName && `uniqueName:${reg.uniqueName.toLowerCase()}`,
    ]) {
      if (!key) continue;
      const first = addresses.get(key);
      if (first !== undefined)
        errors.push(
          `${at}: same registration (${key.replace(":", " ")}) as apps[${first}]; give each app its own, or set it on the app rather than in defaults`,
        );
      else addresses.set(key, app.index);
    }

    const scopes = valuesOf(reg.scopes);
    for (const d of duplicates(scopes)) errors.push(`${at}.scopes: '${d}' is listed twice`);
    const roles = valuesOf(reg.appRoles);
    for (const d of duplicates(roles)) errors.push(`${at}.appRoles: '${d}' is listed twice`);
    (reg.preAuthorizedApplications ?? []).forEach((p, i) => {
      for (const s of p.scopes)
        if (!scopes.includes(s))
          errors.push(
            `${at}.preAuthorizedApplications[${i}].scopes: '${s}' is not one of this registration's scopes; list it under scopes`,
          );
    });
    for (const d of duplicates(
      (reg.preAuthorizedApplications ?? []).map((p) => p.appId),
      true,
    ))
      errors.push(`${at}.preAuthorizedApplications: client ${d} is listed twice`);

    const rra = (reg.requiredResourceAccess ?? []).map((r) => resource(r.resource));
    for (const d of duplicates(rra))
      errors.push(`${at}.requiredResourceAccess: resource ${d} is listed twice; put its scopes and roles in one entry`);
    if (Array.isArray(reg.adminConsent)) {
      for (const r of reg.adminConsent)
        if (!rra.includes(resource(r)))
          errors.push(
            `${at}.adminConsent: '${r}' is not in requiredResourceAccess; consent is granted for the scopes listed there`,
          );
    } else if (reg.adminConsent === true && !(reg.requiredResourceAccess ?? []).some((r) => r.scopes?.length)) {
      warnings.push(`${at}.adminConsent: true, but requiredResourceAccess lists no delegated scopes to consent to`);
    }

    if (reg.signInAudience && PERSONAL.has(reg.signInAudience) && reg.tokenVersion === 1) {
      errors.push(
        `${at}.tokenVersion: ${reg.signInAudience} apps must use token version 2 (Graph refuses 1 for personal accounts)`,
      );
    }
    const aad = app.auth?.azureActiveDirectory;
    const regVersion = reg.tokenVersion ?? REGISTRATION_DEFAULTS.tokenVersion;
    if (aad && typeof aad.tokenVersion === "number" && aad.tokenVersion !== regVersion) {
      warnings.push(
        `apps[${app.index}].auth.azureActiveDirectory.tokenVersion is ${aad.tokenVersion} but the registration issues v${regVersion} tokens: the issuer will not match (use tokenVersion: fromRegistration)`,
      );
    }
    const assignments = reg.assignments
      ? Array.isArray(reg.assignments)
        ? reg.assignments
        : reg.assignments.values
      : [];
    assignments.forEach((a, i) => {
      if (reg.appRoles && !roles.includes(a.role)) {
        warnings.push(
          `${at}.assignments[${i}].role: '${a.role}' is not among this registration's appRoles in the config; it must exist on the registration`,
        );
      }
    });
    const callers = assignments.map((a) => `${a.role}|${(a.appId ?? a.principalId ?? "").toLowerCase()}`);
    for (const d of duplicates(callers)) errors.push(`${at}.assignments: ${d.replace("|", " to ")} is listed twice`);
    if (reg.appRoleAssignmentRequired && !reg.appRoles) {
      warnings.push(
        `${at}.appRoleAssignmentRequired: true with no appRoles in the config: callers need an assignment (default access or an existing role) or they get no token`,
      );
    }

    for (const u of normalizeListPolicy(reg.identifierUris)?.values ?? []) {
      if (u.includes("{appId}")) continue;
      const key = u.toLowerCase();
      const first = uris.get(key);
      // Identifier URIs are unique across the tenant (Graph answers ObjectConflict on a second one).
      if (first !== undefined && first !== app.index)
        errors.push(
          `${at}.identifierUris: '${u}' is also used by apps[${first}]; identifier URIs are unique in a tenant`,
        );
      else uris.set(key, app.index);
    }
  }
  return { errors, warnings };
}
