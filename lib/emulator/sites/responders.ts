import type { FunctionState } from "../arm/state.ts";
import { readClientPrincipal, roleValues, scopeValues } from "./principal.ts";

/** What a function's code receives: the request as Easy Auth forwards it (principal headers injected). */
export interface FunctionRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Lower-cased names. */
  headers: Record<string, string>;
}

export interface FunctionAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const TEXT = { "content-type": "text/plain; charset=utf-8" };

export const GREETING_SCOPE = "Greeting.Read";
export const GREETING_ROLE = "Greeting.Call";
// Seed 000's answer: "Hello, world. You were able to access this because you provided a valid access token with
// the Greeting.Read scope as a claim."
const GRANTED = "You were able to access this because you provided a valid access token";

/**
 * Seed 000's `greeting`, an HTTP trigger behind Easy Auth that checks the caller itself: 200 with the greeting when
 * the principal carries the `Greeting.Read` scope (`scp`, space-separated, delegated callers) or the `Greeting.Call`
 * app role (`roles`, app-only callers such as API Management's managed identity); 403 otherwise. Easy Auth only
 * authenticates: "you can now validate that the expected roles are present in the token (this is not performed by
 * App Service Authentication / Authorization)" (configure-authentication-provider-aad, daemon client application).
 * With no principal at all (Easy Auth off, AllowAnonymous, an excluded path) it answers 403 unless the seed says
 * `requireCaller: false`.
 */
function greeting(req: FunctionRequest, requireCaller: boolean): FunctionAnswer {
  const name = req.query.get("name") || "world";
  const doc = readClientPrincipal(req.headers["x-ms-client-principal"]);
  const decide = (d: string) => ({ ...TEXT, "x-emulator-function-decision": d });
  if (!doc) {
    if (!requireCaller)
      return {
        status: 200,
        headers: decide("caller-not-required"),
        body: `Hello, ${name}. No caller identity was required.`,
      };
    return {
      status: 403,
      headers: decide("no-caller"),
      body: `Forbidden: missing ${GREETING_SCOPE} scope or ${GREETING_ROLE} role (the request carries no caller).`,
    };
  }
  if (scopeValues(doc).includes(GREETING_SCOPE))
    return {
      status: 200,
      headers: decide("scope"),
      body: `Hello, ${name}. ${GRANTED} with the ${GREETING_SCOPE} scope as a claim.`,
    };
  if (roleValues(doc).includes(GREETING_ROLE))
    return {
      status: 200,
      headers: decide("role"),
      body: `Hello, ${name}. ${GRANTED} with the ${GREETING_ROLE} app role as a claim.`,
    };
  return {
    status: 403,
    headers: decide("missing-scope-or-role"),
    body: `Forbidden: missing ${GREETING_SCOPE} scope or ${GREETING_ROLE} role.`,
  };
}

/** Runs a function's code: its `respond` from the seed, or by default a JSON echo of who called (never a token). */
export function runFunction(fn: FunctionState, req: FunctionRequest): FunctionAnswer {
  const r = fn.respond;
  if (r?.kind === "greeting") return greeting(req, r.requireCaller);
  if (r?.kind === "static") return { status: r.status, headers: { "content-type": r.contentType }, body: r.body };
  const id = req.headers["x-ms-client-principal-id"];
  const caller = req.headers["x-ms-client-principal"]
    ? {
        id: id ?? null,
        name: req.headers["x-ms-client-principal-name"] ?? null,
        idp: req.headers["x-ms-client-principal-idp"],
      }
    : null;
  return {
    status: 200,
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify({ function: fn.name, method: req.method, caller }),
  };
}
