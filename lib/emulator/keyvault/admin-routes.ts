import { route, send, type Route } from "../http.ts";
import type { VaultEnv } from "./env.ts";
import { secretId } from "./bundle.ts";

/**
 * `GET /_emulator/keyvault/state`: names, versions, tags, content types and attributes. Values are secrets, so they
 * appear only with `?secrets=true` (the same opt-in as `/_emulator/state`); otherwise the field is absent altogether.
 */
export function keyVaultAdminRoutes(env: VaultEnv): Route[] {
  return [
    route("GET", "/_emulator/keyvault/state", (ctx) => {
      const withValues = ctx.query.get("secrets") === "true";
      const base = env.baseUrl();
      send(ctx, 200, {
        vaultUrl: base,
        softDeleteRetentionDays: env.retention.days,
        secrets: [...env.state.secrets.values()].map((r) => ({
          name: r.name,
          deleted: r.deleted ?? null,
          versions: r.versions.map((v) => ({
            version: v.version,
            id: secretId(base, r.name, v.version),
            contentType: v.contentType ?? null,
            tags: v.tags ?? {},
            attributes: v.attributes,
            ...(withValues ? { value: v.value } : {}),
          })),
        })),
      });
    }),
  ];
}
