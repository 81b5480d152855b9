import { bearer, type Ctx } from "../http.ts";
import { peekAudience, type Directory } from "../directory.ts";
import { kvError } from "./errors.ts";

/** The resource the challenge names (public cloud; another cloud's is `dir.cloud.vaultResource`); the SDK asks Entra for `<resource>/.default`. */
export const KEY_VAULT_RESOURCE = "https://vault.azure.net";
const KEY_VAULT_APP_ID = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093";

/**
 * The audiences the data plane accepts. Narrower than `VAULT_AUDIENCES`: the service names exactly these two in
 * its AKV10022 message (argocd-vault-plugin#621) and refuses the trailing-slash form
 * ("Expected https://vault.azure.net, found: https://vault.azure.net/.", Azure/go-autorest#525).
 */
export const KEY_VAULT_ACCEPTED_AUDIENCES = [KEY_VAULT_RESOURCE, KEY_VAULT_APP_ID];
const acceptedAudiences = (resource: string) => [resource, KEY_VAULT_APP_ID];

/**
 * `Bearer authorization="<authority>/<tenant>", resource="https://vault.azure.net"`, as the Key Vault REST error-codes
 * page shows it. @azure/keyvault-common 2.1 splits the header on `,? +` and keeps `key="value"` pairs, takes the
 * tenant from the authorization URL's path and builds the scope from `resource` (parseWWWAuthenticate.js,
 * keyVaultAuthenticationPolicy.js), so values must not contain spaces and the path must be exactly `/<tenant>`.
 */
export function challengeHeader(authority: string, tenantId: string, resource = KEY_VAULT_RESOURCE): string {
  return `Bearer authorization="${authority}/${tenantId}", resource="${resource}"`;
}

/**
 * Verifies the caller's token; on failure answers 401 with the challenge and Key Vault's error body. Every 401 carries
 * the challenge, so a client holding a token for the wrong audience is told where to get the right one.
 */
export async function authenticate(ctx: Ctx, dir: Directory, authority: string): Promise<boolean> {
  const accepted = acceptedAudiences(dir.cloud.vaultResource);
  const result = await dir.authenticate(ctx, accepted);
  if (!result) return true;
  const token = bearer(ctx);
  const message = {
    // azure-sdk-for-python#24557, azure-sdk-for-net#39216.
    missing: "AKV10000: Request is missing a Bearer or PoP token.",
    // argocd-vault-plugin#621, crossplane-contrib/provider-azure#346.
    audience: `AKV10022: Invalid audience. Expected ${accepted.join(" or ")}, found: ${peekAudience(token) ?? "(none)"}.`,
    // The service's AKV codes for these two were not found in public reports: emulator wording.
    invalid: "Token validation failed: the signature or format of the access token is invalid.",
    expired: "Token validation failed: the access token is expired.",
  }[result];
  kvError(ctx, 401, "Unauthorized", message, {
    headers: { "www-authenticate": challengeHeader(authority, dir.tenantId, dir.cloud.vaultResource) },
  });
  return false;
}
