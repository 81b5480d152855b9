import { z } from "zod";
import { listPolicySchema } from "../../pipeline/list-policy.ts";

// No zod defaults here (as in ../auth/schema.ts): `defaults.registration` is merged under each app's `registration`
// after parsing, and a default filled in at the app level would override the fleet's explicit value.
// desired.ts applies the defaults.

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const guid = (what: string) => z.string().regex(GUID, `must be a GUID (${what})`);

// Scope and role values go into the scp/roles claims: "Must not exceed 120 characters … Allowed characters are
// : ! # $ % & ' ( ) * + , - . / : ; = ? @ [ ] ^ + _ { } ~ … 0-9, A-Z and a-z … May not begin with ." (openapi-ps
// permissionScope.value / appRole.value, docs/contracts/graph.md §1.2).
const permissionValue = z
  .string()
  .max(120, "at most 120 characters (Graph's limit for scope and role values)")
  .regex(
    /^(?!\.)[!#$%&'()*+,\-./:;=?@[\]^_{}~0-9A-Za-z]+$/,
    "letters, digits and ! # $ % & ' ( ) * + , - . / : ; = ? @ [ ] ^ _ { } ~ only, no spaces, not starting with '.'",
  );

// uniqueName is an alternate key Graph uses for upsert; immutable once set (docs/contracts/graph.md §1.2, §2.6).
const uniqueName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/,
    "must be 1-120 letters, digits, '.', '_' or '-', starting with a letter or digit",
  );

// Identifier URIs the service accepts are api:// or https:// forms (identifier-uri-restrictions,
// docs/contracts/graph.md §1.3); '{appId}' is replaced by the registration's appId once it is known.
const identifierUri = z
  .string()
  .regex(
    /^(api|https):\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
    "must be an api:// or https:// URI without query or fragment (e.g. api://{appId})",
  );

const identifierUriList = z.union([
  z.array(identifierUri),
  z
    .object({
      mode: z
        .enum(["include", "exact"])
        .describe("include: add missing URIs, keep others. exact: remove URIs not listed (api://{appId} always stays)"),
      values: z.array(identifierUri).describe("The URIs; '{appId}' stands for the registration's appId"),
    })
    .strict(),
]);

const enabled = z
  .boolean()
  .optional()
  .describe("false keeps the entry but disabled (Graph's first step before a removal); default true");

export const scopeSchema = z
  .object({
    value: permissionValue.describe(
      "The scope value in the token's scp claim (e.g. Greeting.Read); scopes are matched by value, their ids never change",
    ),
    type: z
      .enum(["User", "Admin"])
      .optional()
      .describe("Who can consent: User (admins and users) or Admin (admins only); default User"),
    adminConsentDisplayName: z
      .string()
      .min(1)
      .optional()
      .describe("Shown on the admin consent screen; default the value (new scopes), else kept as is"),
    adminConsentDescription: z
      .string()
      .min(1)
      .optional()
      .describe("Shown on the admin consent screen; default the value (new scopes), else kept as is"),
    userConsentDisplayName: z
      .string()
      .min(1)
      .optional()
      .describe("Shown when a user consents for themselves; kept as is when not given"),
    userConsentDescription: z
      .string()
      .min(1)
      .optional()
      .describe("Shown when a user consents for themselves; kept as is when not given"),
    enabled,
  })
  .strict();

export const appRoleSchema = z
  .object({
    value: permissionValue.describe(
      "The role value in the token's roles claim; roles are matched by value, their ids never change",
    ),
    displayName: z.string().min(1).optional().describe("Default the value (new roles), else kept as is"),
    description: z.string().min(1).optional().describe("Default the value (new roles), else kept as is"),
    allowedMemberTypes: z
      .array(z.enum(["User", "Application"]))
      .min(1, "list User and/or Application")
      .optional()
      .describe(
        "User (assigned to users and groups) and/or Application (an application permission for daemons); default [Application]",
      ),
    enabled,
  })
  .strict();

/** A list of scopes or roles: a plain list adds and updates the listed ones (others kept); `exact` also removes others. */
const entitlementList = <T extends z.ZodType>(item: T, what: string) =>
  z.union([
    z.array(item),
    z
      .object({
        mode: z
          .enum(["include", "exact"])
          .describe(
            `include: add or update the listed ${what}, keep others. exact: also remove ${what} not listed (disabled first, then removed: two writes)`,
          ),
        values: z.array(item).describe(`The ${what}, matched by value`),
      })
      .strict(),
  ]);

const resourceRef = z
  .union([z.literal("arm"), z.literal("graph"), guid("a resource application's appId, or 'arm' / 'graph'")])
  .describe(
    "The API: 'arm' (Azure Service Management, 797f4846-ba00-4fd7-ba43-dac1f8f63013), 'graph' (Microsoft Graph, 00000003-0000-0000-c000-000000000000) or its appId",
  );

export const requiredResourceSchema = z
  .object({
    resource: resourceRef,
    scopes: z
      .array(z.string().min(1))
      .optional()
      .describe(
        "Delegated permissions by value (e.g. user_impersonation, User.Read); ids are looked up on the resource's service principal",
      ),
    roles: z
      .array(z.string().min(1))
      .optional()
      .describe("Application permissions (app roles of the resource) by value"),
  })
  .strict();

export const preAuthorizedSchema = z
  .object({
    appId: guid("the client application's appId").describe(
      "Client application (e.g. API Management's or a front end's appId) whose users are not asked to consent",
    ),
    scopes: z
      .array(permissionValue)
      .min(1, "list at least one scope value of this registration")
      .describe("Scope values of this registration the client is pre-authorized for"),
  })
  .strict();

// An app role granted to a caller: a client application (by appId) or any service principal, such as a managed
// identity, by object id (servicePrincipal: appRoleAssignedTo, https://learn.microsoft.com/en-us/graph/api/serviceprincipal-post-approleassignedto).
export const assignmentSchema = z
  .object({
    role: permissionValue.describe("Value of one of this registration's app roles (e.g. Greeting.Call)"),
    appId: guid("the client application's appId")
      .optional()
      .describe("The caller by its application (client) id: its service principal in this tenant gets the role"),
    principalId: guid("a service principal object id")
      .optional()
      .describe("The caller by its service principal object id (a managed identity's principal id)"),
  })
  .strict()
  .refine((a) => (a.appId === undefined) !== (a.principalId === undefined), {
    message: "name the caller by exactly one of appId or principalId",
  });

export const registrationSchema = z
  .object({
    appId: guid("the registration's Application (client) ID")
      .optional()
      .describe("Address an existing registration by its appId (never created by this form)"),
    uniqueName: uniqueName
      .optional()
      .describe(
        "Address the registration by uniqueName, Graph's immutable alternate key: created if missing (PATCH applications(uniqueName=…) with Prefer: create-if-missing). Display names are never used to find an app: they are not unique",
      ),
    displayName: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe("Display name; default the uniqueName when the registration is created, else kept as is"),
    signInAudience: z
      .enum(["AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount"])
      .optional()
      .describe(
        "Who can sign in. Sent when the registration is created (default AzureADMyOrg: the docs disagree on Graph's own default); owned afterwards only when given",
      ),
    tokenVersion: z
      .union([z.literal(1), z.literal(2)])
      .optional()
      .describe(
        "api.requestedAccessTokenVersion (default 2). Changes iss and aud of every access token: Easy Auth's issuer must follow (tokenVersion: fromRegistration)",
      ),
    identifierUris: identifierUriList
      .optional()
      .describe(
        "Application ID URIs; api://{appId} is always kept. Others must be on a verified domain of the tenant (else Graph answers HostNameNotOnVerifiedDomain and nothing is written)",
      ),
    scopes: entitlementList(scopeSchema, "scopes")
      .optional()
      .describe(
        "api.oauth2PermissionScopes, by value: the delegated permissions this API exposes (e.g. Greeting.Read)",
      ),
    appRoles: entitlementList(appRoleSchema, "roles")
      .optional()
      .describe("appRoles, by value: roles for users or daemon callers"),
    requiredResourceAccess: z
      .array(requiredResourceSchema)
      .optional()
      .describe(
        "API permissions the app asks for, merged by resource and permission id (never removed). Asking is not consent: see adminConsent",
      ),
    appRoleAssignmentRequired: z
      .boolean()
      .optional()
      .describe(
        "servicePrincipal.appRoleAssignmentRequired: only users and apps with an app role assignment get tokens (turning it on locks out every caller without one)",
      ),
    adminConsent: z
      .union([z.boolean(), z.array(resourceRef)])
      .optional()
      .describe(
        "Tenant-wide admin consent (oauth2PermissionGrant, AllPrincipals) for the delegated scopes of requiredResourceAccess: true for every resource, or a list of resources. Scopes are added to an existing grant, never removed",
      ),
    preAuthorizedApplications: z
      .array(preAuthorizedSchema)
      .optional()
      .describe(
        "api.preAuthorizedApplications: clients whose users skip consent for the listed scopes. Written after the scopes exist (a second PATCH)",
      ),
    assignments: z
      .union([
        z.array(assignmentSchema),
        z
          .object({
            mode: z
              .enum(["include", "exact"])
              .describe(
                "include: add missing assignments, keep others. exact: also remove service principals' assignments not listed",
              ),
            values: z.array(assignmentSchema),
          })
          .strict(),
      ])
      .optional()
      .describe(
        "App role assignments of callers (appRoleAssignedTo of this API's service principal): with appRoleAssignmentRequired, only assigned callers get tokens, and app-only tokens carry the assigned roles",
      ),
    tags: listPolicySchema
      .optional()
      .describe("Service principal tags (e.g. WindowsAzureActiveDirectoryIntegratedApp, HideApp)"),
  })
  .strict()
  .describe(
    "Desired Entra app registration (update-manifest); in defaults, merged under the registration block of apps that have one",
  );

export type RegistrationConfig = z.output<typeof registrationSchema>;
export type ScopeConfig = z.output<typeof scopeSchema>;
export type AppRoleConfig = z.output<typeof appRoleSchema>;
export type RequiredResourceConfig = z.output<typeof requiredResourceSchema>;
export type ResourceRef = z.output<typeof resourceRef>;
export type AssignmentConfig = z.output<typeof assignmentSchema>;

/**
 * What a registration is when the config leaves a field out: the one home of the registration kind's defaults.
 * The docs contradict each other on Graph's own default signInAudience (docs/contracts/graph.md §1.2, §9 pitfall 6):
 * a personal-account default would force v2 tokens and 60 writes/min throttling, so one is always sent on create.
 * `api://{appId}` is always kept: it is the one identifier URI every tenant policy accepts (§1.3).
 */
export const REGISTRATION_DEFAULTS = {
  tokenVersion: 2,
  signInAudienceOnCreate: "AzureADMyOrg",
  identifierUri: "api://{appId}",
} as const;
