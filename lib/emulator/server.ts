import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { createArmService } from "./arm/index.ts";
import { armError, hostRuntimeUnavailable } from "./arm/errors.ts";
import { ArmState } from "./arm/state.ts";
import { createTls, type PemPair } from "./ca.ts";
import { Directory } from "./directory.ts";
import { entraRoutes } from "./entra.ts";
import { Faults, type Fault } from "./faults.ts";
import { matchRoute, newRequestId, readBody, send, type Ctx, type Route, type ServiceName } from "./http.ts";
import { RequestLog } from "./request-log.ts";
import { applySeed } from "./seed.ts";
import { AZURE_THROTTLE, Throttle, type ThrottleSpec } from "./throttle.ts";
import { adminRoutes } from "./admin.ts";
import { createGraphService, type GraphOptions } from "./graph/index.ts";
import { createKeyVaultService, type KeyVaultOptions } from "./keyvault/index.ts";

export const DEFAULT_TENANT_ID = "7e3a0f1c-5b2d-4c8e-9a61-0d4f2b8c6e11";
export const DEFAULT_SUBSCRIPTION_ID = "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2";
export const DEFAULT_CLIENT_ID = "0b6f5d2a-8e41-4c39-b7a0-e52d91c3f864";

export interface EmulatorOptions {
  port?: number;
  host?: string;
  /** Reuse a CA (tests share one per run so NODE_EXTRA_CA_CERTS can name it before workers start). */
  ca?: PemPair;
  seed?: unknown;
  throttle?: ThrottleSpec;
  faults?: unknown;
  /** Added to every request except the admin API. */
  latencyMs?: number;
  /** Items per page for ARM list operations. */
  pageSize?: number;
  tenantId?: string;
  subscriptionId?: string;
  clientId?: string;
  clientSecret?: string;
  graph?: GraphOptions;
  keyVault?: KeyVaultOptions;
}

/** A service mounted on the emulator's origin, chosen by path prefix. */
export interface MountedService {
  name: ServiceName;
  prefix: RegExp;
  handle(ctx: Ctx): Promise<void>;
  /** Extra `/_emulator/...` routes (state views, knobs) this service offers. */
  adminRoutes?: Route[];
  /** Writes a fault-injected error in the service's own error shape. */
  fail(ctx: Ctx, status: number, code: string | undefined, retryAfter: number | undefined): void;
}

export interface Emulator {
  url: string;
  port: number;
  tenantId: string;
  subscriptionId: string;
  clientId: string;
  clientSecret: string;
  ca: PemPair;
  directory: Directory;
  arm: ArmState;
  throttle: Throttle;
  faults: Faults;
  log: RequestLog;
  /** Mount another service (Graph, Key Vault) on this origin. */
  mount(service: MountedService): void;
  close(): Promise<void>;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const tls = await createTls(opts.ca);
  const tenantId = opts.tenantId ?? DEFAULT_TENANT_ID;
  const subscriptionId = opts.subscriptionId ?? DEFAULT_SUBSCRIPTION_ID;
  const clientId = opts.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = opts.clientSecret ?? `emu-${crypto.randomUUID()}`;
  const directory = await Directory.create(tenantId);
  directory.addClient({ clientId, secret: clientSecret, displayName: "easyauth-fleet automation", federatedSubjects: ["*"] });
  const arm = new ArmState(tenantId);
  arm.addSubscription(subscriptionId, "Emulated subscription");
  if (opts.seed) applySeed(arm, opts.seed);
  const throttle = new Throttle(opts.throttle ?? AZURE_THROTTLE);
  const faults = new Faults();
  if (opts.faults) faults.add(opts.faults);
  const log = new RequestLog();
  let url = "";
  const baseUrl = () => url;

  const armService = createArmService({ state: arm, baseUrl, pageSize: opts.pageSize ?? 50 }, directory, throttle);
  const services: MountedService[] = [
    createGraphService(directory, baseUrl, opts.graph),
    createKeyVaultService(directory, baseUrl, opts.keyVault),
    {
      name: "arm",
      prefix: /^\/(subscriptions|tenants)(\/|$)/i,
      handle: (ctx) => armService.handle(ctx),
      fail: (ctx, status, code, retryAfter) =>
        armError(ctx, status, code ?? (status === 429 ? "TooManyRequests" : "InternalServerError"), `Injected fault: HTTP ${status}.`, retryAfter !== undefined ? { "retry-after": String(retryAfter) } : {}),
    },
  ];
  const entra = entraRoutes(directory, baseUrl);
  const emulator = {} as Emulator;
  const admin = [...adminRoutes(() => emulator), ...services.flatMap((s) => s.adminRoutes ?? [])];

  const dispatch = async (ctx: Ctx): Promise<ServiceName> => {
    if (/^\/_emulator(\/|$)/.test(ctx.path)) {
      const m = matchRoute(admin, ctx.method, ctx.path);
      if (typeof m !== "object") send(ctx, 404, { error: "unknown admin route" });
      else {
        ctx.params = m.params;
        await m.route.handler(ctx);
      }
      return "admin";
    }
    const service = services.find((s) => s.prefix.test(ctx.path));
    const name: ServiceName = service?.name ?? "entra";
    const applied = faults.take(name, ctx.method, ctx.path);
    const latency = (opts.latencyMs ?? 0) + applied.filter((f) => f.kind === "latency").reduce((a, f) => a + (f.ms ?? 0), 0);
    if (latency > 0) await sleep(latency);
    const failing = applied.find((f): f is Fault => f.kind === "status" || f.kind === "reset" || f.kind === "host-unavailable");
    if (failing?.kind === "reset") {
      ctx.status = 0;
      ctx.req.socket.destroy();
      return name;
    }
    if (failing?.kind === "host-unavailable") {
      hostRuntimeUnavailable(ctx);
      return name;
    }
    if (failing?.kind === "status") {
      const fail = service?.fail ?? ((c: Ctx, status: number) => send(c, status, { error: "injected_fault" }));
      fail(ctx, failing.status ?? 500, failing.code, failing.retryAfter ?? (failing.status === 429 ? 1 : undefined));
      return name;
    }
    const np = applied.find((f) => f.kind === "not-persisted");
    if (np && ctx.method !== "GET") ctx.notPersisted = { dropPaths: np.dropPaths };
    if (service) {
      await service.handle(ctx);
    } else {
      const m = matchRoute(entra, ctx.method, ctx.path);
      if (typeof m !== "object") send(ctx, 404, { error: "not_found", error_description: `No emulated endpoint for ${ctx.method} ${ctx.path}` });
      else {
        ctx.params = m.params;
        await m.route.handler(ctx);
      }
    }
    return name;
  };

  const server: Server = createServer({ cert: tls.server.certPem, key: tls.server.keyPem }, async (req, res) => {
    const u = new URL(req.url ?? "/", url || "https://localhost");
    const ctx: Ctx = { req, res, method: (req.method ?? "GET").toUpperCase(), url: u, path: u.pathname, query: u.searchParams, rawBody: "", params: {}, requestId: newRequestId() };
    let service: ServiceName = "entra";
    try {
      ctx.rawBody = await readBody(req);
      service = await dispatch(ctx);
    } catch (e) {
      if (!res.headersSent) send(ctx, 500, { error: { code: "InternalServerError", message: `Emulator error: ${(e as Error).message}` } });
    } finally {
      if (service !== "admin") log.add({ service, method: ctx.method, path: ctx.path, status: ctx.status ?? 0, apiVersion: ctx.query.get("api-version") ?? undefined });
    }
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  url = `https://${opts.host && opts.host !== "0.0.0.0" ? opts.host : "127.0.0.1"}:${port}`;

  Object.assign(emulator, {
    url,
    port,
    tenantId,
    subscriptionId,
    clientId,
    clientSecret,
    ca: tls.ca,
    directory,
    arm,
    throttle,
    faults,
    log,
    mount: (s: MountedService) => {
      services.unshift(s);
      admin.push(...(s.adminRoutes ?? []));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  } satisfies Emulator);
  return emulator;
}
