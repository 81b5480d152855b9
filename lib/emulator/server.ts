import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { adminRoutes } from "./admin.ts";
import { authorizationAdminRoutes } from "./authorization/admin-routes.ts";
import { Authorization } from "./authorization/grants.ts";
import { createArmService } from "./arm/index.ts";
import { chaosAdminRoutes } from "./chaos-admin.ts";
import { ArmState } from "./arm/state.ts";
import { createTls, type PemPair } from "./ca.ts";
import { emulatedCloud, type EmulatedCloudName } from "./clouds.ts";
import { Directory } from "./directory.ts";
import { createDispatcher } from "./dispatch.ts";
import { createEntraService } from "./entra.ts";
import { Faults } from "./faults.ts";
import { newRequestId, readBody, send, type Ctx, type ServiceName } from "./http.ts";
import { RequestLog } from "./request-log.ts";
import { applySeed } from "./seed.ts";
import type { MountedService } from "./service.ts";
import { AZURE_THROTTLE, Throttle, type ThrottleSpec } from "./throttle.ts";
import { createGraphService, type GraphOptions } from "./graph/index.ts";
import { createKeyVaultService, VaultState, type KeyVaultOptions } from "./keyvault/index.ts";
import { createSitesService } from "./sites/index.ts";

export type { MountedService } from "./service.ts";

export const DEFAULT_TENANT_ID = "7e3a0f1c-5b2d-4c8e-9a61-0d4f2b8c6e11";
export const DEFAULT_SUBSCRIPTION_ID = "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2";
export const DEFAULT_CLIENT_ID = "0b6f5d2a-8e41-4c39-b7a0-e52d91c3f864";
/** The name `@Microsoft.KeyVault(VaultName=…)` references resolve the emulated vault by. */
export const EMULATED_VAULT_NAME = "kv-emulated";

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
  /**
   * The Azure cloud to impersonate (names as `az cloud list` prints them): tokens are issued for, and services accept,
   * that cloud's ARM, Graph and Key Vault audiences, with its issuers. Default AzureCloud.
   */
  cloud?: EmulatedCloudName;
}

export interface Emulator {
  url: string;
  port: number;
  tenantId: string;
  subscriptionId: string;
  clientId: string;
  clientSecret: string;
  /** The cloud impersonated (`EmulatorOptions.cloud`). */
  cloud: EmulatedCloudName;
  ca: PemPair;
  directory: Directory;
  arm: ArmState;
  throttle: Throttle;
  faults: Faults;
  log: RequestLog;
  /** Permission sets of restricted clients (an unlisted client may do anything). */
  authorization: Authorization;
  /** Mounts another service on this origin, ahead of the built-in ones (data plane, ARM, Graph, Key Vault, Entra). */
  mount(service: MountedService): void;
  close(): Promise<void>;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const tls = await createTls(opts.ca);
  const tenantId = opts.tenantId ?? DEFAULT_TENANT_ID;
  const subscriptionId = opts.subscriptionId ?? DEFAULT_SUBSCRIPTION_ID;
  const clientId = opts.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = opts.clientSecret ?? `emu-${crypto.randomUUID()}`;
  const cloud = emulatedCloud(opts.cloud);
  const directory = await Directory.create(tenantId, cloud);
  directory.addClient({
    clientId,
    secret: clientSecret,
    displayName: "easyauth-fleet automation",
    federatedSubjects: ["*"],
  });
  const arm = new ArmState(tenantId);
  arm.addSubscription(subscriptionId, "Emulated subscription");
  if (opts.seed) applySeed(arm, opts.seed);
  const throttle = new Throttle(opts.throttle ?? AZURE_THROTTLE);
  const faults = new Faults();
  const authorization = new Authorization();
  if (opts.faults) faults.add(opts.faults);
  const log = new RequestLog();
  let url = "";
  const baseUrl = () => url;

  const vault = opts.keyVault?.state ?? new VaultState();
  const services: MountedService[] = [
    // First: the data plane claims `*.azurewebsites.net` requests by Host, and `/_sites/{app}/` by path.
    createSitesService({ arm, directory, baseUrl }),
    createGraphService(directory, baseUrl, { ...opts.graph, authorization, throttle: throttle.graph }),
    createKeyVaultService(directory, baseUrl, { ...opts.keyVault, state: vault, authorization }),
    createArmService(
      { state: arm, baseUrl, pageSize: opts.pageSize ?? 50, authorization },
      directory,
      throttle,
      // App settings' Key Vault references resolve against the same vault (arm/config-references.ts).
      { vault, vaultUrl: baseUrl, vaultName: EMULATED_VAULT_NAME, denied: new Set<string>() },
    ),
    // Last: the token endpoints live at `/{tenant}/...`, which any path not claimed above may be.
    createEntraService(directory, baseUrl),
  ];
  const emulator = {} as Emulator;
  const admin = [
    ...adminRoutes(() => emulator),
    ...authorizationAdminRoutes(() => authorization),
    ...chaosAdminRoutes(faults, log, () => services.flatMap((s) => (s.store ? [s.store] : []))),
    ...services.flatMap((s) => s.adminRoutes ?? []),
  ];
  const dispatch = createDispatcher({ services, admin, faults, latencyMs: opts.latencyMs ?? 0 });

  const server: Server = createServer({ cert: tls.server.certPem, key: tls.server.keyPem }, async (req, res) => {
    const u = new URL(req.url ?? "/", url || "https://localhost");
    const ctx: Ctx = {
      req,
      res,
      method: (req.method ?? "GET").toUpperCase(),
      url: u,
      path: u.pathname,
      query: u.searchParams,
      rawBody: "",
      params: {},
      requestId: newRequestId(),
    };
    let service: ServiceName = "entra";
    try {
      ctx.rawBody = await readBody(req);
      service = await dispatch(ctx);
    } catch (e) {
      if (!res.headersSent)
        send(ctx, 500, { error: { code: "InternalServerError", message: `Emulator error: ${(e as Error).message}` } });
    } finally {
      if (service !== "admin")
        log.add({
          service,
          method: ctx.method,
          path: ctx.path,
          status: ctx.status ?? 0,
          apiVersion: ctx.query.get("api-version") ?? undefined,
        });
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
    cloud: cloud.name,
    ca: tls.ca,
    directory,
    arm,
    throttle,
    faults,
    log,
    authorization,
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
