import type { TokenCredential } from "@azure/core-auth";
import { createWebSiteManagement } from "@azure/arm-appservice/api";
import { fixForStatus, parseErrorBody } from "./error-body.ts";
import { AzureRequestError, HostUnreachableError, UsageError, isHostRuntimeError } from "../errors.ts";
import type { Endpoints } from "./endpoints.ts";
import { ArmLimiter } from "./limiter.ts";
import { armLimiterPolicy, retryAfterMs } from "./limiter-policy.ts";
import { redactUrl, safeErrorText } from "./redact.ts";

export const ARM_API_VERSION = "2025-05-01";

export interface ArmResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

/** Extra query of a GET: another provider's api-version (Microsoft.Resources lists), `$filter`. */
export interface ArmGetOptions {
  apiVersion?: string;
  query?: Record<string, string>;
}

export interface ArmClient {
  /** `path` may also be a list's absolute `nextLink` on the same ARM endpoint; it already carries its query. */
  get<T = unknown>(path: string, opts?: ArmGetOptions): Promise<ArmResponse<T>>;
  put<T = unknown>(path: string, body: unknown): Promise<ArmResponse<T>>;
  /** Partial update: ARM keeps every property the body leaves out (sites, sites/config/web). */
  patch<T = unknown>(path: string, body: unknown): Promise<ArmResponse<T>>;
  post<T = unknown>(path: string, body?: unknown): Promise<ArmResponse<T>>;
  delete<T = unknown>(path: string): Promise<ArmResponse<T>>;
}

export interface ArmClientOptions {
  credential: TokenCredential;
  endpoints: Endpoints;
  limiter?: ArmLimiter;
  apiVersion?: string;
  /** SDK retry count (default 3, the SDK's own). */
  maxRetries?: number;
}

/** Percent-encodes each segment: resource and key names are URL path segments (docs/contracts/arm.md §2.3). */
export function armPath(...segments: string[]): string {
  return "/" + segments.map((s) => encodeURIComponent(s)).join("/");
}

/**
 * Raw-JSON ARM access through the SDK's pipeline (auth, retry, logging). The typed v19 models drop unknown fields
 * and send flat key bodies the service rejects (docs/contracts/arm.md §8), so every call here is raw JSON.
 */
export function createArmClient(opts: ArmClientOptions): ArmClient {
  const limiter = opts.limiter ?? new ArmLimiter();
  const ctx = createWebSiteManagement(opts.credential, "", {
    endpoint: opts.endpoints.resourceManager,
    credentials: { scopes: [opts.endpoints.armScope] },
    additionalPolicies: [{ policy: armLimiterPolicy(limiter), position: "perRetry" }],
    retryOptions: { maxRetries: opts.maxRetries ?? 3 },
  });
  const apiVersion = opts.apiVersion ?? ARM_API_VERSION;
  const host = new URL(opts.endpoints.resourceManager).host;
  // The SDK refuses to send a token over http, but only at the first call and naming neither variable nor fix.
  if (!/^https:\/\//i.test(opts.endpoints.resourceManager))
    throw new UsageError(
      `AZURE_RESOURCE_MANAGER_ENDPOINT '${opts.endpoints.resourceManager}' is not an https:// URL.`,
      {
        fix: "Use the cloud's https ARM endpoint (https://management.azure.com), or unset AZURE_RESOURCE_MANAGER_ENDPOINT.",
      },
    );

  const call = async <T>(
    method: "GET" | "PUT" | "PATCH" | "POST" | "DELETE",
    path: string,
    body?: unknown,
    get: ArmGetOptions = {},
  ): Promise<ArmResponse<T>> => {
    const absolute = /^https:\/\//i.test(path);
    // A nextLink is followed only on the ARM endpoint the token was issued for.
    if (absolute && new URL(path).origin !== new URL(opts.endpoints.resourceManager).origin)
      throw new AzureRequestError(`refused to follow a nextLink off the ARM endpoint: ${redactUrl(path)}`, {
        service: "arm",
        status: undefined,
        code: undefined,
        method,
        url: redactUrl(path),
      });
    const version = get.apiVersion ?? apiVersion;
    const url = absolute ? path : `${opts.endpoints.resourceManager}${path}?api-version=${version}`;
    const resource = ctx.path(path);
    const req = {
      ...(absolute ? {} : { queryParameters: { "api-version": version, ...get.query } }),
      ...(body !== undefined ? { contentType: "application/json", body } : {}),
    };
    let res: { status: string; headers: Record<string, string>; body: unknown };
    try {
      res =
        method === "GET"
          ? await resource.get(req)
          : method === "PUT"
            ? await resource.put(req)
            : method === "PATCH"
              ? await resource.patch(req)
              : method === "POST"
                ? await resource.post(req)
                : await resource.delete(req);
    } catch (e) {
      // The SDK's own text may quote the response body (a parse error of a truncated listkeys answer holds key
      // values): only safeErrorText's allow-listed text is kept.
      const code = (e as { code?: string }).code;
      const unreadable = code === "PARSE_ERROR";
      const network = code === "REQUEST_SEND_ERROR" || /^E[A-Z]+$/.test(code ?? "");
      const fix = unreadable
        ? "Run again; if it persists, check what answers at AZURE_RESOURCE_MANAGER_ENDPOINT (a proxy or gateway)."
        : network
          ? `Check that ${host} is reachable (AZURE_RESOURCE_MANAGER_ENDPOINT, HTTPS_PROXY) and run again.`
          : undefined;
      throw new AzureRequestError(
        `${method} ${redactUrl(url)} failed: ${safeErrorText(e, host)}`,
        { service: "arm", status: undefined, code, method, url: redactUrl(url) },
        // A parse error's cause holds the body: it is not kept.
        { ...(unreadable ? {} : { cause: e }), ...(fix ? { fix } : {}) },
      );
    }
    const status = Number(res.status);
    if (status >= 200 && status < 300) return { status, headers: res.headers, body: res.body as T };
    const parsed = parseErrorBody(res.body, host);
    const message = parsed.message ?? `HTTP ${status}`;
    const details = {
      service: "arm" as const,
      status,
      code: parsed.code,
      method,
      url: redactUrl(url),
      requestId: res.headers["x-ms-request-id"],
      correlationId: res.headers["x-ms-correlation-request-id"],
      retryAfterMs: retryAfterMs(res.headers["retry-after"]),
    };
    const text = `${method} ${path}: ${status}${parsed.code ? ` ${parsed.code}` : ""}: ${message}`;
    if (isHostRuntimeError(status, message)) throw new HostUnreachableError(text, details);
    const fix = fixForStatus(status, "AZURE_RESOURCE_MANAGER_ENDPOINT");
    throw new AzureRequestError(text, details, fix ? { fix } : {});
  };

  return {
    get: (p, o) => call("GET", p, undefined, o),
    put: (p, b) => call("PUT", p, b),
    patch: (p, b) => call("PATCH", p, b),
    post: (p, b) => call("POST", p, b),
    delete: (p) => call("DELETE", p),
  };
}
