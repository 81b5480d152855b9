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
