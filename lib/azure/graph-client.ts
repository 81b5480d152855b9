import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { Client, GraphError, RetryHandlerOptions } from "@microsoft/microsoft-graph-client";
// ESM needs the file: the package has no `exports` map, so the directory import fails (docs/contracts/graph.md §6).
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";
import { isCustomHost, type Endpoints } from "./endpoints.ts";
import { fixForStatus, parseErrorBody } from "./error-body.ts";
import { graphMiddlewareWithFetch, proxiedFetch, proxyConfigFromEnv } from "./proxy.ts";
import { AzureRequestError, UsageError, type AzureErrorDetails } from "../errors.ts";
import { isRecord } from "./json.ts";
import { retryAfterMs } from "./limiter-policy.ts";
import { redactUrl, safeErrorText, summarizeBody } from "./redact.ts";
import { describeBody, unexpectedAnswer } from "./answer-shape.ts";

export const GRAPH_VERSION = "v1.0";

export interface GraphClientOptions {
  credential: TokenCredential;
  endpoints: Endpoints;
  /** Where HTTPS_PROXY / NO_PROXY are read (default process.env, which the Azure SDK clients read; lib/azure/proxy.ts). */
  env?: NodeJS.ProcessEnv;
}

/**
 * The Graph SDK client for the endpoint in MICROSOFT_GRAPH_ENDPOINT. The SDK attaches a token only for Microsoft's
 * Graph hosts and for `customHosts` given as a bare hostname: with a port, or over http, it silently sends no token
 * (docs/contracts/graph.md §6, G1-G4). Its RetryHandler stays on: it retries 429/503/504 with Retry-After.
 * The SDK's fetch knows no proxy: with HTTPS_PROXY set, its chain ends in a proxied fetch instead (lib/azure/proxy.ts).
 */
export function createGraphClient(opts: GraphClientOptions): Client {
  const base = opts.endpoints.graph;
  // Over http the SDK silently sends no token at all (above): refused here with the variable named.
  if (!/^https:\/\//i.test(base))
    throw new UsageError(`MICROSOFT_GRAPH_ENDPOINT '${base}' is not an https:// URL.`, {
      fix: "Use the cloud's https Graph endpoint (https://graph.microsoft.com), or unset MICROSOFT_GRAPH_ENDPOINT.",
    });
  const authProvider = new TokenCredentialAuthenticationProvider(heldToken(opts.credential), {
    scopes: [opts.endpoints.graphScope],
  });
  const proxy = proxyConfigFromEnv(opts.env ?? process.env);
  const send = proxy ? proxiedFetch(proxy) : (input: RequestInfo, init?: RequestInit) => fetch(input, init);
  return Client.initWithMiddleware({
    baseUrl: base,
    defaultVersion: GRAPH_VERSION,
    ...(isCustomHost(base) ? { customHosts: new Set([new URL(base).hostname]) } : {}),
    middleware: graphMiddlewareWithFetch(authProvider, fetchNamingCause(send)),
  });
}

/**
 * The Graph SDK asks the credential for a token before every request (TokenCredentialAuthenticationProvider), and
 * MSAL's cache lookup behind @azure/identity costs about a millisecond of CPU each time: a tenth of a 500-app
 * update-manifest run's CPU. The token is held and shared by concurrent requests until MSAL itself would renew it
 * (its refreshAfter, else 5 minutes before expiry, as @azure/core-rest-pipeline's bearer token policy does for ARM);
 * a request with claims (a CAE challenge) or a failed acquisition goes to the credential again.
 */
export function heldToken(credential: TokenCredential): TokenCredential {
  let held: { scopes: string; token: Promise<AccessToken | null>; renewAt: number } | undefined;
  const renewAt = (t: AccessToken | null): number =>
    t ? Math.min(t.refreshAfterTimestamp ?? Number.POSITIVE_INFINITY, t.expiresOnTimestamp - 5 * 60_000) : 0;
  return {
    getToken: (scopes: string | string[], options?: GetTokenOptions) => {
      const key = [scopes].flat().join(" ");
      if (options?.claims) return credential.getToken(scopes, options);
      if (held && held.scopes === key && Date.now() < held.renewAt) return held.token;
      const token = credential.getToken(scopes, options);
      const entry = { scopes: key, token, renewAt: Number.POSITIVE_INFINITY };
      held = entry;
      token.then(
        (t) => (entry.renewAt = renewAt(t)),
        () => (entry.renewAt = 0),
      );
      return token;
    },
  };
}

/**
 * What the Graph SDK cannot report itself. undici rejects with `TypeError: fetch failed` and puts the reason
 * (ECONNREFUSED, a reset, a certificate) on `cause`, which GraphError drops: the reason is moved into the message.
 * A gateway's HTML error page is dropped whole by the SDK in Node (it parses HTML only with a DOMParser): it is
 * answered as a Graph error body that names it, status and headers kept, so the error says what came back.
 */
function fetchNamingCause(
  inner: (input: RequestInfo, init?: RequestInit) => Promise<Response>,
): (input: RequestInfo, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const host = typeof input === "string" ? new URL(input).host : undefined;
    let res: Response;
    try {
      res = await inner(input, init);
    } catch (e) {
      if (e instanceof Error && e.cause !== undefined && e.name !== "AbortError")
        throw new Error(safeErrorText(e, host));
      throw e;
    }
    if (res.ok || !/html/i.test(res.headers.get("content-type") ?? "")) return res;
    await res.body?.cancel();
    const headers = new Headers(res.headers);
    headers.set("content-type", "application/json");
    headers.delete("content-length");
    const body = JSON.stringify({ error: { message: summarizeBody("", "text/html", host) } });
    return new Response(body, { status: res.status, statusText: res.statusText, headers });
  };
}

/** A failed Graph call: AzureRequestError plus the codes of `error.details[]` (e.g. NoBackingApplicationObject). */
export class GraphRequestError extends AzureRequestError {
  readonly detailCodes: string[];
  constructor(
    message: string,
    d: AzureErrorDetails,
    detailCodes: string[],
    opts: { fix?: string; cause?: unknown } = {},
  ) {
    super(message, d, opts);
    this.detailCodes = detailCodes;
  }
}

// What to do about the codes a registration run meets (docs/contracts/graph.md §5.1, docs/update-manifest.md).
const FIXES: Record<string, string> = {
  HostNameNotOnVerifiedDomain:
    "Use api://{appId} (always accepted), or add and verify the domain under Entra ID > Custom domain names first.",
  Authorization_RequestDenied:
    "The signed-in principal lacks a Graph permission: Application.ReadWrite.OwnedBy (apps it owns) or Application.ReadWrite.All, and DelegatedPermissionGrant.ReadWrite.All for admin consent (docs/update-manifest.md).",
  CannotDeleteOrUpdateEnabledEntitlement:
    "A scope or role must be disabled (one write) before it is changed or removed (a second write); run the command again.",
  InvalidAuthenticationToken:
    "Check --auth and MICROSOFT_GRAPH_ENDPOINT: the token must be issued for https://graph.microsoft.com.",
};

function detailsOf(body: unknown): string[] {
  let parsed: unknown = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      return [];
    }
  }
  // GraphError.body is JSON.stringify(error) — the inner object, not the envelope (docs/contracts/graph.md §5.5).
  const err = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : parsed;
  const details = isRecord(err) && Array.isArray(err.details) ? err.details : [];
  return details.flatMap((d) => (isRecord(d) && typeof d.code === "string" ? [d.code] : []));
}

/** Any error from a Graph SDK call → GraphRequestError with service "graph", status, code and request id. */
export function toGraphError(e: unknown, method: string, path: string, endpoint: string): GraphRequestError {
  const url = redactUrl(`${endpoint}/${GRAPH_VERSION}${path}`);
  if (e instanceof GraphError) {
    // statusCode -1: the request never got an HTTP answer (connection reset, DNS): retryable like any network error.
    const status = e.statusCode > 0 ? e.statusCode : undefined;
    const host = new URL(endpoint).host;
    const parsed = parseErrorBody(typeof e.body === "string" ? e.body : undefined, host);
    // For an error thrown on this side (a body that is not JSON, a failed fetch) the SDK sets `code` to the JS
    // error's name: that is no service code.
    const local = e.code !== null && /^(|Type|Syntax|Range)Error$/.test(e.code);
    const code = (local ? undefined : e.code) ?? parsed.code ?? undefined;
    // The SDK's message may be V8's JSON error quoting the body, or a gateway's page: allow-listed text only.
    const message =
      e.code === "SyntaxError"
        ? "the answer could not be read: invalid JSON (truncated?)"
        : (e.message ? safeErrorText(e, host) : parsed.message) || (status ? `HTTP ${status}` : "no response");
    const details: AzureErrorDetails = {
      service: "graph",
      status,
      code,
      method,
      url,
      requestId: e.requestId ?? undefined,
      retryAfterMs: retryAfterMs(e.headers?.get("retry-after") ?? undefined),
    };
    const text = `${method} ${path}: ${status ?? "no response"}${code ? ` ${code}` : ""}: ${message}`;
    const fix =
      (code ? FIXES[code] : undefined) ??
      fixForStatus(status, "MICROSOFT_GRAPH_ENDPOINT") ??
      (status === undefined
        ? `Check that ${host} is reachable (MICROSOFT_GRAPH_ENDPOINT, HTTPS_PROXY) and run again.`
        : undefined);
    return new GraphRequestError(text, details, detailsOf(e.body), { fix, cause: e });
  }
  // undici's "fetch failed" keeps its reason (ECONNREFUSED, a reset, a certificate) on the cause: it is named.
  const host = new URL(endpoint).host;
  return new GraphRequestError(
    `${method} ${path} failed: ${safeErrorText(e, host)}`,
    { service: "graph", status: undefined, code: undefined, method, url },
    [],
    {
      cause: e,
      fix: `Check that ${host} is reachable (MICROSOFT_GRAPH_ENDPOINT, HTTPS_PROXY) and run again.`,
    },
  );
}

export interface GraphQuery {
  select?: string[];
  filter?: string;
}

/** The few Graph operations the tool makes, with errors translated. Paths are relative to /v1.0. */
export interface GraphApi {
  get<T>(path: string, query?: GraphQuery): Promise<T>;
  /** GET of a collection, following https `@odata.nextLink`s to the end. */
  list<T>(path: string, query?: GraphQuery): Promise<T[]>;
  /** 204 → undefined; an upsert that creates → 201 with the object. */
  patch<T = undefined>(path: string, body: unknown, headers?: Record<string, string>): Promise<T | undefined>;
  /**
   * POST without the SDK's retry: it retries POSTs on 429/503/504 too, and a create that reached the service
   * before the 503 is then made twice (docs/contracts/graph.md §5.4 R2). Callers retry with an idempotent check.
   */
  postOnce<T>(path: string, body: unknown): Promise<T>;
  /** DELETE; false when the object was already gone (404 counts as done). */
  delete(path: string): Promise<boolean>;
}

/**
 * A 200 object answer is checked before anything is planned on it: a JSON object, not an error body, with the `id`
 * it was asked for. An answer without `id` would be read as an object whose every field is unset.
 */
function objectAnswer<T>(body: unknown, path: string, q: GraphQuery | undefined): T {
  const src = { service: "graph" as const, method: "GET", path };
  if (!isRecord(body) || body.error !== undefined) throw unexpectedAnswer(src, describeBody(body));
  if (q?.select?.includes("id") && typeof body.id !== "string") throw unexpectedAnswer(src, "an object without an id");
  return body as T;
}

/** A collection page must hold a `value` array: a page without one would read as "none", and a grant be made twice. */
function pageAnswer<T>(body: unknown, path: string): { value: T[]; "@odata.nextLink"?: string } {
  const src = { service: "graph" as const, method: "GET", path };
  if (!isRecord(body) || !Array.isArray(body.value))
    throw unexpectedAnswer(
      src,
      isRecord(body) && body.error === undefined ? "a page without a value array" : describeBody(body),
    );
  const next = body["@odata.nextLink"];
  return { value: body.value as T[], ...(typeof next === "string" ? { "@odata.nextLink": next } : {}) };
}

export function graphApi(client: Client, endpoint: string): GraphApi {
  const wrap = async <T>(method: string, path: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (e) {
      throw toGraphError(e, method, path, endpoint);
    }
  };
  const request = (path: string, q: GraphQuery = {}) => {
    let r = client.api(path);
    if (q.select) r = r.select(q.select);
    if (q.filter) r = r.filter(q.filter);
    return r;
  };
  return {
    async get<T>(path: string, q?: GraphQuery): Promise<T> {
      return objectAnswer<T>(await wrap("GET", path, () => request(path, q).get()), path, q);
    },
    async list<T>(path: string, q?: GraphQuery): Promise<T[]> {
      const out: T[] = [];
      let page = pageAnswer<T>(await wrap("GET", path, () => request(path, q).get()), path);
      out.push(...page.value);
      for (let next = page["@odata.nextLink"]; next; next = page["@odata.nextLink"]) {
        const link = next;
        page = pageAnswer<T>(await wrap("GET", path, () => client.api(link).get()), path);
        out.push(...page.value);
      }
      return out;
    },
    patch: (path, body, headers = {}) =>
      wrap("PATCH", path, () => {
        let r = client.api(path);
        for (const [k, v] of Object.entries(headers)) r = r.header(k, v);
        return r.patch(body);
      }),
    postOnce: (path, body) =>
      wrap("POST", path, () =>
        client
          .api(path)
          .middlewareOptions([new RetryHandlerOptions(0, 0)])
          .post(body),
      ),
    async delete(path) {
      try {
        await wrap("DELETE", path, () => client.api(path).delete());
        return true;
      } catch (e) {
        if (e instanceof GraphRequestError && e.status === 404) return false;
        throw e;
      }
    },
  };
}

/** Graph client and operations for a credential and the endpoints from the env. */
export function createGraphApi(opts: GraphClientOptions): GraphApi {
  return graphApi(createGraphClient(opts), opts.endpoints.graph);
}
