import { isRecord } from "./json.ts";

export interface ParsedErrorBody {
  code?: string;
  message?: string;
  requestId?: string;
}

/**
 * Reads a service error body in any of the shapes that reach the tool (docs/contracts/arm.md §3):
 * ARM `{"error":{"code","message"}}`, Graph OData (the same plus `innerError["request-id"]`),
 * legacy App Service `{"Code","Message","Details":[{"ErrorEntity":{"ExtendedCode"}}]}`, and AAD `{"error","error_description"}`.
 * Empty and non-JSON bodies are tolerated: the spec declares some 404s with no body.
 */
export function parseErrorBody(body: unknown): ParsedErrorBody {
  if (typeof body === "string") {
    try {
      return body.trim() ? parseErrorBody(JSON.parse(body)) : {};
    } catch {
      return { message: body.slice(0, 500) };
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
