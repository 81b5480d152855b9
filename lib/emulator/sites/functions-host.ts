import { isObject } from "../http.ts";
import { AUTH_LEVELS, type AuthLevel, type FunctionState } from "../arm/state.ts";
import type { SiteTarget } from "./host.ts";
import { checkKey } from "./keys.ts";
import { runFunction, type FunctionAnswer, type FunctionRequest } from "./responders.ts";

/** What the Functions host behind Easy Auth answers, with the key step's decision. */
export interface HostAnswer extends FunctionAnswer {
  keyDecision: string;
}

/** The HTTP trigger's `authLevel` in function.json (ARM shows it in `properties.config`); `function` by default. */
export function functionAuthLevel(fn: FunctionState): AuthLevel {
  const bindings = Array.isArray(fn.config.bindings) ? fn.config.bindings : [];
  const trigger = bindings.find((b) => isObject(b) && String(b.type).toLowerCase() === "httptrigger");
  const level = isObject(trigger) && typeof trigger.authLevel === "string" ? trigger.authLevel.toLowerCase() : "";
  return (AUTH_LEVELS as readonly string[]).includes(level) ? (level as AuthLevel) : "function";
}

const json = (status: number, body: unknown, keyDecision: string): HostAnswer => ({
  status,
  headers: { "content-type": "application/json; charset=utf-8" },
  body: JSON.stringify(body),
  keyDecision,
});
// The host answers an unknown route, and a refused key, with an empty body.
const empty = (status: number, keyDecision: string): HostAnswer => ({ status, headers: {}, body: "", keyDecision });
const html = (body: string): HostAnswer => ({
  status: 200,
  headers: { "content-type": "text/html; charset=utf-8" },
  body,
  keyDecision: "not-required",
});

function functionInfo(t: SiteTarget, fn: FunctionState) {
  return {
    name: fn.name,
    config: fn.config,
    authLevel: functionAuthLevel(fn),
    invoke_url_template: `https://${t.host}/api/${fn.name.toLowerCase()}`,
    isDisabled: false,
  };
}

/**
 * The app's routes once Easy Auth has let the request through: `/api/{function}` (the default `api` route prefix),
 * the host's `/admin/*` API (master key only: function-keys-how-to, "Master key (admin-level)"), the landing page
 * at `/`. A web app (no Functions host) has only its landing page.
 */
export function serveHost(t: SiteTarget, req: FunctionRequest, key: string | undefined): HostAnswer {
  const path = req.path.replace(/\/+$/, "") || "/";
  if (!/functionapp/i.test(t.site.kind)) {
    if (path === "/") return html(`<h1>${t.host}</h1><p>An App Service web app, emulated without content.</p>`);
    return empty(404, "not-a-function-app");
  }
  if (path === "/") return html(`<h1>Your Functions 4.0 app is up and running</h1><p>${t.host} (emulated)</p>`);
  if (/^\/admin(\/|$)/i.test(path)) {
    const check = checkKey("admin", key, undefined, t.app.hostKeys);
    if (!check.ok) return empty(401, check.decision);
    if (req.method === "GET" && /^\/admin\/host\/status$/i.test(path))
      return json(200, { id: t.site.name, state: "Running", version: "4.0.0.0 (emulated)" }, check.decision);
    if (req.method === "GET" && /^\/admin\/functions$/i.test(path))
      return json(
        200,
        [...t.app.functions.values()].map((f) => functionInfo(t, f)),
        check.decision,
      );
    const m = /^\/admin\/functions\/([^/]+)$/i.exec(path);
    const fn = m ? t.app.functions.get(decodeURIComponent(m[1]!).toLowerCase()) : undefined;
    if (req.method === "GET" && fn) return json(200, functionInfo(t, fn), check.decision);
    return empty(404, check.decision);
  }
  const m = /^\/api\/([^/]+)$/i.exec(path);
  const fn = m ? t.app.functions.get(decodeURIComponent(m[1]!).toLowerCase()) : undefined;
  if (!fn) return empty(404, "not-evaluated");
  const check = checkKey(functionAuthLevel(fn), key, fn.keys, t.app.hostKeys);
  if (!check.ok) return empty(401, check.decision);
  return { ...runFunction(fn, req), keyDecision: check.decision };
}
