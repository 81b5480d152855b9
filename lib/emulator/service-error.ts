/**
 * An answer given by throwing: from a fault, a guard or a validator, anywhere below the dispatcher. The dispatcher
 * catches it once and the service writes it in its own error shape (`MountedService.fail`), so no handler needs to
 * know how another layer's refusal looks on the wire.
 */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    /** The service's error code; undefined lets the service pick its usual one for the status. */
    readonly code: string | undefined,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** A `status` fault (faults.ts): the request is answered with an error before the service sees it. */
export class InjectedFault extends ServiceError {
  constructor(status: number, code: string | undefined, retryAfter: number | undefined) {
    super(status, code, `Injected fault: HTTP ${status}.`, retryAfter);
  }
}

/**
 * The Functions host behind a key route is not running: a stopped, cold or broken app, or a `host-unavailable`
 * fault. ARM proxies key routes to the host and answers this 400 in the legacy App Service shape
 * (Azure/azure-cli#20892, Azure/azure-functions-host#6255).
 */
export class HostUnavailable extends ServiceError {
  constructor() {
    super(400, "BadRequest", "Encountered an error (ServiceUnavailable) from host runtime.");
  }
}

/** `Retry-After` for an error that carries one (injected 429s). */
export function retryHeaders(e: ServiceError): Record<string, string> {
  return e.retryAfter !== undefined ? { "retry-after": String(e.retryAfter) } : {};
}
