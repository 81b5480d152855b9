import { route, send, type Ctx, type Route } from "../http.ts";
import { nameOk, parseSetBody, parseUpdateBody } from "./body.ts";
import { secretBundle, secretItem } from "./bundle.ts";
import type { VaultEnv } from "./env.ts";
import { deletedButRecoverable, secretDisabled, secretNotFound } from "./errors.ts";
import { paginate } from "./paging.ts";
import { latest, type SecretRecord, type SecretVersion } from "./state.ts";

/** `/secrets...`: set, get (latest or by version), list, list versions, update properties. Delete lives with deletedsecrets. */
export function secretRoutes(env: VaultEnv): Route[] {
  const base = () => env.baseUrl();

  /** The secret named in the path, or a 404 (a soft-deleted secret is not found here, as in the service). */
  const findActive = (ctx: Ctx): SecretRecord | undefined => {
    const name = ctx.params.name!;
    if (!nameOk(ctx, name)) return undefined;
    const record = env.state.active(name);
    if (!record) secretNotFound(ctx, name);
    return record;
  };

  /** The version named in the path; an empty version segment (`/secrets/x/`, what the SDK sends for "latest") means the current one. */
  const findVersion = (ctx: Ctx, record: SecretRecord): SecretVersion | undefined => {
    const wanted = ctx.params.version;
    if (!wanted) return latest(record);
    const v = record.versions.find((x) => x.version === wanted.toLowerCase());
    if (!v) secretNotFound(ctx, `${ctx.params.name}/${wanted}`);
    return v;
  };

  const getSecret = (ctx: Ctx) => {
    const record = findActive(ctx);
    if (!record) return;
    const v = findVersion(ctx, record);
    if (!v) return;
    // nbf/exp are informational for secrets and do not block reads (Altinn/altinn-studio#5029); `enabled` does.
    if (!v.attributes.enabled) return secretDisabled(ctx);
    send(ctx, 200, secretBundle(base(), record, v, env.retention, true));
  };

  const setSecret = (ctx: Ctx) => {
    const name = ctx.params.name!;
    if (!nameOk(ctx, name)) return;
    if (env.state.get(name)?.deleted) return deletedButRecoverable(ctx, env.state.get(name)!.name);
    const input = parseSetBody(ctx);
    if (!input) return;
    const { record, version } = env.state.addVersion(name, input);
    send(ctx, 200, secretBundle(base(), record, version, env.retention, true));
  };

  const updateSecret = (ctx: Ctx) => {
    const record = findActive(ctx);
    if (!record) return;
    const v = findVersion(ctx, record);
    if (!v) return;
    const update = parseUpdateBody(ctx);
    if (!update) return;
    // Updating a disabled version is how it gets re-enabled, so `enabled: false` does not block PATCH.
    const next = env.state.updateVersion(v, update);
    send(ctx, 200, secretBundle(base(), record, next, env.retention, false));
  };

  const listSecrets = (ctx: Ctx) => {
    const records = [...env.state.secrets.values()].filter((r) => !r.deleted);
    const page = paginate(
      ctx,
      base(),
      records,
      (r) => r.name.toLowerCase(),
      (r) => secretItem(base(), r, latest(r), env.retention, false),
      env.pageSize,
    );
    if (page) send(ctx, 200, page);
  };

  const listVersions = (ctx: Ctx) => {
    const name = ctx.params.name!;
    if (!nameOk(ctx, name)) return;
    const record = env.state.active(name);
    const versions = record?.versions ?? [];
    // Ordered by version id, not by creation, as the service lists them (nagyesta/lowkey-vault#467): callers must
    // compare `created`, never trust the listing order, to find the newest version.
    const page = paginate(
      ctx,
      base(),
      versions,
      (v) => v.version,
      (v) => secretItem(base(), record!, v, env.retention, true),
      env.pageSize,
    );
    if (page) send(ctx, 200, page);
  };

  const notImplemented = (what: string) => (ctx: Ctx) =>
    send(ctx, 501, { error: { code: "NotImplemented", message: `The emulator does not implement ${what}.` } });

  return [
    route("GET", "/secrets", listSecrets),
    route("POST", "/secrets/restore", notImplemented("secret restore")),
    route("GET", "/secrets/{name}/versions", listVersions),
    route("POST", "/secrets/{name}/backup", notImplemented("secret backup")),
    route("PUT", "/secrets/{name}", setSecret),
    route("GET", "/secrets/{name}", getSecret),
    route("PATCH", "/secrets/{name}", updateSecret),
    route("GET", "/secrets/{name}/{version}", getSecret),
    route("PATCH", "/secrets/{name}/{version}", updateSecret),
  ];
}
