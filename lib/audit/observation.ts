import type { FindingTarget } from "./finding.ts";

/**
 * What the audit read, as plain values with no secret in them: the checks are pure functions of this, so each one is
 * tested on a fixture that has the problem and one that does not. App setting values, key values and client secrets
 * are reduced to names and booleans while reading (gather.ts).
 */
export interface AuditObservations {
  /** The run's clock (ISO 8601): key ages and credential expiry are measured from it. */
  now: string;
  /** One entry per app and slot. */
  sites: SiteObservation[];
  /** Registrations by appId (lower case): those the config names and those an Easy Auth document names. */
  registrations: Record<string, RegistrationObservation>;
  /** Function and host keys the config rotates, per app/slot and logical key. */
  keys: KeyObservation[];
}

export interface SiteObservation {
  target: FindingTarget;
  /** apps[index] in the fleet config. */
  appIndex: number;
  /** The site's `kind` (`functionapp`, `app`, …), when read. */
  siteKind?: string;
  /** The appId of the registration the config gives this app (`registration` block), when it exists. */
  configRegistration?: string;
  /** authsettingsV2 `properties` as read through the auth kind's observer; absent when it could not be read. */
  auth?: Record<string, unknown>;
  /** Owned authsettingsV2 paths of this app's `auth` block (the slot comparison is limited to them). */
  ownedAuthPaths: string[][];
  /** POST config/authsettings/list: the V1 document's configVersion and file-based flags. */
  v1?: {
    configVersion?: string;
    enabled?: boolean;
    isAuthFromFile?: boolean;
    authFilePath?: string | null;
    /** V1 `clientSecret` holds a value inline (the value is never kept). */
    inlineClientSecret?: boolean;
  };
  /** `properties.httpsOnly` and config/web as read through the site kind's observer. */
  site?: { httpsOnly?: unknown; web: Record<string, unknown> };
  /** App setting NAMES, each with whether its value is a Key Vault reference (the value itself is never kept). */
  appSettings?: Array<{ name: string; keyVaultReference: boolean }>;
}

export interface RegistrationObservation {
  appId: string;
  /** How tables name it: `application 'func-greeting-api'`. */
  label: string;
  /** Absent: no application with this appId exists in the tenant. */
  found: boolean;
  /** apps[index] whose `registration` block names it, when the config does. */
  appIndex?: number;
  displayName?: string | null;
  identifierUris: string[];
  requestedAccessTokenVersion: number | null;
  scopes: string[];
  appRoles: string[];
  /** requiredResourceAccess: resource appIds (lower case). */
  requiredResources: string[];
  /** ARM user_impersonation is listed in requiredResourceAccess. */
  armUserImpersonation: boolean;
  /** An AllPrincipals grant to ARM with user_impersonation exists (admin consent). */
  armConsent: boolean;
  servicePrincipal?: { appRoleAssignmentRequired: boolean };
  /** Password credentials: names and end dates only (Graph never returns the secret after creation). */
  passwordCredentials: Array<{ keyId: string; displayName: string | null; endDateTime: string | null }>;
}

export interface KeyObservation {
  target: FindingTarget;
  appIndex: number;
  /** keys.rotate[j] */
  rotateIndex: number;
  logical: string;
  scope: "function" | "host";
  maxAgeMs: number;
  renewInPlace: boolean;
  /** Names of the keys at this key's scope on the app (never values). */
  keyNames: string[];
  /** The managed physical keys of this logical key, newest first, with the time their name encodes. */
  physical: Array<{ name: string; createdAt: string }>;
  secretName: string;
  /** The latest Key Vault version: which key it says it holds, and whether that key's value on the app equals it. */
  published: { state: "absent" | "disabled" } | { state: "found"; keyName?: string; matchesApp: boolean };
  /** The key's scope could not be read (host unreachable, function missing). */
  error?: string;
}
