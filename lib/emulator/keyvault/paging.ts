import type { Ctx } from "../http.ts";
import { badParameter } from "./errors.ts";

/** The service's page limit: "If not specified the service will return up to 25 results" (REST reference, `maxresults`). */
export const MAX_PAGE_SIZE = 25;

export interface Page<T> {
  value: T[];
  /** Absolute https URL of the next page, null on the last page as the service sends it. */
  nextLink: string | null;
}

const encodeToken = (marker: string): string =>
  Buffer.from(JSON.stringify({ NextMarker: marker }), "utf8").toString("base64url");

function decodeToken(token: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { NextMarker?: unknown };
    return typeof parsed.NextMarker === "string" ? parsed.NextMarker : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One page of `items`, ordered by `keyOf`. The `$skiptoken` carries the key of the last item served rather than
 * an offset, so items added or deleted between pages neither repeat nor vanish from the rest of the listing.
 * Answers 400 itself and returns undefined when `maxresults` or `$skiptoken` is unusable.
 */
export function paginate<T, V>(
  ctx: Ctx,
  base: string,
  items: T[],
  keyOf: (t: T) => string,
  view: (t: T) => V,
  defaultSize: number,
): Page<V> | undefined {
  const raw = ctx.query.get("maxresults");
  let size = defaultSize;
  if (raw !== null) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) {
      // Range from the REST reference; the wording is the emulator's.
      badParameter(ctx, `Invalid value '${raw}' for maxresults: it must be an integer from 1 to ${MAX_PAGE_SIZE}.`);
      return undefined;
    }
    size = n;
  }
  const token = ctx.query.get("$skiptoken");
  let marker: string | undefined;
  if (token !== null) {
    marker = decodeToken(token);
    if (marker === undefined) {
      badParameter(ctx, "The $skiptoken query parameter is invalid.");
      return undefined;
    }
  }
  const sorted = items.map((t) => ({ t, key: keyOf(t) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rest = marker === undefined ? sorted : sorted.filter((e) => e.key > marker);
  const pageItems = rest.slice(0, size);
  let nextLink: string | null = null;
  const last = pageItems[pageItems.length - 1];
  if (rest.length > size && last) {
    // Same shape as the service's links: api-version, a literal `$skiptoken` (base64url needs no escaping), maxresults.
    const apiVersion = encodeURIComponent(ctx.query.get("api-version") ?? "");
    nextLink = `${base}${ctx.path.replace(/\/$/, "")}?api-version=${apiVersion}&$skiptoken=${encodeToken(last.key)}&maxresults=${size}`;
  }
  return { value: pageItems.map((e) => view(e.t)), nextLink };
}
