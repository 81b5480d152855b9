/**
 * Typed errors. Every error the tool raises on purpose is a ToolError, classed retryable or terminal, so retry
 * logic and exit codes never depend on message text. Only the entry point turns them into an exit code.
 */
export abstract class ToolError extends Error {
  abstract readonly retryable: boolean;
  /** One line telling the user what to do about it. */
  readonly fix?: string;
  constructor(message: string, opts: { fix?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.fix = opts.fix;
  }
}

/** Bad flags or arguments. */
export class UsageError extends ToolError {
  readonly retryable = false;
}

/** A config file that does not validate; `issues` lists every problem with its path. */
export class ConfigError extends ToolError {
  readonly retryable = false;
  constructor(
    message: string,
    readonly issues: string[] = [],
    opts: { fix?: string } = {},
  ) {
    super(message, opts);
  }
}

/** The tool refuses to go on because going on would lose data or act on a stale view. */
export class RefusedError extends ToolError {
  readonly retryable = false;
}

/** An invariant of the tool itself broke (a bug): never retried, reported with what was expected. */
export class InternalError extends ToolError {
  readonly retryable = false;
  constructor(message: string) {
    super(`internal error: ${message}`, {
      fix: "This is a bug in easyauth-fleet; please report it with the output above (run with DEBUG=1 for a stack trace).",
    });
  }
}

/** A write that returned success but whose effect was not found on re-read. */
export class VerificationError extends ToolError {
  readonly retryable = false;
  constructor(
    message: string,
    readonly fields: string[],
    opts: { fix?: string } = {},
  ) {
    super(message, opts);
  }
}

export type ServiceKind = "arm" | "graph" | "keyvault" | "entra";

export interface AzureErrorDetails {
  service: ServiceKind;
  status: number | undefined;
  /** Service error code: `error.code` (ARM/Graph/KV), `Code` or `ErrorEntity.ExtendedCode` (legacy App Service). */
  code: string | undefined;
  method: string;
  /** Request URL with the query reduced to allow-listed parameters. */
  url: string;
  requestId?: string;
  correlationId?: string;
  retryAfterMs?: number;
}

/** A failed call to an Azure service. */
export class AzureRequestError extends ToolError {
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly service: ServiceKind;
  readonly method: string;
  readonly url: string;
  readonly requestId?: string;
  readonly correlationId?: string;
  readonly retryAfterMs?: number;
  constructor(
    message: string,
    d: AzureErrorDetails,
    opts: { fix?: string; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, opts);
    Object.assign(this, d);
    this.status = d.status;
    this.code = d.code;
    this.service = d.service;
    this.method = d.method;
    this.url = d.url;
    this.retryable = opts.retryable ?? isRetryable(d.status, d.code, message);
  }
}

// A Functions host that is down reaches ARM callers as a 400: transient, not a bad request
// (docs/contracts/arm.md §2.4; docs/rotate-keys.md, "Host not reachable").
const HOST_RUNTIME =
  /Encountered an error \((ServiceUnavailable|InternalServerError|Forbidden)\) from (host runtime|extensions API)/i;

export function isHostRuntimeError(status: number | undefined, message: string): boolean {
  return (status === 400 || status === 401) && HOST_RUNTIME.test(message);
}

/** 429, 408, 5xx except 501/505, connection failures (no status), host-runtime 400, "another operation in progress" 409. */
export function isRetryable(status: number | undefined, code: string | undefined, message: string): boolean {
  if (status === undefined) return true;
  if (status === 429 || status === 408) return true;
  if (status >= 500 && status !== 501 && status !== 505) return true;
  if (isHostRuntimeError(status, message)) return true;
  if (status === 409 && /another operation is in progress/i.test(message)) return true;
  return code === "Request_ResourceNotFound_EventualConsistency";
}

/** The Functions host of an app did not answer (stopped, cold or broken). */
export class HostUnreachableError extends AzureRequestError {
  constructor(message: string, d: AzureErrorDetails) {
    super(message, d, {
      retryable: true,
      fix: "Host unreachable: is the app running? Start it (az functionapp start) and run again.",
    });
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
