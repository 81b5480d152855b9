import { jsonBody, route, send, type Route } from "./http.ts";
import { effectiveSiteConfig } from "./arm/site-config.ts";
import { federatedIssuer } from "./entra.ts";
import { applySeed } from "./seed.ts";
import { parseGraphThrottleSpec, parseThrottleSpec } from "./throttle.ts";
import type { AppState, ArmState } from "./arm/state.ts";
import type { Directory } from "./directory.ts";
import type { Faults } from "./faults.ts";
import type { RequestLog } from "./request-log.ts";
import type { Throttle } from "./throttle.ts";

/** The parts of the running emulator the admin API reads and turns (server.ts `Emulator` has them all). */
export interface AdminTarget {
  url: string;
  tenantId: string;
  directory: Directory;
  arm: ArmState;
  throttle: Throttle;
  faults: Faults;
  log: RequestLog;
}

const REDACTED = "<redacted>";

function keysView(keys: Record<string, string>, secrets: boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, secrets ? v : REDACTED]));
}

function appView(app: AppState, secrets: boolean) {
  return {
    name: app.name,
    state: app.state,
    httpsOnly: app.httpsOnly,
    tags: app.tags,
    // What GET config/web answers: the fields set, over the platform defaults.
    siteConfig: effectiveSiteConfig(app.siteConfig),
    appSettings: keysView(app.appSettings, secrets),
    configVersion: app.configVersion,
    authV1: secrets ? app.authV1 : { ...app.authV1, ...(app.authV1.clientSecret ? { clientSecret: REDACTED } : {}) },
    authV2: app.authV2 ?? null,
    functions: Object.fromEntries(
      [...app.functions.values()].map((f) => [f.name, { keys: keysView(f.keys, secrets) }]),
    ),
    hostKeys: {
      masterKey: secrets ? app.hostKeys.masterKey : REDACTED,
      functionKeys: keysView(app.hostKeys.functionKeys, secrets),
      systemKeys: keysView(app.hostKeys.systemKeys, secrets),
    },
  };
}

/** `/_emulator/*`: the request log, faults, throttle, state, seeding and federated tokens. Not logged, no auth (loopback only). */
export function adminRoutes(emu: () => AdminTarget): Route[] {
  return [
    route("GET", "/_emulator/requests", (ctx) => send(ctx, 200, emu().log.list())),
    route("DELETE", "/_emulator/requests", (ctx) => {
      emu().log.clear();
      send(ctx, 204);
    }),
    // The emulator's own CPU time (µs, process.cpuUsage()): the bench tells a CPU-bound run from a bucket-bound one.
    route("GET", "/_emulator/cpu", (ctx) => send(ctx, 200, process.cpuUsage())),
    route("GET", "/_emulator/faults", (ctx) => send(ctx, 200, emu().faults.list())),
    route("POST", "/_emulator/faults", (ctx) => {
      try {
        send(ctx, 201, emu().faults.add(jsonBody(ctx)));
      } catch (e) {
        send(ctx, 400, { error: `Invalid fault: ${(e as Error).message}` });
      }
    }),
    route("DELETE", "/_emulator/faults", (ctx) => {
      emu().faults.clear();
      send(ctx, 204);
    }),
    route("GET", "/_emulator/throttle", (ctx) => send(ctx, 200, emu().throttle.spec)),
    route("PUT", "/_emulator/throttle", (ctx) => {
      const body = jsonBody<{ spec?: string; graph?: string }>(ctx);
      try {
        if (body?.graph !== undefined) emu().throttle.graph.configure(parseGraphThrottleSpec(body.graph));
        emu().throttle.configure(parseThrottleSpec(body?.spec ?? ""));
        send(ctx, 200, emu().throttle.spec);
      } catch (e) {
        send(ctx, 400, { error: (e as Error).message });
      }
    }),
    route("POST", "/_emulator/seed", (ctx) => {
      try {
        applySeed(emu().arm, jsonBody(ctx));
        send(ctx, 204);
      } catch (e) {
        send(ctx, 400, { error: `Invalid seed: ${(e as Error).message}` });
      }
    }),
    route("GET", "/_emulator/state", (ctx) => {
      const e = emu();
      // Key values and app settings are secrets: shown only when asked for explicitly.
      const secrets = ctx.query.get("secrets") === "true";
      send(ctx, 200, {
        tenantId: e.tenantId,
        subscriptions: [...e.arm.subscriptions.values()],
        resourceGroups: [...e.arm.resourceGroups.values()],
        sites: [...e.arm.sites.values()].map((s) => ({
          subscriptionId: s.subscriptionId,
          resourceGroup: s.resourceGroup,
          location: s.location,
          kind: s.kind,
          ...appView(s, secrets),
          slots: [...s.slots.values()].map((slot) => appView(slot, secrets)),
        })),
      });
    }),
    route("POST", "/_emulator/federated-token", async (ctx) => {
      const body = jsonBody<{ subject?: string }>(ctx);
      const e = emu();
      send(ctx, 200, {
        token: await e.directory.issueFederatedToken(
          federatedIssuer(e.url),
          body?.subject ?? "repo:example/fleet:ref:refs/heads/main",
        ),
      });
    }),
  ];
}
