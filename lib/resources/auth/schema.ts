import { z } from "zod";
import { listPolicySchema } from "../../pipeline/list-policy.ts";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const loginParameterSchema = z
  .string()
  .regex(/^[^=\s]+=.*$/, "must be key=value (e.g. scope=openid profile), as authsettingsV2 requires");

/**
 * Easy Auth compares audiences and client application ids literally (a token's `aud` must equal one of
 * allowedAudiences; https://learn.microsoft.com/en-us/azure/app-service/configure-authentication-provider-aad#use-a-built-in-authorization-policy):
 * there is no wildcard, and a `*` written "to allow every caller" would be stored as it is. Refused with the fix.
 */
const noWildcards = (what: string, fix: string) =>
  listPolicySchema.superRefine((policy, ctx) => {
    const values = Array.isArray(policy) ? policy : policy.values;
    values.forEach((v, i) => {
      if (v.includes("*"))
        ctx.addIssue({
          code: "custom",
          path: Array.isArray(policy) ? [i] : ["values", i],
          message: `'${v}': ${what} take no wildcards (Easy Auth compares them literally); ${fix}`,
        });
    });
  });

export const aadSchema = z
  .object({
    enabled: z.boolean().optional().describe("identityProviders.azureActiveDirectory.enabled (default true)"),
    clientId: z
      .union([
        z.literal("fromRegistration"),
        z.string().regex(GUID, "must be a GUID (the app registration's appId) or 'fromRegistration'"),
      ])
      .optional()
      .describe("registration.clientId; 'fromRegistration' reads the appId of this app's `registration`"),
    tenantId: z
      .string()
      .regex(GUID, "must be a tenant GUID")
      .optional()
      .describe("Tenant for the issuer; default AZURE_TENANT_ID"),
    tokenVersion: z
      .union([z.literal(1), z.literal(2), z.literal("fromRegistration")])
      .optional()
      .describe(
        "Default 2. Access token version the registration issues; sets openIdIssuer (v2: login.microsoftonline.com/{tenant}/v2.0, v1: sts.windows.net/{tenant}/)",
      ),
    clientSecretSettingName: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, "must be an app setting name (the name, never the secret)")
      .optional()
      .describe("registration.clientSecretSettingName: the NAME of the app setting that holds the client secret"),
    loginParameters: z
      .array(loginParameterSchema)
      .optional()
      .describe(
        "login.loginParameters, merged key-wise: scope values are a set (union), other key=value pairs are kept",
      ),
    allowedAudiences: noWildcards("audiences", "list each audience, e.g. 'api://{appId}'")
      .optional()
      .describe("validation.allowedAudiences; '{appId}' is replaced by the client id"),
    allowedApplications: noWildcards("client application ids", "list each caller's appId, or drop the list")
      .optional()
      .describe("validation.defaultAuthorizationPolicy.allowedApplications (client app ids allowed to call)"),
  })
  .strict();

/**
 * What a function's own code requires of its caller, beyond Easy Auth (which only authenticates: checking roles "is
 * not performed by App Service Authentication / Authorization",
 * https://learn.microsoft.com/azure/app-service/configure-authentication-provider-aad#daemon-client-application-service-to-service-calls).
 * Never written anywhere: explain-token and audit read it.
 */
export const functionRequirementSchema = z
  .object({
    scopes: z
      .array(z.string().min(1))
      .optional()
      .describe("Delegated scopes the function accepts (any one of them in the space-separated scp claim)"),
    roles: z
      .array(z.string().min(1))
      .optional()
      .describe("App roles the function accepts (any one of them in the roles claim)"),
  })
  .strict();

export const authSchema = z
  .object({
    enabled: z.boolean().optional().describe("platform.enabled: App Service Authentication on (default true)"),
    requireAuthentication: z.boolean().optional().describe("globalValidation.requireAuthentication"),
    unauthenticatedClientAction: z
      .enum(["Return401", "Return403", "RedirectToLoginPage", "AllowAnonymous"])
      .optional()
      .describe("globalValidation.unauthenticatedClientAction; APIs should use Return401"),
    excludedPaths: listPolicySchema.optional().describe("globalValidation.excludedPaths"),
    tokenStore: z
      .boolean()
      .optional()
      .describe("login.tokenStore.enabled (needed to call other APIs on the user's behalf)"),
    requireHttps: z.boolean().optional().describe("httpSettings.requireHttps"),
    azureActiveDirectory: aadSchema.optional(),
    functions: z
      .record(z.string().min(1), functionRequirementSchema)
      .optional()
      .describe(
        "Per function name (the route /api/{name}): the scope or role its code checks; a request with no caller, or without any of them, gets 403 (explain-token's last step)",
      ),
  })
  .strict();

// No zod defaults here: defaults must not be filled in before `defaults.auth` is merged under an app's auth
// (an app's implicit tokenVersion would otherwise override the fleet's explicit one). withAuthDefaults applies them after.
export type AuthConfigInput = z.input<typeof authSchema>;
type AadParsed = z.output<typeof aadSchema>;
export type AuthParsed = z.output<typeof authSchema>;
export type AadConfig = Omit<AadParsed, "enabled" | "tokenVersion"> & {
  enabled: boolean;
  tokenVersion: 1 | 2 | "fromRegistration";
};
export type AuthConfig = Omit<AuthParsed, "enabled" | "azureActiveDirectory"> & {
  enabled: boolean;
  azureActiveDirectory?: AadConfig;
};

export function withAuthDefaults(a: AuthParsed): AuthConfig {
  const aad = a.azureActiveDirectory;
  return {
    ...a,
    enabled: a.enabled ?? true,
    azureActiveDirectory: aad
      ? { ...aad, enabled: aad.enabled ?? true, tokenVersion: aad.tokenVersion ?? 2 }
      : undefined,
  };
}

/** Parses one auth block and applies the defaults (for tests and tools that hold a single app's auth). */
export function parseAuth(input: AuthConfigInput): AuthConfig {
  return withAuthDefaults(authSchema.parse(input));
}
