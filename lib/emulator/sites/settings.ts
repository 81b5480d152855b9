import { isObject } from "../http.ts";

/**
 * The parts of an `authsettingsV2` properties document (SiteAuthSettingsV2, Microsoft.Web) the gate reads, read
 * defensively: the document is stored as PUT, so any field may be absent or of another type.
 */
export interface AuthSettings {
  platformEnabled: boolean;
  requireAuthentication: boolean;
  action: "RedirectToLoginPage" | "AllowAnonymous" | "Return401" | "Return403";
  redirectToProvider?: string;
  excludedPaths: string[];
  /** identityProviders.azureActiveDirectory; undefined when the document has none. */
  aad?: AadSettings;
}

export interface AadSettings {
  enabled: boolean;
  clientId?: string;
  openIdIssuer?: string;
  allowedAudiences: string[];
  disableWWWAuthenticate: boolean;
  loginParameters: string[];
  policy: { allowedApplications: string[]; identities: string[]; groups: string[] };
  jwtClaimChecks: { allowedGroups: string[]; allowedClientApplications: string[] };
}

const obj = (v: unknown): Record<string, unknown> => (isObject(v) ? v : {});
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
const ACTIONS = ["RedirectToLoginPage", "AllowAnonymous", "Return401", "Return403"] as const;

export function readAuthSettings(document: unknown): AuthSettings {
  const d = obj(document);
  const gv = obj(d.globalValidation);
  const found = ACTIONS.find(
    (a) => typeof gv.unauthenticatedClientAction === "string" && a === gv.unauthenticatedClientAction,
  );
  // The classic (V1) default action, which the V2 view of a V1 app also shows (arm/auth-settings.ts).
  const action = found ?? "RedirectToLoginPage";
  // `requireAuthentication` is the portal's "Restrict access" choice; an unset one follows the action, as a V1
  // document (which has only the action) does when presented through V2.
  const requireAuthentication =
    typeof gv.requireAuthentication === "boolean"
      ? gv.requireAuthentication
      : found !== undefined && found !== "AllowAnonymous";
  const aadDoc = obj(d.identityProviders).azureActiveDirectory;
  return {
    platformEnabled: obj(d.platform).enabled === true,
    requireAuthentication,
    action,
    redirectToProvider: text(gv.redirectToProvider),
    excludedPaths: list(gv.excludedPaths),
    aad: isObject(aadDoc) ? readAad(aadDoc) : undefined,
  };
}

function readAad(a: Record<string, unknown>): AadSettings {
  const reg = obj(a.registration);
  const validation = obj(a.validation);
  const policy = obj(validation.defaultAuthorizationPolicy);
  const principals = obj(policy.allowedPrincipals);
  const checks = obj(validation.jwtClaimChecks);
  const login = obj(a.login);
  return {
    // AzureActiveDirectory.enabled: "false if the Azure Active Directory provider should not be enabled despite the set
    // registration; otherwise, true" (SiteAuthSettingsV2 spec): absent counts as enabled.
    enabled: a.enabled !== false,
    clientId: text(reg.clientId),
    openIdIssuer: text(reg.openIdIssuer),
    allowedAudiences: list(validation.allowedAudiences),
    disableWWWAuthenticate: login.disableWWWAuthenticate === true,
    loginParameters: list(login.loginParameters),
    policy: {
      allowedApplications: list(policy.allowedApplications),
      identities: list(principals.identities),
      groups: list(principals.groups),
    },
    jwtClaimChecks: {
      allowedGroups: list(checks.allowedGroups),
      allowedClientApplications: list(checks.allowedClientApplications),
    },
  };
}
