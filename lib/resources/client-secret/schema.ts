import { z } from "zod";
import { DURATION_PATTERN } from "../keys/duration.ts";
import { vaultUrl } from "../keys/schema.ts";

// No zod defaults here (as in ../keys/schema.ts): `defaults.clientSecret` is merged under each app's block after
// parsing; policy.ts applies CLIENT_SECRET_DEFAULTS.

const duration = z
  .string()
  .regex(
    DURATION_PATTERN,
    "must be a duration such as 90d, 4h30m or 45s, or ISO 8601 such as P90D (no years or months)",
  )
  .describe("A duration: 90d, 4h30m, 45s, or ISO 8601 (P90D, PT4H30M)");

export const clientSecretSchema = z
  .object({
    vaultUrl: vaultUrl
      .optional()
      .describe(
        "Key Vault the client secret is published to and referenced from (https://<vault>.vault.azure.net); 'fromEnv' reads AZURE_KEYVAULT_URL",
      ),
    secretName: z
      .string()
      .regex(/^[A-Za-z0-9{}-]{1,127}$/, "must be letters, digits, '-' and {placeholders}")
      .optional()
      .describe(
        "Key Vault secret holding the client secret; placeholder {site}. Default '{site}-easyauth-client-secret'",
      ),
    maxAge: duration
      .optional()
      .describe("Add a new password when the newest tool-made one is older than this (default 90d)"),
    renewBefore: duration
      .optional()
      .describe("Add a new password when the current one expires within this (default 30d)"),
    lifetime: duration
      .optional()
      .describe(
        "endDateTime of each new password, from its creation (default 180d; keep it longer than maxAge + renewBefore)",
      ),
    grace: duration
      .optional()
      .describe(
        "How long older tool-made passwords stay valid after the new one is referenced by the app setting (default 1d), for instances that have not restarted yet; with credential managedIdentity, after the federated credential was added",
      ),
    credential: z
      .enum(["secret", "managedIdentity"])
      .optional()
      .describe(
        "What Easy Auth signs in with: 'secret' (default: a client secret rotated through Key Vault) or 'managedIdentity' (a user-assigned managed identity trusted by a federated identity credential of the registration, no secret at all: docs/client-secrets.md, \"Secretless\")",
      ),
    identity: z
      .string()
      .optional()
      .describe(
        "credential managedIdentity only: the user-assigned identity's ARM resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>), assigned to the app and its slots",
      ),
  })
  .strict();

export type ClientSecretConfig = z.output<typeof clientSecretSchema>;

/** The one home of the kind's defaults. */
export const CLIENT_SECRET_DEFAULTS = {
  secretName: "{site}-easyauth-client-secret",
  maxAge: "90d",
  renewBefore: "30d",
  lifetime: "180d",
  grace: "1d",
} as const;

/** The fields that only the client-secret rotation uses: refused with `credential: managedIdentity` (no secret is made). */
export const SECRET_ONLY_FIELDS = ["vaultUrl", "secretName", "maxAge", "renewBefore", "lifetime"] as const;
