import type { Ctx } from "../http.ts";
import { badParameter } from "./errors.ts";

/**
 * The versions @azure/keyvault-secrets 4.11 can send (`SecretClientOptions.serviceVersion` and `KnownVersions`);
 * its default is the last one (`LATEST_API_VERSION = "2025-07-01"`), so the "7.x" family alone is not enough.
 */
export const KEY_VAULT_API_VERSIONS = ["7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6-preview.2", "7.6", "2025-07-01"];
export const LATEST_KEY_VAULT_API_VERSION = "2025-07-01";

export function apiVersionOk(ctx: Ctx): boolean {
  const v = ctx.query.get("api-version");
  if (!v) {
    // The service's exact wording for a missing api-version is not recorded anywhere we could find: emulator wording.
    badParameter(ctx, "The api-version query parameter is required for all requests.");
    return false;
  }
  if (KEY_VAULT_API_VERSIONS.includes(v)) return true;
  // Service wording for an unknown version (azure-sdk-for-python#28595).
  badParameter(
    ctx,
    `The specified version (${v}) is not recognized. Consider using the latest supported version (${LATEST_KEY_VAULT_API_VERSION}).`,
  );
  return false;
}
