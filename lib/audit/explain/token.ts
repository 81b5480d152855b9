import { decodeJwt, decodeProtectedHeader } from "jose";
import type { SafeClaims } from "./model.ts";

/** Larger input is refused: Entra access tokens are a few KiB, and App Service refuses request headers past 16 KiB. */
export const MAX_TOKEN_BYTES = 16 * 1024;

/** Why the input is not a signed JWT Easy Auth could accept. */
export type TokenProblem = "oversized" | "empty" | "truncated" | "malformed" | "unsigned";

export interface DecodedToken {
  /** The compact JWS as given (never printed). */
  compact: string;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

export type TokenReading = { ok: true; token: DecodedToken } | { ok: false; problem: TokenProblem; message: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads a compact JWS (optionally prefixed `Bearer `), pure: a bearer token is three base64url parts, header and
 * payload JSON objects (RFC 7515 §7.1). `alg: none` or an empty signature is an unsigned token, which Easy Auth
 * never accepts. The messages name the problem, never the token's text.
 */
export function readToken(text: string): TokenReading {
  if (Buffer.byteLength(text, "utf8") > MAX_TOKEN_BYTES)
    return {
      ok: false,
      problem: "oversized",
      message: `the token is larger than ${MAX_TOKEN_BYTES / 1024} KiB (${Buffer.byteLength(text, "utf8")} bytes); an access token is a few KiB`,
    };
  const compact = text.trim().replace(/^Bearer\s+/i, "");
  if (compact === "") return { ok: false, problem: "empty", message: "the input is empty" };
  if (/\s/.test(compact))
    return { ok: false, problem: "malformed", message: "the token contains white space; a JWT is one line" };
  const parts = compact.split(".");
  if (parts.length < 3)
    return {
      ok: false,
      problem: "truncated",
      message: `the token has ${parts.length} part${parts.length === 1 ? "" : "s"}, a JWT has three (header.payload.signature): it was cut off`,
    };
  if (parts.length > 3)
    return {
      ok: false,
      problem: "malformed",
      message: `the token has ${parts.length} parts, a signed JWT has three (five is an encrypted JWE, which an access token for an API is not)`,
    };
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(compact) as Record<string, unknown>;
  } catch {
    return { ok: false, problem: "malformed", message: "the token's header is not base64url-encoded JSON" };
  }
  try {
    payload = decodeJwt(compact) as Record<string, unknown>;
  } catch {
    return {
      ok: false,
      problem: parts[1] === "" ? "truncated" : "malformed",
      message: "the token's payload is not base64url-encoded JSON (a copy that was cut off or altered)",
    };
  }
  if (!isRecord(header) || !isRecord(payload))
    return { ok: false, problem: "malformed", message: "the token's header and payload must be JSON objects" };
  if (typeof header.alg !== "string" || header.alg.toLowerCase() === "none" || parts[2] === "")
    return {
      ok: false,
      problem: "unsigned",
      message: `the token is unsigned (alg: ${String(header.alg ?? "absent")}${parts[2] === "" ? ", no signature" : ""}); Easy Auth accepts only tokens signed by the issuer`,
    };
  return { ok: true, token: { compact, header, payload } };
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

/** The claims shown: who issued the token, for whom, to whom, what it grants and when; nothing else. */
export function safeClaims(payload: Record<string, unknown>): SafeClaims {
  const aud = Array.isArray(payload.aud)
    ? payload.aud.filter((a): a is string => typeof a === "string")
    : str(payload.aud);
  const roles = Array.isArray(payload.roles)
    ? payload.roles.filter((r): r is string => typeof r === "string")
    : undefined;
  const out: SafeClaims = {
    iss: str(payload.iss),
    aud,
    azp: str(payload.azp),
    appid: str(payload.appid),
    scp: str(payload.scp),
    roles,
    exp: num(payload.exp),
    nbf: num(payload.nbf),
    iat: num(payload.iat),
    ver: str(payload.ver),
    tid: str(payload.tid),
    oid: str(payload.oid),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as SafeClaims;
}
