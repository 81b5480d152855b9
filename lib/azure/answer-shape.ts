import { AzureRequestError, type ServiceKind } from "../errors.ts";
import { parseErrorBody } from "./error-body.ts";
import { isRecord } from "./json.ts";

/** Which read a 200 answer came from, for the message. */
export interface AnswerSource {
  service: ServiceKind;
  method: string;
  /** The request path (no query): it names the target. */
  path: string;
}

const SAFE_CODE = /^[A-Za-z][A-Za-z0-9_.]{0,80}$/;

/** What the body is, in words that never quote it (it may hold key values). */
export function describeBody(body: unknown): string {
  if (body === undefined || body === null || body === "") return "an empty body";
  if (typeof body === "string") return /^\s*</.test(body) ? "an HTML or XML page" : `text that is not JSON`;
  if (Array.isArray(body)) return "a JSON array";
  if (!isRecord(body)) return `a JSON ${typeof body}`;
  if (body.error !== undefined) {
    const code = parseErrorBody(body).code;
    return `an error body${code && SAFE_CODE.test(code) ? ` (${code})` : ""}`;
  }
  return "a JSON object of another shape";
}

/**
 * A 200 answer whose body is not what the operation returns: a proxy's page, an error body sent with 200, a resource
 * of another type. Planning on it would read every field as absent and write over the real document, so it is an
 * error for that target and nothing is written. Not retried by the tool: a rerun reads again.
 */
export function unexpectedAnswer(src: AnswerSource, problem: string): AzureRequestError {
  return new AzureRequestError(
    `${src.method} ${src.path}: answered 200 with ${problem}; nothing was planned or written for this target`,
    { service: src.service, status: 200, code: "UnexpectedAnswer", method: src.method, url: src.path },
    {
      retryable: false,
      fix: "Run again; if it persists, check the endpoint variables (a proxy or gateway answering in the service's place) and report it.",
    },
  );
}

/**
 * The `properties` of an ARM resource answer, after checking it is one: a JSON object with an `id` that ends with
 * `idSuffix` (case-insensitive, as ARM ids are) and a `properties` object. ARM resources always carry id, name, type
 * and properties (https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/resource-providers-and-types;
 * the Web Apps - List Auth Settings V2 response is SiteAuthSettingsV2, a ProxyOnlyResource).
 */
export function armResourceProperties(body: unknown, src: AnswerSource, idSuffix: string): Record<string, unknown> {
  if (!isRecord(body) || body.error !== undefined) throw unexpectedAnswer(src, describeBody(body));
  if (typeof body.id !== "string" || !body.id.toLowerCase().endsWith(idSuffix.toLowerCase()))
    throw unexpectedAnswer(src, `a resource whose id is not …${idSuffix}`);
  if (!isRecord(body.properties)) throw unexpectedAnswer(src, "a resource without a properties object");
  return body.properties;
}

/** A JSON object whose members are all strings (a listkeys map); anything else is an unexpected answer. */
export function stringMap(body: unknown, src: AnswerSource, what: string): Record<string, string> {
  if (!isRecord(body) || body.error !== undefined) throw unexpectedAnswer(src, describeBody(body));
  const bad = Object.entries(body).filter(([, v]) => typeof v !== "string");
  if (bad.length) throw unexpectedAnswer(src, `${what} where '${bad[0]![0]}' is not a string`);
  return body as Record<string, string>;
}
