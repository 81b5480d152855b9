import { isObject, jsonBody, type Ctx } from "../http.ts";
import { badParameter } from "./errors.ts";
import type { NewVersion, VersionUpdate } from "./state.ts";

/**
 * Object names: 1-127 characters of 0-9, a-z, A-Z and `-` (Key Vault "about keys, secrets and certificates").
 * The documented "starting with a letter" is not enforced by the service (MicrosoftDocs/azure-docs#99541).
 */
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;

// Limits from the Key Vault service limits page (secret value 25 KB, 15 tags per object); the wording is the emulator's.
export const MAX_VALUE_BYTES = 25 * 1024;
export const MAX_TAGS = 15;

export function nameOk(ctx: Ctx, name: string): boolean {
  if (SECRET_NAME.test(name)) return true;
  // Wording as the service sends it (aspnet/MicrosoftConfigurationBuilders#22).
  badParameter(ctx, `The request URI contains an invalid name: ${name}`);
  return false;
}

function parseTags(ctx: Ctx, tags: unknown): Record<string, string> | undefined | false {
  if (tags === undefined || tags === null) return undefined;
  if (!isObject(tags) || !Object.values(tags).every((v) => typeof v === "string")) {
    badParameter(ctx, "Property 'tags' must be an object whose values are strings.");
    return false;
  }
  if (Object.keys(tags).length > MAX_TAGS) {
    badParameter(ctx, `A secret can have at most ${MAX_TAGS} tags; the request has ${Object.keys(tags).length}.`);
    return false;
  }
  return tags as Record<string, string>;
}

function parseContentType(ctx: Ctx, v: unknown): string | undefined | false {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") {
    badParameter(ctx, "Property 'contentType' must be a string.");
    return false;
  }
  return v;
}

type Attrs = { enabled?: boolean; nbf?: number | null; exp?: number | null };

/** `attributes.enabled/nbf/exp`; `created`, `updated` and `recoveryLevel` are read-only and ignored, as the service does. */
function parseAttributes(ctx: Ctx, a: unknown): Attrs | false {
  if (a === undefined || a === null) return {};
  if (!isObject(a)) {
    badParameter(ctx, "Property 'attributes' must be an object.");
    return false;
  }
  const out: Attrs = {};
  if (a.enabled !== undefined && a.enabled !== null) {
    if (typeof a.enabled !== "boolean") {
      badParameter(ctx, "Property 'attributes.enabled' must be a boolean.");
      return false;
    }
    out.enabled = a.enabled;
  }
  for (const k of ["nbf", "exp"] as const) {
    const v = a[k];
    if (v === undefined) continue;
    if (v !== null && !Number.isInteger(v)) {
      badParameter(ctx, `Property 'attributes.${k}' must be an IntDate (whole seconds since 1970-01-01 UTC).`);
      return false;
    }
    out[k] = v as number | null;
  }
  return out;
}

/** PUT /secrets/{name} body; answers 400 and returns undefined when unusable. */
export function parseSetBody(ctx: Ctx): NewVersion | undefined {
  const body = jsonBody(ctx);
  if (!isObject(body)) {
    badParameter(ctx, "The request body must be a JSON object with a string 'value'.");
    return undefined;
  }
  if (typeof body.value !== "string") {
    badParameter(ctx, "Property 'value' is required and must be a string.");
    return undefined;
  }
  if (Buffer.byteLength(body.value, "utf8") > MAX_VALUE_BYTES) {
    badParameter(ctx, `The secret value exceeds the maximum size of ${MAX_VALUE_BYTES} bytes.`);
    return undefined;
  }
  const meta = parseMeta(ctx, body);
  if (!meta) return undefined;
  const { tags, contentType, attrs } = meta;
  return {
    value: body.value,
    tags,
    contentType,
    enabled: attrs.enabled,
    nbf: attrs.nbf ?? undefined,
    exp: attrs.exp ?? undefined,
  };
}

/** tags, contentType and attributes: the same rules for set and update. */
function parseMeta(ctx: Ctx, body: Record<string, unknown>) {
  const tags = parseTags(ctx, body.tags);
  if (tags === false) return undefined;
  const contentType = parseContentType(ctx, body.contentType);
  if (contentType === false) return undefined;
  const attrs = parseAttributes(ctx, body.attributes);
  if (attrs === false) return undefined;
  return { tags, contentType, attrs };
}

/**
 * PATCH /secrets/{name}/{version} body: only what is present changes. A `value` is ignored like any unknown
 * property: "The value of a secret itself cannot be changed" (REST reference, Update Secret).
 */
export function parseUpdateBody(ctx: Ctx): VersionUpdate | undefined {
  const body = ctx.rawBody.trim() ? jsonBody(ctx) : {};
  if (!isObject(body)) {
    badParameter(ctx, "The request body must be a JSON object.");
    return undefined;
  }
  const meta = parseMeta(ctx, body);
  if (!meta) return undefined;
  return { tags: meta.tags, contentType: meta.contentType, ...meta.attrs };
}
