import { createPublicKey, verify, type JsonWebKey, type KeyObject } from "node:crypto";
import type { JWK } from "jose";

/** A JWT split into its parts, not yet trusted. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function part(b64: string): unknown {
  return JSON.parse(Buffer.from(b64, "base64url").toString("utf8"));
}

/** Splits a compact JWS; undefined when it is not one (wrong number of parts, not base64url JSON objects). */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  try {
    const header = part(h);
    const payload = part(p);
    if (!isRecord(header) || !isRecord(payload)) return undefined;
    return { header, payload, signingInput: `${h}.${p}`, signature: Buffer.from(s, "base64url") };
  } catch {
    return undefined;
  }
}

const keyObjects = new WeakMap<JWK, KeyObject | null>();

function keyObject(jwk: JWK): KeyObject | undefined {
  let k = keyObjects.get(jwk);
  if (k === undefined) {
    try {
      k = createPublicKey({ key: jwk as JsonWebKey, format: "jwk" });
    } catch {
      k = null;
    }
    keyObjects.set(jwk, k);
  }
  return k ?? undefined;
}

/**
 * RS256 against the issuer's JWKS, as Easy Auth validates a bearer token with the keys of the provider's OpenID
 * metadata (configure-authentication-provider-aad: the issuer URL is used "to download the appropriate metadata to
 * determine the appropriate token signing keys"). `alg: none` (an unsigned token), another algorithm, an unknown
 * `kid` or a signature of another key all fail. Synchronous (node:crypto), so the gate stays a pure function.
 */
export function signatureValid(jwt: DecodedJwt, jwks: readonly JWK[]): boolean {
  if (jwt.header.alg !== "RS256" || jwt.signature.length === 0) return false;
  const kid = jwt.header.kid;
  const candidates = jwks.filter((k) => k.kty === "RSA" && (kid === undefined || k.kid === kid));
  return candidates.some((jwk) => {
    const key = keyObject(jwk);
    if (!key) return false;
    try {
      return verify("RSA-SHA256", Buffer.from(jwt.signingInput), key, jwt.signature);
    } catch {
      return false;
    }
  });
}
