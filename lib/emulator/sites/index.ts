import type { IncomingHttpHeaders } from "node:http";
import { v2ViewOfV1 } from "../arm/auth-settings.ts";
import type { AppState, ArmState, JsonObject } from "../arm/state.ts";
import type { Directory } from "../directory.ts";
import { send, type Ctx } from "../http.ts";
import type { MountedService } from "../service.ts";
import { retryHeaders } from "../service-error.ts";
import { serveHost } from "./functions-host.ts";
import { evaluateEasyAuth } from "./gate.ts";
import { addressByHost, addressByPath, resolveSite, SITE_PATH_PREFIX } from "./host.ts";
import { presentedKey } from "./keys.ts";
import { principalHeaders } from "./principal.ts";

/** Headers on every data-plane answer: which step decided, for tests and `explain-token`; never the token or a key. */
export const AUTH_DECISION = "x-emulator-auth-decision";
export const AUTH_REASON = "x-emulator-auth-reason";
export const KEY_DECISION = "x-emulator-key-decision";

export interface SitesEnv {
  arm: ArmState;
  directory: Directory;
  baseUrl: () => string;
}

/**
 * The data plane: the apps themselves, reached by Host (`{app}.azurewebsites.net`,
 * `{app}-{slot}.azurewebsites.net`) or by the path prefix `/_sites/{app}/` (host.ts). In App Service's order: the
 * site (unknown → 404, stopped → 403), Easy Auth from the app's stored auth settings (gate.ts), then the Functions
 * host (keys, functions-host.ts).
 */
export function createSitesService(env: SitesEnv): MountedService {
  return {
    name: "sites",
    prefix: SITE_PATH_PREFIX,
    accepts: (ctx) => addressByHost(ctx.req.headers.host, ctx.path) !== undefined,
    handle: async (ctx) => () => serve(env, ctx),
    fail: (ctx, e) =>
      send(ctx, e.status, e.message, {
        ...retryHeaders(e),
        [AUTH_DECISION]: "not-evaluated",
        [KEY_DECISION]: "not-evaluated",
      }),
  };
}

/** The document Easy Auth runs from: the V2 properties, or the V2 view of a classic (V1) configuration. */
export function effectiveAuthSettings(app: AppState): JsonObject {
  if (app.authV2) return app.authV2;
  return app.configVersion === "v1" ? v2ViewOfV1(app.authV1) : {};
}

// What App Service shows for a stopped app and for a host name no app has.
const STOPPED_PAGE =
  "<!DOCTYPE html><html><head><title>Web App - Unavailable</title></head><body>" +
  "<h1>Error 403 - This web app is stopped.</h1><p>The web app you have attempted to reach is currently stopped and " +
  "does not accept any requests. Please try to reload the page or visit it again soon.</p></body></html>";
const NOT_FOUND_PAGE =
  "<!DOCTYPE html><html><head><title>Microsoft Azure Web App - Error 404</title></head><body>" +
  "<h1>Error 404 - Web app not found.</h1><p>The web app you have attempted to reach is not available in this " +
  "Microsoft Azure App Service region.</p></body></html>";
const HTML = { "content-type": "text/html; charset=utf-8" };

/** Request headers as the app receives them: those only the platform may set are dropped (principal.ts). */
function forwardedHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || /^x-ms-(client-principal|token-)/i.test(k)) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

function serve(env: SitesEnv, ctx: Ctx): void {
  const address = addressByHost(ctx.req.headers.host, ctx.path) ?? addressByPath(ctx.path);
  const decided = (auth: string, key = "not-evaluated") => ({ [AUTH_DECISION]: auth, [KEY_DECISION]: key });
  if (!address || address.scm) return send(ctx, 404, "Kudu (the SCM site) is not emulated.", decided("not-evaluated"));
  const t = resolveSite(env.arm, address.label);
  if (!t) return send(ctx, 404, NOT_FOUND_PAGE, { ...HTML, ...decided("unknown-app") });
  // A stopped app answers before anything else runs; Easy Auth is not evaluated.
  if (t.app.state !== "Running") return send(ctx, 403, STOPPED_PAGE, { ...HTML, ...decided("site-stopped") });

  // The return path a login redirect carries, without a function key sent as `?code=`.
  const query = new URLSearchParams(ctx.url.search);
  query.delete("code");
  const search = query.size ? `?${query}` : "";
  const gate = evaluateEasyAuth(
    effectiveAuthSettings(t.app),
    { host: t.host, path: address.path, search, authorization: ctx.req.headers.authorization },
    {
      now: Math.floor(Date.now() / 1000),
      jwks: [env.directory.publicJwk],
      authority: env.baseUrl(),
      tenantId: env.directory.tenantId,
      issuers: [env.directory.issuer(1), env.directory.issuer(2)],
    },
  );
  if (!gate.pass) return send(ctx, gate.status, gate.body || undefined, { ...gate.headers, ...decided(gate.decision) });

  const headers = forwardedHeaders(ctx.req.headers);
  if (gate.principal) Object.assign(headers, principalHeaders(gate.principal));
  const key = presentedKey(ctx.req.headers["x-functions-key"], ctx.query);
  const a = serveHost(t, { method: ctx.method, path: address.path, query: ctx.query, headers }, key);
  send(ctx, a.status, a.body === "" ? undefined : a.body, {
    ...a.headers,
    ...decided(gate.decision, a.keyDecision),
    ...(gate.reason ? { [AUTH_REASON]: gate.reason } : {}),
  });
}
