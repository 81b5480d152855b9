import { send, type Ctx } from "../http.ts";

/**
 * Key Vault's data-plane error envelope: `{"error":{"code","message","innererror"?}}`. The SDK reads the inner
 * error from the lower-case `innererror` key (@azure/keyvault-secrets 4.11 `_keyVaultErrorErrorDeserializer`).
 */
export function kvError(
  ctx: Ctx,
  status: number,
  code: string,
  message: string,
  opts: { inner?: string; headers?: Record<string, string> } = {},
): void {
  const error: Record<string, unknown> = { code, message };
  if (opts.inner) error.innererror = { code: opts.inner };
  send(ctx, status, { error }, opts.headers ?? {});
}

export function badParameter(ctx: Ctx, message: string): void {
  kvError(ctx, 400, "BadParameter", message);
}

// Wording as the service sends it (azure-sdk-for-js#25489).
export function secretNotFound(ctx: Ctx, nameOrId: string): void {
  kvError(
    ctx,
    404,
    "SecretNotFound",
    `A secret with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );
}

// Wording as the service sends it (azure-sdk-for-net#26027).
export function deletedSecretNotFound(ctx: Ctx, name: string): void {
  kvError(ctx, 404, "SecretNotFound", `Deleted Secret not found: ${name}`);
}

// 403 with inner code SecretDisabled (azure-sdk-for-js#24756, ansible-collections/azure#1989).
export function secretDisabled(ctx: Ctx): void {
  kvError(ctx, 403, "Forbidden", "Operation get is not allowed on a disabled secret.", { inner: "SecretDisabled" });
}

// A soft-deleted name cannot be reused until recovered or purged (ironmansoftware/powershell-universal#1990).
export function deletedButRecoverable(ctx: Ctx, name: string): void {
  kvError(
    ctx,
    409,
    "Conflict",
    `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
    { inner: "ObjectIsDeletedButRecoverable" },
  );
}

// What a vault answers when its request-type limit is hit (vcsjones/AzureSignTool#219).
export const THROTTLED_MESSAGE =
  "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached";
