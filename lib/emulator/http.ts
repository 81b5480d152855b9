import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";

export type ServiceName = "entra" | "arm" | "graph" | "keyvault" | "sites" | "admin";

/** One request as a service handler sees it. Paths keep their original case; matching is case-insensitive. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  path: string;
  query: URLSearchParams;
  /** Raw request body (already read). */
  rawBody: string;
  params: Record<string, string>;
  requestId: string;
  /** Set by the service once the caller's token is verified. */
  principal?: TokenClaims;
  /** Response status actually sent, for the request log. */
  status?: number;
}

export interface TokenClaims {
  aud: string;
  iss: string;
  tid: string;
  oid: string;
  appid?: string;
  azp?: string;
  sub: string;
  [k: string]: unknown;
}

export type Handler = (ctx: Ctx) => Promise<void> | void;

export interface Route {
  method: string;
  regex: RegExp;
  keys: string[];
  handler: Handler;
}

/** `/subscriptions/{sub}/resourceGroups/{rg}` → a case-insensitive regex with named segments. */
export function route(method: string, template: string, handler: Handler): Route {
  const keys: string[] = [];
  const source = template
    .split("/")
    .map((seg) => {
      const m = /^\{(\w+)\}$/.exec(seg);
      if (m) {
        keys.push(m[1]!);
        return "([^/]+)";
      }
      return seg.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { method, regex: new RegExp(`^${source}/?$`, "i"), keys, handler };
}

export function matchRoute(
  routes: Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | "method" | undefined {
  let pathMatched = false;
  for (const r of routes) {
    const m = r.regex.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method) continue;
    const params: Record<string, string> = {};
    for (const [i, k] of r.keys.entries()) params[k] = decodeURIComponent(m[i + 1]!);
    return { route: r, params };
  }
  return pathMatched ? "method" : undefined;
}

export function send(ctx: Ctx, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  ctx.status = status;
  const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  const h: Record<string, string> = { ...headers };
  if (body !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === "content-type")) {
    h["content-type"] = typeof body === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8";
  }
  h["content-length"] = String(Buffer.byteLength(text));
  for (const [k, v] of Object.entries(h)) ctx.res.setHeader(k, v);
  ctx.res.writeHead(status);
  ctx.res.end(text);
}

export function jsonBody<T = unknown>(ctx: Ctx): T | undefined {
  if (!ctx.rawBody.trim()) return undefined;
  try {
    return JSON.parse(ctx.rawBody) as T;
  } catch {
    return undefined;
  }
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function newRequestId(): string {
  return randomUUID();
}

export function bearer(ctx: Ctx): string | undefined {
  const h = ctx.req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(h);
  return m?.[1];
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
