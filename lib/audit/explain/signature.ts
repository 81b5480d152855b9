import { compactVerify, createLocalJWKSet, errors, type JSONWebKeySet } from "jose";
import type { Cloud } from "../../azure/clouds.ts";
import { isRecord } from "../../azure/json.ts";
import { retrying } from "../../azure/retry.ts";
import type { DecodedToken } from "./token.ts";
import type { SignatureCheck } from "./walk.ts";

/**
 * Verifies a token's signature with the keys its issuer publishes, as Easy Auth does: the issuer URL is used "to
 * download the appropriate metadata to determine the appropriate token signing keys"
 * (https://learn.microsoft.com/azure/app-service/configure-authentication-provider-aad), i.e.
 * `{issuer}/.well-known/openid-configuration` → `jwks_uri` (OpenID Connect Discovery 1.0 §4). A token of the run's
 * cloud (its authority or STS host) is looked up at the authority the tool signs in to (AZURE_AUTHORITY_HOST), so an
 * emulator or a sovereign endpoint answers for its own tenant. Unreachable keys leave the signature unverified.
 */

export type FetchFn = (url: string, init?: RequestInit) => Promise<Response>;

export interface KeySource {
  /** The run's cloud: whose issuers are looked up at `authorityHost`. */
  cloud: Cloud;
  /** The authority the tool signs in to (AZURE_AUTHORITY_HOST or the cloud's). */
  authorityHost: string;
  fetch?: FetchFn;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** The wait between tries (tests). */
  wait?: (ms: number) => Promise<unknown>;
}

class KeyReadError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const host = (u: string) => {
  try {
    return new URL(u).host.toLowerCase();
  } catch {
    return "";
  }
};

/** Where the issuer's OpenID metadata is, or undefined for an issuer that is not an https URL. */
export function metadataUrl(iss: string, src: Pick<KeySource, "cloud" | "authorityHost">): string | undefined {
  let u: URL;
  try {
    u = new URL(iss);
  } catch {
    return undefined;
  }
  if (u.protocol !== "https:") return undefined;
  const path = u.pathname.replace(/\/+$/, "");
  const ours = [host(src.cloud.authorityHost), host(src.cloud.stsHost)].includes(u.host.toLowerCase());
  // v1 issuers (sts host, `/{tenant}/`) publish their metadata at the authority's `/{tenant}/.well-known/…` too.
  const base = ours ? `${src.authorityHost.replace(/\/+$/, "")}${path}` : `${u.origin}${path}`;
  return `${base}/.well-known/openid-configuration`;
}

/** Fetches and caches each issuer's key set for the life of the object (one run). */
export class IssuerKeys {
  private readonly sets = new Map<string, Promise<JSONWebKeySet>>();
  constructor(private readonly src: KeySource) {}

  /** GET of a JSON document; 429, 5xx and network errors are tried again (3 tries), honouring Retry-After. */
  private json(url: string): Promise<unknown> {
    const f = this.src.fetch ?? fetch;
    return retrying(
      async () => {
        let r: Response;
        try {
          r = await f(url, { signal: AbortSignal.timeout(this.src.timeoutMs ?? 10_000) });
        } catch (e) {
          throw new KeyReadError((e as Error).message, true);
        }
        if (r.ok) return r.json();
        const retryAfter = Number(r.headers.get("retry-after"));
        throw new KeyReadError(
          `HTTP ${r.status} from ${url}`,
          r.status === 429 || r.status >= 500,
          Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : undefined,
        );
      },
      {
        attempts: 3,
        retryable: (e): e is KeyReadError => e instanceof KeyReadError && e.retryable,
        // Retry-After when given (at most 10 s: an explanation should not hang), else 0.5 s, 1 s.
        delayMs: (attempt, e) => Math.min(e.retryAfterMs ?? 500 * 2 ** (attempt - 1), 10_000),
        ...(this.src.wait ? { wait: this.src.wait } : {}),
      },
    );
  }

  keySet(metadata: string): Promise<JSONWebKeySet> {
    let p = this.sets.get(metadata);
    if (!p) {
      p = (async () => {
        const meta = await this.json(metadata);
        const jwksUri = isRecord(meta) && typeof meta.jwks_uri === "string" ? meta.jwks_uri : undefined;
        if (!jwksUri) throw new Error(`no jwks_uri in ${metadata}`);
        const set = await this.json(jwksUri);
        if (!isRecord(set) || !Array.isArray(set.keys)) throw new Error(`no keys at ${jwksUri}`);
        return set as unknown as JSONWebKeySet;
      })();
      // A failed read is not kept: the next token tries again.
      p.catch(() => this.sets.delete(metadata));
      this.sets.set(metadata, p);
    }
    return p;
  }

  async check(token: DecodedToken): Promise<SignatureCheck> {
    const iss = typeof token.payload.iss === "string" ? token.payload.iss : undefined;
    const kid = typeof token.header.kid === "string" ? token.header.kid : undefined;
    const url = iss ? metadataUrl(iss, this.src) : undefined;
    if (!url)
      return {
        status: "unverified",
        detail: `the issuer ${iss ? `'${iss}'` : "(none)"} publishes no metadata over https`,
      };
    let set: JSONWebKeySet;
    try {
      set = await this.keySet(url);
    } catch (e) {
      return { status: "unverified", detail: `the issuer's keys could not be read (${(e as Error).message})` };
    }
    try {
      // Easy Auth's Microsoft provider accepts RS256, the algorithm Entra signs access tokens with.
      await compactVerify(token.compact, createLocalJWKSet(set), { algorithms: ["RS256"] });
      return {
        status: "valid",
        detail: `RS256, key ${kid ?? "(no kid)"} of ${url.replace(/\/\.well-known\/openid-configuration$/, "")}`,
      };
    } catch (e) {
      if (e instanceof errors.JOSEAlgNotAllowed)
        return { status: "invalid", detail: `alg ${String(token.header.alg)}: only RS256 is accepted` };
      if (e instanceof errors.JWKSNoMatchingKey)
        return { status: "invalid", detail: `no key ${kid ?? "(no kid)"} in the issuer's key set` };
      if (e instanceof errors.JWKSMultipleMatchingKeys || e instanceof errors.JWSSignatureVerificationFailed)
        return {
          status: "invalid",
          detail: `the signature does not verify with key ${kid ?? "(no kid)"} of the issuer`,
        };
      return { status: "invalid", detail: `the signature cannot be verified (${(e as Error).message})` };
    }
  }
}
