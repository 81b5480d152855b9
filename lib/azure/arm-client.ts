import type { TokenCredential } from "@azure/core-auth";
import { createWebSiteManagement } from "@azure/arm-appservice/api";
import { parseErrorBody } from "./error-body.ts";
import { AzureRequestError, HostUnreachableError, isHostRuntimeError } from "../errors.ts";
import type { Endpoints } from "./endpoints.ts";
import { ArmLimiter } from "./limiter.ts";
import { armLimiterPolicy, retryAfterMs } from "./limiter-policy.ts";
import { redactUrl } from "./redact.ts";

export const ARM_API_VERSION = "2025-05-01";

export interface ArmResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

export interface ArmClient {
  get<T = unknown>(path: string): Promise<ArmResponse<T>>;
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

  const call = async <T>(
    method: "GET" | "PUT" | "PATCH" | "POST" | "DELETE",
    path: string,
    body?: unknown,
  ): Promise<ArmResponse<T>> => {
    const url = `${opts.endpoints.resourceManager}${path}?api-version=${apiVersion}`;
    const resource = ctx.path(path);
    const req = {
      queryParameters: { "api-version": apiVersion },
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
      throw new AzureRequestError(
        `${method} ${redactUrl(url)} failed: ${(e as Error).message}`,
        { service: "arm", status: undefined, code: (e as { code?: string }).code, method, url: redactUrl(url) },
        { cause: e },
      );
    }
    const status = Number(res.status);
    if (status >= 200 && status < 300) return { status, headers: res.headers, body: res.body as T };
    const parsed = parseErrorBody(res.body);
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
    throw new AzureRequestError(text, details);
  };

  return {
    get: (p) => call("GET", p),
    put: (p, b) => call("PUT", p, b),
    patch: (p, b) => call("PATCH", p, b),
    post: (p, b) => call("POST", p, b),
    delete: (p) => call("DELETE", p),
  };
}
