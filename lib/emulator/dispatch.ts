import { setTimeout as sleep } from "node:timers/promises";
import type { Faults } from "./faults.ts";
import { matchRoute, send, type Ctx, type Route, type ServiceName } from "./http.ts";
import type { MountedService, Operation } from "./service.ts";
import { HostUnavailable, InjectedFault, ServiceError } from "./service-error.ts";
import { muteAnswer } from "./mute-answer.ts";
import { sendAnswerFault } from "./answer-fault.ts";

export interface DispatchOptions {
  /** In order; the last one (Entra) matches every path. Mounted services go to the front. */
  services: MountedService[];
  admin: Route[];
  faults: Faults;
  latencyMs: number;
}

/**
 * Serves one request: the admin API, or a service chosen by Host (`accepts`) or path, with the faults that apply to
 * it. This is the one place faults act and typed errors are answered: `status` and `host-unavailable` faults are
 * thrown like any other ServiceError, and the service writes every one of them in its own shape.
 */
export function createDispatcher(opts: DispatchOptions): (ctx: Ctx) => Promise<ServiceName> {
  const { services, admin, faults } = opts;

  const serveAdmin = async (ctx: Ctx) => {
    const m = matchRoute(admin, ctx.method, ctx.path);
    if (typeof m !== "object") return send(ctx, 404, { error: "unknown admin route" });
    ctx.params = m.params;
    await m.route.handler(ctx);
  };

  return async (ctx) => {
    const claimed = services.find((s) => s.accepts?.(ctx));
    if (!claimed && /^\/_emulator(\/|$)/.test(ctx.path)) {
      await serveAdmin(ctx);
      return "admin";
    }
    const service = claimed ?? services.find((s) => s.prefix.test(ctx.path));
    if (!service) throw new Error(`No service for ${ctx.path}: the Entra fallback must come last.`);
    const applied = faults.take(service.name, ctx.method, ctx.path);
    const latency = opts.latencyMs + applied.reduce((a, f) => a + (f.kind === "latency" ? (f.ms ?? 0) : 0), 0);
    if (latency > 0) await sleep(latency);
    const held = applied.find((f) => f.kind === "hold");
    if (held && (await faults.hold(held)) === "drop") {
      ctx.status = 0;
      ctx.req.socket.destroy();
      return service.name;
    }
    if (applied.some((f) => f.kind === "drop")) muteAnswer(ctx);
    if (sendAnswerFault(ctx, applied)) return service.name;
    const failing = applied.find((f) => f.kind === "status" || f.kind === "reset" || f.kind === "host-unavailable");
    if (failing?.kind === "reset") {
      ctx.status = 0;
      ctx.req.socket.destroy();
      return service.name;
    }
    const notPersisted = ctx.method === "GET" ? undefined : applied.find((f) => f.kind === "not-persisted");
    try {
      if (failing?.kind === "host-unavailable") throw new HostUnavailable();
      if (failing?.kind === "status") {
        const status = failing.status ?? 500;
        throw new InjectedFault(status, failing.code, failing.retryAfter ?? (status === 429 ? 1 : undefined));
      }
      const op = await service.handle(ctx);
      if (op)
        await run(op, notPersisted && service.store ? service.store.checkpoint(notPersisted.dropPaths) : undefined);
    } catch (e) {
      // An answer already on its way cannot become an error answer; the server logs what was sent.
      if (!(e instanceof ServiceError) || ctx.res.headersSent) throw e;
      service.fail(ctx, e);
    }
    return service.name;
  };
}

/** Runs an operation; `undo` (a not-persisted checkpoint) afterwards, whether it answered or threw. */
async function run(op: Operation, undo: (() => void) | undefined): Promise<void> {
  if (!undo) return op();
  try {
    // Synchronous by contract (service.ts): awaiting here would let a concurrent request's write be undone too.
    if (op() instanceof Promise) throw new Error("An operation of a service with a store returned a promise.");
  } finally {
    undo();
  }
}
