import { finding, type Check } from "../check.ts";
import type { CheckDefinition, FindingTarget } from "../finding.ts";
import type { AuditObservations, RegistrationObservation } from "../observation.ts";
import { asksForArm, clientIdOf, configuredAad, isApiRegistration } from "./view.ts";

/** Entra registration checks: the application and service principal behind each Easy Auth and each registration block. */

const CMD = "update-manifest";
const def = (d: Omit<CheckDefinition, "area">): CheckDefinition => ({ area: "registration", ...d });

export const registrationTarget = (r: RegistrationObservation): FindingTarget => ({
  label: r.label,
  registration: r.appId,
});
const at = (r: RegistrationObservation, configPath: string) =>
  r.appIndex === undefined ? undefined : { appIndex: r.appIndex, configPath };

/** Registrations some Easy Auth document asks an ARM user_impersonation token for. */
function armRequesters(o: AuditObservations): RegistrationObservation[] {
  const ids = new Set<string>();
  for (const s of o.sites) {
    const aad = s.auth ? configuredAad(s.auth) : undefined;
    const id = aad && clientIdOf(aad);
    if (aad && id && asksForArm(aad)) ids.add(id.toLowerCase());
  }
  return [...ids].flatMap((id) => (o.registrations[id]?.found ? [o.registrations[id]!] : []));
}

const found = (o: AuditObservations) => Object.values(o.registrations).filter((r) => r.found);

const EA011 = def({
  id: "EA011",
  severity: "high",
  title: "user_impersonation is requested but ARM is not in requiredResourceAccess",
  description:
    "Easy Auth asks for https://management.azure.com/user_impersonation, but the registration does not list Azure Service Management in its API permissions: admin consent cannot cover it and users get a consent prompt or AADSTS65001.",
  fix: "Add {resource: arm, scopes: [user_impersonation]} to registration.requiredResourceAccess, then run update-manifest.",
  command: CMD,
  configField: "apps[].registration.requiredResourceAccess",
  docsAnchor: "aadsts65001-consent-required",
});

const EA012 = def({
  id: "EA012",
  severity: "medium",
  title: "user_impersonation is requested without admin consent",
  description:
    "No tenant-wide (AllPrincipals) grant of ARM user_impersonation exists for the registration's service principal: every user meets a consent prompt, and users who may not consent cannot sign in (AADSTS65001).",
  fix: "Set registration.adminConsent: true, then run update-manifest (needs a Privileged Role Administrator or equivalent).",
  command: CMD,
  configField: "apps[].registration.adminConsent",
  docsAnchor: "aadsts65001-consent-required",
});

const EA016 = def({
  id: "EA016",
  severity: "medium",
  title: "Assignment is not required on an API registration",
  description:
    "appRoleAssignmentRequired is false on the API's service principal: Entra issues tokens for it to any user and any application of the tenant, so only allowedApplications (if set) keeps others out.",
  fix: "Set registration.appRoleAssignmentRequired: true and assign the callers, then run update-manifest.",
  command: CMD,
  configField: "apps[].registration.appRoleAssignmentRequired",
  docsAnchor: "403-for-one-caller-200-for-another",
});

const EA017 = def({
  id: "EA017",
  severity: "low",
  title: "An API registration with no scope and no app role",
  description:
    "The registration exposes an identifier URI but neither a delegated scope nor an app role: tokens carry no scp or roles claim, so the function cannot tell what the caller may do.",
  fix: "Add registration.scopes (for users) or registration.appRoles (for daemon callers), then run update-manifest.",
  command: CMD,
  configField: "apps[].registration.scopes",
  docsAnchor: "403-from-the-function-missing-scope-or-role",
});

export const registrationChecks: Check[] = [
  {
    definition: EA011,
    run: (o) =>
      armRequesters(o)
        .filter((r) => !r.armUserImpersonation)
        .map((r) =>
          finding(
            EA011,
            registrationTarget(r),
            "Easy Auth requests ARM user_impersonation, which requiredResourceAccess does not list",
            { requiredResources: r.requiredResources },
            at(r, "registration.requiredResourceAccess"),
          ),
        ),
  },
  {
    definition: EA012,
    run: (o) =>
      armRequesters(o)
        .filter((r) => !r.armConsent)
        .map((r) =>
          finding(
            EA012,
            registrationTarget(r),
            "no admin consent (AllPrincipals grant) for ARM user_impersonation",
            { armConsent: false },
            at(r, "registration.adminConsent"),
          ),
        ),
  },
  {
    definition: EA016,
    run: (o) =>
      found(o)
        .filter((r) => isApiRegistration(r) && r.servicePrincipal && !r.servicePrincipal.appRoleAssignmentRequired)
        .map((r) =>
          finding(
            EA016,
            registrationTarget(r),
            "appRoleAssignmentRequired is false: any user or app of the tenant gets a token",
            { appRoleAssignmentRequired: false },
            at(r, "registration.appRoleAssignmentRequired"),
          ),
        ),
  },
  {
    definition: EA017,
    run: (o) =>
      found(o)
        .filter((r) => r.identifierUris.length > 0 && r.scopes.length === 0 && r.appRoles.length === 0)
        .map((r) =>
          finding(
            EA017,
            registrationTarget(r),
            "the API exposes no scope and no app role",
            { identifierUris: r.identifierUris, scopes: [], appRoles: [] },
            at(r, "registration.scopes"),
          ),
        ),
  },
];
