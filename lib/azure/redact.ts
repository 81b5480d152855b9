// Redaction by allow-list, as the Azure SDK's Sanitizer does: anything not known to be safe is hidden.
const SAFE_QUERY = new Set(["api-version", "$filter", "$select", "$top", "$expand", "$orderby", "maxresults"]);
const SAFE_HEADERS = new Set([
  "x-ms-request-id",
  "x-ms-correlation-request-id",
  "x-ms-routing-request-id",
  "request-id",
  "client-request-id",
  "retry-after",
  "content-type",
  "x-ms-ratelimit-remaining-subscription-reads",
  "x-ms-ratelimit-remaining-subscription-writes",
  "x-ms-ratelimit-remaining-subscription-deletes",
]);

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    for (const k of [...u.searchParams.keys()]) if (!SAFE_QUERY.has(k.toLowerCase())) u.searchParams.set(k, "REDACTED");
    return u.toString();
  } catch {
    return "<invalid url>";
  }
}

export function redactHeaders(headers: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, SAFE_HEADERS.has(k.toLowerCase()) ? v! : "REDACTED"]),
  );
}

/** Replaces every occurrence of the given secret values in `text` (last line of defence for messages built from service text). */
export function scrub(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join("REDACTED");
  return out;
}

/** Node's and undici's connection failures: their messages name a host and port, never a response body. */
const NETWORK_MESSAGE =
  /^(connect|read|write|getaddrinfo|socket hang up|Client network socket disconnected|other side closed|self[- ]signed|unable to (verify|get)|certificate|Hostname\/IP does not match|The operation was aborted|This operation was aborted|Connect Timeout|Headers Timeout|Body Timeout)\b/i;

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  response?: { bodyAsText?: string | null; headers?: { get(name: string): string | undefined } };
}

const asErrorLike = (e: unknown): ErrorLike => (typeof e === "object" && e !== null ? (e as ErrorLike) : {});

/** A response body in words, never quoted: an HTML page by its host, anything else by its size. */
export function summarizeBody(text: string, contentType: string | undefined, host: string | undefined): string {
  if (/html/i.test(contentType ?? "") || /^\s*</.test(text)) return `an HTML error page${host ? ` from ${host}` : ""}`;
  return `a truncated or invalid JSON body (${Buffer.byteLength(text)} bytes)`;
}

/**
 * The text of an error thrown by an SDK client, by allow-list: the core clients' parse errors quote the whole
 * response body (`Error "…" occurred while parsing the response body - {body}`: a truncated listkeys answer would
 * print key values), V8's JSON errors quote part of it, so only text known to carry no body passes: connection
 * failures (with their cause, e.g. `ECONNREFUSED`), and short one-line messages without JSON or markup in them.
 */
export function safeErrorText(e: unknown, host?: string): string {
  const err = asErrorLike(e);
  if (err.code === "PARSE_ERROR" || /occurred while parsing the response body/.test(err.message ?? ""))
    return `the answer could not be read: ${summarizeBody(err.response?.bodyAsText ?? "", err.response?.headers?.get("content-type"), host)}`;
  if (err.name === "SyntaxError") return "the answer could not be read: invalid JSON";
  const cause = asErrorLike(err.cause);
  const message = (err.message ?? String(e)).trim();
  // undici says only "fetch failed"; the reason (ECONNREFUSED, ECONNRESET, a certificate) is on the cause.
  if (cause.message && (message === "fetch failed" || message === "terminated")) {
    const why = safeErrorText(err.cause, host);
    return `${message}: ${cause.code && !why.includes(cause.code) ? `${cause.code} ` : ""}${why}`;
  }
  if (NETWORK_MESSAGE.test(message)) return message.split("\n")[0]!;
  if (message.length <= 300 && !/[\n{}<>]/.test(message)) return message;
  return `${err.name ?? "Error"}${err.code ? ` ${err.code}` : ""} (its message is withheld: it quotes the response)`;
}
