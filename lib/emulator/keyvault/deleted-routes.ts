import { route, send, type Ctx, type Route } from "../http.ts";
import { nameOk } from "./body.ts";
import { deletedBundle, deletedItem, secretBundle } from "./bundle.ts";
import type { VaultEnv } from "./env.ts";
import { deletedSecretNotFound, secretNotFound } from "./errors.ts";
import { paginate } from "./paging.ts";
import { latest, type SecretRecord } from "./state.ts";

/**
 * The soft-delete lifecycle: delete, get/list deleted, recover, purge. Soft-delete is on for every new vault, so the
 * emulated vault always has it: a deleted name keeps its versions and cannot be reused until recovered or purged.
 * A deleted secret is visible at once; the service may take a moment, which the SDK's delete poller absorbs by
 * treating 404 from GET /deletedsecrets/{name} as "not yet" (keyvault-secrets 4.11 lro/delete/operation.js).
 */
export function deletedRoutes(env: VaultEnv): Route[] {
  const base = () => env.baseUrl();

  const findDeleted = (ctx: Ctx): SecretRecord | undefined => {
    const name = ctx.params.name!;
    if (!nameOk(ctx, name)) return undefined;
    const record = env.state.get(name);
    if (!record?.deleted) {
      deletedSecretNotFound(ctx, name);
      return undefined;
    }
    return record;
  };

  const deleteSecret = (ctx: Ctx) => {
    const name = ctx.params.name!;
    if (!nameOk(ctx, name)) return;
    const record = env.state.active(name);
    if (!record) return secretNotFound(ctx, name);
    const deleted = env.state.softDelete(record, env.retention.days);
    send(ctx, 200, deletedBundle(base(), deleted, env.retention));
  };

  const listDeleted = (ctx: Ctx) => {
    const records = [...env.state.secrets.values()].filter((r) => r.deleted);
    const page = paginate(
      ctx,
      base(),
      records,
      (r) => r.name.toLowerCase(),
      (r) => deletedItem(base(), r, env.retention),
      env.pageSize,
    );
    if (page) send(ctx, 200, page);
  };

  const getDeleted = (ctx: Ctx) => {
    const record = findDeleted(ctx);
    if (record) send(ctx, 200, deletedBundle(base(), record, env.retention));
  };

  const purge = (ctx: Ctx) => {
    const record = findDeleted(ctx);
    if (!record) return;
    env.state.purge(record);
    send(ctx, 204);
  };

  const recover = (ctx: Ctx) => {
    const record = findDeleted(ctx);
    if (!record) return;
    env.state.recover(record);
    send(ctx, 200, secretBundle(base(), record, latest(record), env.retention, false));
  };

  return [
    route("DELETE", "/secrets/{name}", deleteSecret),
    route("GET", "/deletedsecrets", listDeleted),
    route("GET", "/deletedsecrets/{name}", getDeleted),
    route("DELETE", "/deletedsecrets/{name}", purge),
    route("POST", "/deletedsecrets/{name}/recover", recover),
  ];
}
