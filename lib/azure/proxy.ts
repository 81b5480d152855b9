import {
  type AuthenticationProvider,
  type Context,
  HTTPMessageHandler,
  type Middleware,
  MiddlewareFactory,
} from "@microsoft/microsoft-graph-client";
import type { ProxyAgent, fetch as undiciFetch } from "undici";

/**
 * Outbound proxy settings, read from the env the way @azure/core-rest-pipeline reads process.env for ARM, Entra
 * (@azure/identity) and Key Vault (its proxyPolicy, from @typespec/ts-http-runtime): the proxy is the first of
 * HTTPS_PROXY, ALL_PROXY, HTTP_PROXY (upper case first, then lower case) and is used for every URL; NO_PROXY is a
 * comma-separated list of host names matched exactly, or `.domain` suffixes that also match `domain` itself.
 * Ports, `*` and CIDR ranges are not understood by the Azure SDK, so they are not here either: every client
 * bypasses the same hosts (docs/runbook.md, "Proxies and networks").
 */
export interface ProxyConfig {
  /** The proxy, credentials included when the variable has them (never print it: see describeProxy). */
  proxyUrl: URL;
  /** NO_PROXY entries, trimmed and lower-cased. */
  noProxy: string[];
}

const read = (env: NodeJS.ProcessEnv, name: string): string | undefined =>
  env[name] || env[name.toLowerCase()] || undefined;

/** The proxy the env asks for, or undefined when none is set. Throws when the variable is not a URL. */
export function proxyConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ProxyConfig | undefined {
  const name = ["HTTPS_PROXY", "ALL_PROXY", "HTTP_PROXY"].find((n) => read(env, n));
  const raw = name ? read(env, name) : undefined;
  if (!name || !raw) return undefined;
  let proxyUrl: URL;
  try {
    proxyUrl = new URL(raw);
  } catch {
    proxyUrl = new URL("invalid:");
  }
  // A bare `host:port` parses as a URL of scheme `host:`; the value may hold a password: name the variable only.
  if (proxyUrl.protocol !== "http:" && proxyUrl.protocol !== "https:")
    throw new Error(`${name} is not an http(s) URL (expected e.g. http://proxy.example.com:8080).`);
  const noProxy = (read(env, "NO_PROXY") ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  return { proxyUrl, noProxy };
}

/** True when NO_PROXY says `url` goes direct (the Azure SDK's rule: exact host, or `.suffix`). */
export function bypassesProxy(url: string, noProxy: readonly string[]): boolean {
  const host = new URL(url).hostname.toLowerCase();
  return noProxy.some((p) => (p.startsWith(".") ? host.endsWith(p) || host === p.slice(1) : host === p));
}

/** The proxy without its credentials, for messages. */
export function describeProxy(config: ProxyConfig): string {
  return `${config.proxyUrl.protocol}//${config.proxyUrl.host}`;
}

type FetchFn = (input: RequestInfo, init?: RequestInit) => Promise<Response>;

/**
 * A fetch that sends requests through the proxy (HTTP CONNECT tunnels for https URLs; undici's ProxyAgent, which
 * also sends the URL's user:password as Proxy-Authorization) unless NO_PROXY bypasses the host; bypassed requests
 * use Node's global fetch, as without a proxy. Node's global fetch has no proxy support of its own before
 * NODE_USE_ENV_PROXY (Node 22.21 / 24.5), and ignores an http.Agent, hence undici's fetch with its own dispatcher.
 */
export function proxiedFetch(config: ProxyConfig): FetchFn {
  let proxy: Promise<{ send: typeof undiciFetch; agent: ProxyAgent }> | undefined;
  return (input, init) => {
    // The Graph SDK passes URL strings (GraphRequest builds them; RedirectHandler keeps a string a string).
    if (typeof input !== "string") throw new TypeError("proxiedFetch takes a URL string");
    if (bypassesProxy(input, config.noProxy)) return fetch(input, init);
    // Loaded on the first proxied request: undici is about 0.17 s of start-up CPU that runs without a proxy never use.
    proxy ??= import("undici").then((u) => ({ send: u.fetch, agent: new u.ProxyAgent(config.proxyUrl.href) }));
    // undici's own fetch with its own dispatcher: mixing an npm undici dispatcher with Node's bundled fetch is not
    // supported across versions. Its Response and RequestInit are the same WHATWG shapes as the global ones.
    return proxy.then(
      ({ send, agent }) => send(input, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>,
    );
  };
}

/** The Graph SDK's own message handler, but sending through `fetchFn`. */
class FetchHandler implements Middleware {
  constructor(private readonly fetchFn: FetchFn) {}
  async execute(context: Context): Promise<void> {
    context.response = await this.fetchFn(context.request, context.options as RequestInit | undefined);
  }
}

/**
 * The Graph SDK's default middleware chain (auth, retry, redirect, telemetry, then the HTTP call) with the final
 * HTTP call replaced by `fetchFn`: the SDK's HTTPMessageHandler calls the global fetch with no way to pass a proxy.
 */
export function graphMiddlewareWithFetch(authProvider: AuthenticationProvider, fetchFn: FetchFn): Middleware[] {
  const chain = MiddlewareFactory.getDefaultMiddlewareChain(authProvider);
  const last = chain.findIndex((m) => m instanceof HTTPMessageHandler);
  if (last !== chain.length - 1) throw new Error("Unexpected Graph SDK middleware chain: no final HTTPMessageHandler");
  chain[last] = new FetchHandler(fetchFn);
  return chain;
}
