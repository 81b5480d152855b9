import type { Authorization } from "../authorization/grants.ts";
import { keyVaultDenial } from "../authorization/keyvault.ts";
import type { Ctx } from "../http.ts";
import type { Directory } from "../directory.ts";
import { retryHeaders } from "../service-error.ts";
import { routeOperation, type MountedService } from "../service.ts";
import { keyVaultAdminRoutes } from "./admin-routes.ts";
import { apiVersionOk } from "./api-versions.ts";
import { authenticate } from "./auth.ts";
import type { VaultEnv } from "./env.ts";
import { deletedRoutes } from "./deleted-routes.ts";
import { kvError, THROTTLED_MESSAGE } from "./errors.ts";
import { MAX_PAGE_SIZE } from "./paging.ts";
import { secretRoutes } from "./secrets-routes.ts";
import { VaultState } from "./state.ts";

export { VaultState } from "./state.ts";
export { KEY_VAULT_ACCEPTED_AUDIENCES, KEY_VAULT_RESOURCE, challengeHeader } from "./auth.ts";
export { KEY_VAULT_API_VERSIONS, LATEST_KEY_VAULT_API_VERSION } from "./api-versions.ts";

export interface KeyVaultOptions {
  /** Items per list page when the caller sends no `maxresults`; the service's default and maximum is 25. */
  pageSize?: number;
  /** Soft-delete retention, 7 to 90 days as on a real vault; default 90. */
  softDeleteRetentionDays?: number;
  /** Bring your own state to seed secrets or inspect them from a test; a fresh empty vault otherwise. */
  state?: VaultState;
  /** Data actions of restricted clients (server.ts). */
  authorization?: Authorization;
}

/**
 * Key Vault secrets on the emulator's origin: the vault URL is the emulator URL, paths are `/secrets/...` and
 * `/deletedsecrets/...`. Order per request: challenge auth, then api-version, then the route, as the SDK's first
 * (token-less, body-less) probe must get the 401 challenge whatever it asked for.
 */
export function createKeyVaultService(
  dir: Directory,
  baseUrl: () => string,
  opts: KeyVaultOptions = {},
): MountedService {
  const days = opts.softDeleteRetentionDays ?? 90;
  if (!Number.isInteger(days) || days < 7 || days > 90)
    throw new Error(`softDeleteRetentionDays must be an integer from 7 to 90, got ${days}.`);
  const pageSize = opts.pageSize ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new Error(`pageSize must be a positive integer, got ${pageSize}.`);
  const env: VaultEnv = { state: opts.state ?? new VaultState(), baseUrl, retention: { days }, pageSize };
  const routes = [...secretRoutes(env), ...deletedRoutes(env)];

  const commonHeaders = (ctx: Ctx) => {
    ctx.res.setHeader("x-ms-request-id", ctx.requestId);
    const clientRequestId = ctx.req.headers["x-ms-client-request-id"];
    if (typeof clientRequestId === "string") ctx.res.setHeader("x-ms-client-request-id", clientRequestId);
    ctx.res.setHeader("x-ms-keyvault-region", "westeurope");
  };

  return {
    name: "keyvault",
    prefix: /^\/(secrets|deletedsecrets)(\/|$)/i,
    adminRoutes: keyVaultAdminRoutes(env),
    store: env.state,
    async handle(ctx) {
      commonHeaders(ctx);
      if (!(await authenticate(ctx, dir, baseUrl()))) return;
      // The vault is this origin; its name is the host's first label, as in `{name}.vault.azure.net`.
      const denied = opts.authorization && keyVaultDenial(opts.authorization, ctx, ctx.url.hostname.split(".")[0]!);
      if (denied) return kvError(ctx, 403, "Forbidden", denied, { inner: "ForbiddenByRbac" });
      if (!apiVersionOk(ctx)) return;
      // The service's answers for unknown paths and methods are not recorded: emulator wording, Key Vault envelope.
      return routeOperation(ctx, routes, (c, why) =>
        why === "method"
          ? kvError(c, 405, "MethodNotAllowed", `The requested resource does not support http method '${c.method}'.`)
          : kvError(c, 404, "NotFound", `No Key Vault operation matches ${c.method} ${c.path}.`),
      );
    },
    fail(ctx, e) {
      commonHeaders(ctx);
      const headers = retryHeaders(e);
      if (e.status === 429) return kvError(ctx, 429, e.code ?? "Throttled", THROTTLED_MESSAGE, { headers });
      kvError(ctx, e.status, e.code ?? (e.status >= 500 ? "InternalServerError" : "BadRequest"), e.message, {
        headers,
      });
    },
  };
}
