/** What update-manifest reads from Graph and the writes it plans, as plain values (the planner is pure). */

export interface PermissionScope {
  id: string;
  value: string | null;
  type: string | null;
  isEnabled: boolean;
  adminConsentDisplayName: string | null;
  adminConsentDescription: string | null;
  userConsentDisplayName: string | null;
  userConsentDescription: string | null;
}

export interface AppRole {
  id: string;
  value: string | null;
  isEnabled: boolean;
  displayName: string | null;
  description: string | null;
  allowedMemberTypes: string[];
}

export interface PreAuthorizedApplication {
  appId: string;
  delegatedPermissionIds: string[];
}

export interface ResourceAccess {
  id: string;
  type: "Scope" | "Role";
}

export interface RequiredResourceAccess {
  resourceAppId: string;
  resourceAccess: ResourceAccess[];
}

/** The writable members of `apiApplication` (CSDL), as this tool sends them back whole. */
export interface ApiApplication {
  acceptMappedClaims: boolean | null;
  knownClientApplications: string[];
  oauth2PermissionScopes: PermissionScope[];
  preAuthorizedApplications: PreAuthorizedApplication[];
  requestedAccessTokenVersion: number | null;
}

/** The owned parts of an application, read with $select and stripped of read-only members. */
export interface ObservedApplication {
  id: string;
  appId: string;
  uniqueName: string | null;
  displayName: string | null;
  signInAudience: string | null;
  identifierUris: string[];
  api: ApiApplication;
  appRoles: AppRole[];
  requiredResourceAccess: RequiredResourceAccess[];
}

export interface ObservedServicePrincipal {
  id: string;
  appId: string;
  appRoleAssignmentRequired: boolean;
  tags: string[];
}

export interface ObservedGrant {
  id: string;
  clientId: string;
  resourceId: string;
  consentType: string | null;
  scope: string | null;
}

/** A resource API (ARM, Graph, another app) as its service principal shows it: ids of its permissions by value. */
export interface ResourceInfo {
  appId: string;
  /** Service principal object id; absent when the tenant has none (then no consent can be granted). */
  servicePrincipalId?: string;
  scopes: Record<string, string>;
  roles: Record<string, string>;
}

/** An app role assignment on this API's service principal (appRoleAssignedTo). */
export interface ObservedAssignment {
  id: string;
  principalId: string;
  principalType: string | null;
  appRoleId: string;
}

export interface Observed {
  /** Absent: no application has this appId / uniqueName. */
  application?: ObservedApplication;
  servicePrincipal?: ObservedServicePrincipal;
  /** AllPrincipals grants whose client is this app's service principal. */
  grants: ObservedGrant[];
  /** By resource appId (lower case). */
  resources: Record<string, ResourceInfo>;
  /** Read only when the config names assignments. */
  assignments?: ObservedAssignment[];
  /** Callers named by appId → their service principal's object id (null: no service principal in this tenant). */
  callers?: Record<string, string | null>;
}

/** Placeholders for values known only once an earlier write has created the object. */
export const APP_ID = "{appId}";
export const SP_ID = "{servicePrincipalId}";

export type JsonObject = Record<string, unknown>;

/**
 * One Graph write, in the order apply makes them. Bodies are complete; apply only substitutes the placeholders
 * above. `why` is shown in progress and in errors.
 */
export type GraphStep =
  | { op: "createApplication"; why: string; uniqueName: string; body: JsonObject }
  | { op: "patchApplication"; why: string; body: JsonObject; afterDisable: boolean }
  | { op: "createServicePrincipal"; why: string; body: JsonObject }
  | { op: "patchServicePrincipal"; why: string; body: JsonObject }
  | { op: "createGrant"; why: string; resource: string; body: JsonObject }
  | { op: "patchGrant"; why: string; resource: string; grantId: string; body: JsonObject }
  | { op: "createAssignment"; why: string; body: JsonObject }
  | { op: "deleteAssignment"; why: string; assignmentId: string };
