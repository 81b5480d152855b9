import { send, type Ctx } from "../http.ts";
import { ServiceError } from "../service-error.ts";

export interface ErrorDetail {
  code: string;
  message?: string;
  target?: string;
}

/** Thrown by validators and the token check; the dispatcher has the service write it as the OData error envelope. */
export class GraphFault extends ServiceError {
  constructor(
    status: number,
    override readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(status, code, message);
  }
}

// Graph writes innerError.date without fraction or zone: "2023-07-07T11:22:43" (error-examples.json).
function graphDate(): string {
  return new Date().toISOString().slice(0, 19);
}

/** Graph echoes the caller's `client-request-id` (graph-client sends one per request) and adds its own `request-id`. */
export function clientRequestId(ctx: Ctx): string {
  const h = ctx.req.headers["client-request-id"];
  return (Array.isArray(h) ? h[0] : h) ?? ctx.requestId;
}

export const JSON_CONTENT_TYPE =
  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

export function sendJson(ctx: Ctx, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const common = { "request-id": ctx.requestId, "client-request-id": clientRequestId(ctx), ...headers };
  if (body === undefined) send(ctx, status, undefined, common);
  else send(ctx, status, body, { "content-type": JSON_CONTENT_TYPE, ...common });
}

/** The OData v4 error envelope Graph answers with (docs/contracts/graph.md §5.1; error-examples.json). */
export function graphError(
  ctx: Ctx,
  status: number,
  code: string,
  message: string,
  details?: ErrorDetail[],
  headers: Record<string, string> = {},
): void {
  sendJson(
    ctx,
    status,
    {
      error: {
        code,
        message,
        ...(details ? { details } : {}),
        innerError: { date: graphDate(), "request-id": ctx.requestId, "client-request-id": clientRequestId(ctx) },
      },
    },
    headers,
  );
}

export function sendFault(ctx: Ctx, f: GraphFault): void {
  graphError(ctx, f.status, f.code, f.message, f.details, f.headers);
}

// Message pattern: terraform-provider-azuread #1017 and go-azure-sdk's ErrorResourceDoesNotExist (error-examples.json).
export function notFound(key: string): GraphFault {
  return new GraphFault(
    404,
    "Request_ResourceNotFound",
    `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

// Message: msgraph-bicep-types #260 ("Property 'disabledByMicrosoftStatus' is read-only and cannot be set.").
export function readOnly(property: string): GraphFault {
  return new GraphFault(400, "Request_BadRequest", `Property '${property}' is read-only and cannot be set.`);
}

// Top level: "Invalid property 'x'." (PnP-Sites-Core #1807, docs/contracts/graph.md §2.3). Inside a complex value Graph
// answered "Unexpected contents in request body." for `permissionIds` (microsoft-graph-docs #16069).
export function invalidProperty(path: string[]): GraphFault {
  return path.length === 1
    ? new GraphFault(400, "Request_BadRequest", `Invalid property '${path[0]}'.`)
    : new GraphFault(400, "Request_BadRequest", "Unexpected contents in request body.", [
        { code: "Request_BadRequest", message: "Unexpected contents in request body.", target: path.join(".") },
      ]);
}

export function invalidValue(property: string, resource: string): GraphFault {
  return new GraphFault(
    400,
    "Request_BadRequest",
    `Invalid value specified for property '${property}' of resource '${resource}'.`,
  );
}

// Go-autorest #308 (AAD Graph era, same text): identifierUris and other unique keys.
export function duplicateKey(property: string): GraphFault {
  const message = `Another object with the same value for property ${property} already exists.`;
  return new GraphFault(400, "Request_BadRequest", message, [{ code: "ObjectConflict", message, target: property }]);
}

/** Codes for injected faults: `TooManyRequests` on 429 (throttling-limits.md), else errors.md's generic codes. */
export function faultCode(status: number): string {
  return status === 429 ? "TooManyRequests" : status === 503 ? "serviceNotAvailable" : "generalException";
}
