import type { TokenCredential } from "@azure/core-auth";
import { Client, GraphError, RetryHandlerOptions } from "@microsoft/microsoft-graph-client";
// ESM needs the file: the package has no `exports` map, so the directory import fails (docs/contracts/graph.md §6).
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";
import { isCustomHost, type Endpoints } from "./endpoints.ts";
import { parseErrorBody } from "./error-body.ts";
import { graphMiddlewareWithFetch, proxiedFetch, proxyConfigFromEnv } from "./proxy.ts";
import { AzureRequestError, type AzureErrorDetails } from "../errors.ts";
import { isRecord } from "./json.ts";
import { retryAfterMs } from "./limiter-policy.ts";
import { redactUrl } from "./redact.ts";

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
  const authProvider = new TokenCredentialAuthenticationProvider(opts.credential, {
    scopes: [opts.endpoints.graphScope],
  });
  const proxy = proxyConfigFromEnv(opts.env ?? process.env);
  return Client.initWithMiddleware({
    baseUrl: base,
    defaultVersion: GRAPH_VERSION,
    ...(isCustomHost(base) ? { customHosts: new Set([new URL(base).hostname]) } : {}),
    ...(proxy ? { middleware: graphMiddlewareWithFetch(authProvider, proxiedFetch(proxy)) } : { authProvider }),
  });
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
    const parsed = parseErrorBody(typeof e.body === "string" ? e.body : undefined);
    const code = e.code ?? parsed.code ?? undefined;
    const message = e.message || parsed.message || (status ? `HTTP ${status}` : "no response");
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
    return new GraphRequestError(text, details, detailsOf(e.body), { fix: code ? FIXES[code] : undefined, cause: e });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new GraphRequestError(
    `${method} ${path} failed: ${message}`,
    { service: "graph", status: undefined, code: undefined, method, url },
    [],
    { cause: e },
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
    get: (path, q) => wrap("GET", path, () => request(path, q).get()),
    async list<T>(path: string, q?: GraphQuery): Promise<T[]> {
      const out: T[] = [];
      let page = await wrap<{ value?: T[]; "@odata.nextLink"?: string }>("GET", path, () => request(path, q).get());
      out.push(...(page.value ?? []));
      for (let next = page["@odata.nextLink"]; next; next = page["@odata.nextLink"]) {
        const link = next;
        page = await wrap("GET", path, () => client.api(link).get());
        out.push(...(page.value ?? []));
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
