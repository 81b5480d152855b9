import { isRecord } from "../../azure/json.ts";

/**
 * The parts of an `authsettingsV2` properties document (SiteAuthSettingsV2, Microsoft.Web) Easy Auth decides a
 * bearer request with, read defensively: the service stores what was PUT, so any field may be absent.
 * https://learn.microsoft.com/azure/templates/microsoft.web/sites/config-authsettingsv2
 */
export interface EasyAuthSettings {
  platformEnabled: boolean;
  requireAuthentication: boolean;
  /** `globalValidation.unauthenticatedClientAction` as set, or undefined. */
  actionSet?: UnauthenticatedAction;
  /** The action that applies: the one set, else the platform's default, RedirectToLoginPage. */
  action: UnauthenticatedAction;
  excludedPaths: string[];
  aad?: {
    enabled: boolean;
    clientId?: string;
    openIdIssuer?: string;
    allowedAudiences: string[];
    allowedApplications: string[];
    identities: string[];
    groups: string[];
    claimChecks: { allowedClientApplications: string[]; allowedGroups: string[] };
  };
}

export const ACTIONS = ["RedirectToLoginPage", "AllowAnonymous", "Return401", "Return403"] as const;
export type UnauthenticatedAction = (typeof ACTIONS)[number];

const obj = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

export function readEasyAuthSettings(properties: Record<string, unknown>): EasyAuthSettings {
  const gv = obj(properties.globalValidation);
  const actionSet = ACTIONS.find((a) => a === gv.unauthenticatedClientAction);
  // `requireAuthentication` unset follows the action: a V1 document seen through V2 has only the action
  // ("Action to take when an unauthenticated client attempts to access the app", SiteAuthSettings).
  const requireAuthentication =
    typeof gv.requireAuthentication === "boolean"
      ? gv.requireAuthentication
      : actionSet !== undefined && actionSet !== "AllowAnonymous";
  const aadDoc = obj(properties.identityProviders).azureActiveDirectory;
  return {
    platformEnabled: obj(properties.platform).enabled === true,
    requireAuthentication,
    ...(actionSet ? { actionSet } : {}),
    action: actionSet ?? "RedirectToLoginPage",
    excludedPaths: list(gv.excludedPaths),
    ...(isRecord(aadDoc) ? { aad: readAad(aadDoc) } : {}),
  };
}

function readAad(a: Record<string, unknown>): NonNullable<EasyAuthSettings["aad"]> {
  const reg = obj(a.registration);
  const validation = obj(a.validation);
  const policy = obj(validation.defaultAuthorizationPolicy);
  const principals = obj(policy.allowedPrincipals);
  const checks = obj(validation.jwtClaimChecks);
  const clientId = text(reg.clientId);
  const openIdIssuer = text(reg.openIdIssuer);
  return {
    // "false if the Azure Active Directory provider should not be enabled despite the set registration; otherwise,
    // true" (SiteAuthSettingsV2): absent counts as enabled.
    enabled: a.enabled !== false,
    ...(clientId ? { clientId } : {}),
    ...(openIdIssuer ? { openIdIssuer } : {}),
    allowedAudiences: list(validation.allowedAudiences),
    allowedApplications: list(policy.allowedApplications),
    identities: list(principals.identities),
    groups: list(principals.groups),
    claimChecks: {
      allowedClientApplications: list(checks.allowedClientApplications),
      allowedGroups: list(checks.allowedGroups),
    },
  };
}
