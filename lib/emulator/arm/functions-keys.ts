import { isObject, jsonBody, send, type Ctx, type Route } from "../http.ts";
import { HostUnavailable } from "../service-error.ts";
import { LegacyArmError, missingProperties } from "./errors.ts";
import { childResource, sendPage, siteAndSlot, type ArmEnv, type Target } from "./model.ts";
import { generateKeyValue, newFunction, type FunctionState } from "./state.ts";

const HOST_KEY_TYPES: Record<string, "functionKeys" | "systemKeys" | "masterKey"> = {
  functionkeys: "functionKeys",
  systemkeys: "systemKeys",
  masterkey: "masterKey",
};

/**
 * Key routes are proxied to the Functions host, so they fail when it is not running (docs/contracts/arm.md §2.4): routes
 * registered through here check that first, and the refusal is thrown for the dispatcher to answer.
 */
function hostRoutes(env: ArmEnv, method: string, suffix: string, handler: (ctx: Ctx, t: Target) => void): Route[] {
  return siteAndSlot(env, method, suffix, (ctx, t) => {
    if (!/functionapp/i.test(t.site.kind))
      throw new LegacyArmError(
        400,
        "BadRequest",
        `Site '${t.armName}' is not a function app (kind '${t.site.kind}'); it has no Functions host.`,
      );
    if (t.app.state !== "Running") throw new HostUnavailable();
    handler(ctx, t);
  });
}

// The service requires the `properties` envelope; the spec's flat KeyInfo gets 400 (specs#14557, #29701).
function keyBody(ctx: Ctx): { name?: string; value?: string } {
  const body = jsonBody(ctx);
  if (!isObject(body) || !isObject(body.properties)) throw missingProperties();
  const { name, value } = body.properties;
  return {
    name: typeof name === "string" ? name : undefined,
    value: typeof value === "string" && value !== "" ? value : undefined,
  };
}

function functionEnvelope(t: Target, fn: FunctionState) {
  const host = t.slot ? `${t.site.name}-${t.slot}` : t.site.name;
  return {
    ...childResource(t, `functions/${fn.name}`, "functions", `${t.armName}/${fn.name}`, {
      function_app_id: t.id,
      script_href: `https://${host}.azurewebsites.net/admin/vfs/site/wwwroot/${fn.name}/index.js`,
      config_href: `https://${host}.azurewebsites.net/admin/vfs/site/wwwroot/${fn.name}/function.json`,
      href: `https://${host}.azurewebsites.net/admin/functions/${fn.name}`,
      config: fn.config,
      invoke_url_template: `https://${host}.azurewebsites.net/api/${fn.name.toLowerCase()}`,
      language: "node",
      isDisabled: false,
    }),
  };
}

function keyResource(t: Target, segment: string, type: string, name: string, value: string) {
  return childResource(t, segment, type, name, { name, value });
}

export function functionKeyRoutes(env: ArmEnv): Route[] {
  const findFunction = (ctx: Ctx, t: Target): FunctionState => {
    const fn = t.app.functions.get(ctx.params.functionName!.toLowerCase());
    if (!fn)
      throw new LegacyArmError(404, "NotFound", `Function with an ID of ${ctx.params.functionName} is not running.`);
    return fn;
  };

  /** PUT semantics shared by function and host keys: 201 create, 200 update, value generated when absent. */
  const putKey = (ctx: Ctx, keys: Record<string, string>): { status: number; name: string; value: string } => {
    const body = keyBody(ctx);
    const name = ctx.params.keyName!;
    const existed = Object.hasOwn(keys, name);
    const value = body.value ?? generateKeyValue();
    keys[name] = value;
    return { status: existed ? 200 : 201, name, value };
  };

  const deleteKey = (ctx: Ctx, keys: Record<string, string>) => {
    const name = ctx.params.keyName!;
    // The runtime refuses system and master keys ("System keys cannot be deleted.", KeysController).
    if (name.startsWith("_")) throw new LegacyArmError(400, "BadRequest", "Invalid key name.");
    if (!Object.hasOwn(keys, name)) throw new LegacyArmError(404, "NotFound", "Key was not found.");
    delete keys[name];
    send(ctx, 204);
  };

  return [
    ...siteAndSlot(env, "GET", "/functions", (ctx, t) =>
      sendPage(
        env,
        ctx,
        [...t.app.functions.values()].map((f) => functionEnvelope(t, f)),
      ),
    ),
    ...siteAndSlot(env, "GET", "/functions/{functionName}", (ctx, t) =>
      send(ctx, 200, functionEnvelope(t, findFunction(ctx, t))),
    ),
    ...siteAndSlot(env, "PUT", "/functions/{functionName}", (ctx, t) => {
      const body = jsonBody(ctx);
      const config =
        isObject(body) && isObject(body.properties) && isObject(body.properties.config) ? body.properties.config : {};
      const key = ctx.params.functionName!.toLowerCase();
      const existing = t.app.functions.get(key);
      const fn = existing ?? newFunction(ctx.params.functionName!, config);
      if (existing) existing.config = { ...existing.config, ...config };
      t.app.functions.set(key, fn);
      send(ctx, existing ? 200 : 201, functionEnvelope(t, fn));
    }),
    ...siteAndSlot(env, "DELETE", "/functions/{functionName}", (ctx, t) => {
      if (!t.app.functions.delete(ctx.params.functionName!.toLowerCase())) return send(ctx, 404);
      send(ctx, 204);
    }),
    ...hostRoutes(env, "POST", "/functions/{functionName}/listkeys", (ctx, t) => {
      // The service answers a flat map, not the spec's StringDictionary (specs#11401).
      send(ctx, 200, { ...findFunction(ctx, t).keys });
    }),
    ...hostRoutes(env, "POST", "/functions/{functionName}/listsecrets", (ctx, t) => {
      const fn = findFunction(ctx, t);
      send(ctx, 200, {
        key: fn.keys.default ?? Object.values(fn.keys)[0] ?? "",
        trigger_url: `https://${t.site.name}.azurewebsites.net/api/${fn.name}`,
      });
    }),
    ...hostRoutes(env, "PUT", "/functions/{functionName}/keys/{keyName}", (ctx, t) => {
      const fn = findFunction(ctx, t);
      const r = putKey(ctx, fn.keys);
      send(ctx, r.status, keyResource(t, `functions/${fn.name}/keys/${r.name}`, "functions/keys", r.name, r.value));
    }),
    ...hostRoutes(env, "DELETE", "/functions/{functionName}/keys/{keyName}", (ctx, t) =>
      deleteKey(ctx, findFunction(ctx, t).keys),
    ),
    ...hostRoutes(env, "POST", "/host/default/listkeys", (ctx, t) => {
      const { masterKey, functionKeys, systemKeys } = t.app.hostKeys;
      send(ctx, 200, { masterKey, functionKeys: { ...functionKeys }, systemKeys: { ...systemKeys } });
    }),
    ...hostRoutes(env, "POST", "/host/default/sync", (ctx) => send(ctx, 204)),
    ...hostRoutes(env, "POST", "/host/default/listsyncstatus", (ctx) => send(ctx, 204)),
    ...hostRoutes(env, "PUT", "/host/default/{keyType}/{keyName}", (ctx, t) => {
      const type = HOST_KEY_TYPES[ctx.params.keyType!.toLowerCase()];
      if (!type)
        throw new LegacyArmError(
          400,
          "BadRequest",
          `Invalid key type '${ctx.params.keyType}'. Expected functionKeys, systemKeys or masterKey.`,
        );
      const hk = t.app.hostKeys;
      // `_master` (any case) renews the master key: KeysController routes it to SetMasterKeyAsync.
      if (type === "masterKey" || ctx.params.keyName!.toLowerCase() === "_master") {
        hk.masterKey = keyBody(ctx).value ?? generateKeyValue();
        return send(
          ctx,
          200,
          keyResource(t, `host/default/${ctx.params.keyType}/_master`, "host/functionKeys", "_master", hk.masterKey),
        );
      }
      const r = putKey(ctx, hk[type]);
      send(
        ctx,
        r.status,
        keyResource(t, `host/default/${ctx.params.keyType}/${r.name}`, `host/${type}`, r.name, r.value),
      );
    }),
    ...hostRoutes(env, "DELETE", "/host/default/{keyType}/{keyName}", (ctx, t) => {
      const type = HOST_KEY_TYPES[ctx.params.keyType!.toLowerCase()];
      if (!type || type === "masterKey") throw new LegacyArmError(400, "BadRequest", "Invalid key name.");
      deleteKey(ctx, t.app.hostKeys[type]);
    }),
  ];
}
