import { isRecord } from "./json.ts";
import { summarizeBody } from "./redact.ts";

export interface ParsedErrorBody {
  code?: string;
  message?: string;
  requestId?: string;
}

/**
 * Reads a service error body in any of the shapes that reach the tool (docs/contracts/arm.md §3):
 * ARM `{"error":{"code","message"}}`, Graph OData (the same plus `innerError["request-id"]`),
 * legacy App Service `{"Code","Message","Details":[{"ErrorEntity":{"ExtendedCode"}}]}`, and AAD `{"error","error_description"}`.
 * Empty and non-JSON bodies are tolerated: the spec declares some 404s with no body. A gateway's HTML page (a 502
 * from a proxy or App Service's front end) is summarized, never printed: it would fill the terminal and may echo the
 * request; other text passes only when it is one short line.
 */
export function parseErrorBody(body: unknown, host?: string): ParsedErrorBody {
  if (typeof body === "string") {
    try {
      return body.trim() ? parseErrorBody(JSON.parse(body)) : {};
    } catch {
      const line = body.trim();
      const plain = line.length <= 200 && !/[\n{}<>]/.test(line);
      return { message: plain ? line : summarizeBody(body, undefined, host) };
    }
  }
  if (!isRecord(body)) return {};
  const err = body.error;
  if (isRecord(err)) {
    const inner = isRecord(err.innerError) ? err.innerError : undefined;
    return {
      code: str(err.code),
      message: str(err.message),
      requestId: inner ? str(inner["request-id"]) : undefined,
    };
  }
  if (typeof err === "string") return { code: err, message: str(body.error_description) };
  if ("Code" in body || "Message" in body) {
    const details = Array.isArray(body.Details) ? body.Details : [];
    const entity = details
      .map((d) => (isRecord(d) ? d.ErrorEntity : undefined))
      .flatMap((e) => (Array.isArray(e) ? e : [e]))
      .find(isRecord);
    return {
      code: str(body.Code) ?? (entity ? str(entity.ExtendedCode) : undefined),
      message: str(body.Message) ?? (entity ? str(entity.Message) : undefined),
    };
  }
  if (typeof body.message === "string" || typeof body.Message === "string")
    return { message: str(body.message) ?? str(body.Message) };
  return {};
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * The fix for a failed call that carries none of its own, by status: a conflict, throttling past the retries, a
 * service or gateway failure, an answer that could not be read. `endpointVariable` names where the endpoint is set.
 */
export function fixForStatus(status: number | undefined, endpointVariable: string): string | undefined {
  if (status === 409)
    return "Another writer changed this resource or an operation on it is in progress: run again (the tool re-reads before it writes).";
  if (status === 429) return "Throttled beyond the retries: run again later, or with a lower --concurrency.";
  if (status !== undefined && status >= 500)
    return `The service, or a gateway in front of it, failed after the retries: run again later; if it persists, check ${endpointVariable}.`;
  if (status !== undefined && status >= 200 && status < 300)
    return `Run again; if it persists, check what answers at ${endpointVariable} (a proxy or gateway).`;
  return undefined;
}
