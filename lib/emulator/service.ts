import type { Checkpointable } from "./checkpoint.ts";
import { matchRoute, type Ctx, type Route, type ServiceName } from "./http.ts";
import type { ServiceError } from "./service-error.ts";

/**
 * What serves a request once it is admitted. It runs inside the dispatcher, so a typed error it throws is answered
 * through the service's `fail`, and a "not-persisted" fault can undo what it stored. Operations of a service with a
 * `store` must be synchronous: a checkpoint then covers exactly one request, never a concurrent one.
 */
export type Operation = () => void | Promise<void>;

/**
 * A service mounted on the emulator's origin. The dispatcher picks the first that `accepts` the request, else the
 * first whose `prefix` matches the path.
 */
export interface MountedService {
  name: ServiceName;
  prefix: RegExp;
  /**
   * Claims a request by more than its path (the data plane: by its Host header, `{app}.azurewebsites.net`). Asked
   * before the admin API and every prefix, so such a request never reaches another service.
   */
  accepts?(ctx: Ctx): boolean;
  /**
   * Admits a request (service headers, authentication, api-version, throttling, route lookup) and returns the
   * operation that serves it. A refusal is answered here, or thrown as a ServiceError; then nothing is returned.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: handlers end with `return send(…)`, which answers and returns nothing
  handle(ctx: Ctx): Promise<Operation | void>;
  /** Extra `/_emulator/...` routes (state views, knobs) this service offers. */
  adminRoutes?: Route[];
  /** Writes a thrown ServiceError (an injected fault, a validation error) in the service's own error shape. */
  fail(ctx: Ctx, error: ServiceError): void;
  /** The state a "not-persisted" fault rolls back; absent for services that store nothing. */
  store?: Checkpointable;
}

/**
 * The route-table case of `handle`: finds the route, sets `ctx.params` and returns the operation, or answers
 * "no such path" / "no such method" in the service's own words.
 */
export function routeOperation(
  ctx: Ctx,
  routes: Route[],
  refuse: (ctx: Ctx, why: "path" | "method") => void,
): Operation | undefined {
  const m = matchRoute(routes, ctx.method, ctx.path);
  if (typeof m !== "object") {
    refuse(ctx, m === "method" ? "method" : "path");
    return undefined;
  }
  ctx.params = m.params;
  return () => m.route.handler(ctx);
}
