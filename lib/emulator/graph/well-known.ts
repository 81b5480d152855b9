import { ARM_AUDIENCES, GRAPH_AUDIENCES } from "../directory.ts";
import { normalizeRole, normalizeScope, type AppRole, type PermissionScope, type ServicePrincipal } from "./model.ts";

// IDs: shared/reference/microsoft-graph/well-known-ids.json (public cloud). Consent texts are the portal's wording.
export const ARM_APP_ID = "797f4846-ba00-4fd7-ba43-dac1f8f63013";
export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
export const ARM_USER_IMPERSONATION = "41094075-9dad-400e-a0bd-54e686782033";

// First-party apps are owned by Microsoft's own tenant, not the customer's.
const MICROSOFT_TENANT = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

const scope = (id: string, value: string, admin: string, user: string, type = "User"): PermissionScope =>
  normalizeScope({
    id,
    value,
    type,
    adminConsentDisplayName: admin,
    adminConsentDescription: `Allows the app to ${admin.toLowerCase()}.`,
    userConsentDisplayName: user,
    userConsentDescription: `Allows the app to ${user.toLowerCase()}.`,
  });

const appOnlyRole = (id: string, value: string, displayName: string): AppRole =>
  normalizeRole({
    id,
    value,
    displayName,
    description: `Allows the app to ${displayName.toLowerCase()} without a signed-in user.`,
    allowedMemberTypes: ["Application"],
  });

/** First-party service principals every tenant has, so requiredResourceAccess and grants can point at them. */
export const FIRST_PARTY: Array<Partial<ServicePrincipal> & { appId: string }> = [
  {
    appId: ARM_APP_ID,
    displayName: "Windows Azure Service Management API",
    appDisplayName: "Windows Azure Service Management API",
    appOwnerOrganizationId: MICROSOFT_TENANT,
    servicePrincipalNames: [ARM_APP_ID, ...ARM_AUDIENCES],
    oauth2PermissionScopes: [
      scope(
        ARM_USER_IMPERSONATION,
        "user_impersonation",
        "Access Azure Service Management as organization users (preview)",
        "Access Azure Service Management as you (preview)",
      ),
    ],
  },
  {
    appId: GRAPH_APP_ID,
    displayName: "Microsoft Graph",
    appDisplayName: "Microsoft Graph",
    appOwnerOrganizationId: MICROSOFT_TENANT,
    servicePrincipalNames: [...GRAPH_AUDIENCES],
    oauth2PermissionScopes: [
      scope("37f7f235-527c-4136-accd-4a02d197296e", "openid", "Sign users in", "Sign in as you"),
      scope("14dad69e-099b-42c9-810b-d002981feec1", "profile", "View users' basic profile", "View your basic profile"),
      scope("64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0", "email", "View users' email address", "View your email address"),
      scope(
        "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
        "offline_access",
        "Maintain access to data you have given it access to",
        "Maintain access to data you have given it access to",
      ),
      scope(
        "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
        "User.Read",
        "Sign in and read user profile",
        "Sign in and read your profile",
      ),
    ],
    appRoles: [
      appOnlyRole(
        "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
        "Application.ReadWrite.All",
        "Read and write all applications",
      ),
      appOnlyRole(
        "18a4783c-866b-4cc7-a460-3d5e5662c884",
        "Application.ReadWrite.OwnedBy",
        "Manage apps that this app creates or owns",
      ),
      appOnlyRole("9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30", "Application.Read.All", "Read all applications"),
      appOnlyRole(
        "06b708a9-e830-4db3-a914-8e69da51d44f",
        "AppRoleAssignment.ReadWrite.All",
        "Manage app permission grants and app role assignments",
      ),
    ],
  },
];
