import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey as JoseKey, type JWK } from "jose";
import type { TokenClaims } from "./http.ts";

/** A client the emulated tenant knows: the tool's own service principal, or one a test adds. */
export interface ClientPrincipal {
  clientId: string;
  objectId: string;
  displayName: string;
  /** Client secret; undefined for federated-only clients. */
  secret?: string;
  /** Subjects accepted in federated assertions (workload identity); "*" accepts any. */
  federatedSubjects: string[];
}

/** What a scope or resource resolves to when a token is requested for it. */
export interface ResourceInfo {
  /** The `aud` claim of the token. */
  audience: string;
  /** Access token version the resource accepts (ARM, Graph and Key Vault accept v1 tokens). */
  version: 1 | 2;
}

export type ResourceResolver = (resource: string) => ResourceInfo | undefined;

export const ARM_AUDIENCES = [
  "https://management.azure.com",
  "https://management.azure.com/",
  "https://management.core.windows.net",
  "https://management.core.windows.net/",
];
export const GRAPH_AUDIENCES = [
  "https://graph.microsoft.com",
  "https://graph.microsoft.com/",
  "00000003-0000-0000-c000-000000000000",
];
export const VAULT_AUDIENCES = [
  "https://vault.azure.net",
  "https://vault.azure.net/",
  "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
];

const builtinResources = [...ARM_AUDIENCES, ...GRAPH_AUDIENCES, ...VAULT_AUDIENCES];

export const FEDERATED_AUDIENCE = "api://AzureADTokenExchange";

export function v1Issuer(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}
export function v2Issuer(tenantId: string): string {
  return `https://login.microsoftonline.com/${tenantId}/v2.0`;
}

export type VerifyFailure = "missing" | "invalid" | "expired" | "audience";

/**
 * The emulated Entra tenant: one signing key, the clients that may sign in, and the resources tokens can be
 * issued for. Other emulated services (Graph) add resolvers so their app registrations become token audiences.
 */
export class Directory {
  readonly clients = new Map<string, ClientPrincipal>();
  readonly resolvers: ResourceResolver[] = [];
  readonly kid = randomUUID();
  tokenLifetimeSeconds = 3600;
  private constructor(
    readonly tenantId: string,
    private readonly privateKey: JoseKey,
    readonly publicJwk: JWK,
    private readonly publicKey: JoseKey,
  ) {}

  static async create(tenantId: string): Promise<Directory> {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const jwk = await exportJWK(publicKey);
    const dir = new Directory(tenantId, privateKey, jwk, publicKey);
    jwk.kid = dir.kid;
    jwk.use = "sig";
    jwk.alg = "RS256";
    return dir;
  }

  addClient(c: Partial<ClientPrincipal> & { clientId: string }): ClientPrincipal {
    const client: ClientPrincipal = {
      objectId: randomUUID(),
      displayName: c.clientId,
      federatedSubjects: [],
      ...c,
    };
    this.clients.set(client.clientId.toLowerCase(), client);
    return client;
  }

  resolveResource(resource: string): ResourceInfo | undefined {
    if (builtinResources.includes(resource)) return { audience: resource, version: 1 };
    for (const r of this.resolvers) {
      const hit = r(resource);
      if (hit) return hit;
    }
    return undefined;
  }

  async issueAccessToken(
    client: ClientPrincipal,
    resource: ResourceInfo,
    extra: Record<string, unknown> = {},
  ): Promise<{ token: string; expiresIn: number }> {
    const now = Math.floor(Date.now() / 1000);
    const v2 = resource.version === 2;
    const claims: Record<string, unknown> = {
      aud: resource.audience,
      iss: v2 ? v2Issuer(this.tenantId) : v1Issuer(this.tenantId),
      tid: this.tenantId,
      oid: client.objectId,
      sub: client.objectId,
      idtyp: "app",
      ver: v2 ? "2.0" : "1.0",
      uti: randomUUID().replace(/-/g, ""),
      ...(v2 ? { azp: client.clientId, azpacr: "1" } : { appid: client.clientId, appidacr: "1" }),
      ...extra,
    };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: this.kid })
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + this.tokenLifetimeSeconds)
      .sign(this.privateKey);
    return { token, expiresIn: this.tokenLifetimeSeconds };
  }

  /** A federated identity token as a CI system (GitHub OIDC) would issue it, for workload identity sign-in. */
  async issueFederatedToken(issuer: string, subject: string): Promise<string> {
    return new SignJWT({ sub: subject })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: this.kid })
      .setIssuer(issuer)
      .setAudience(FEDERATED_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(this.privateKey);
  }

  async verifyFederatedAssertion(assertion: string, issuer: string): Promise<{ sub: string } | undefined> {
    try {
      const { payload } = await jwtVerify(assertion, this.publicKey, { issuer, audience: FEDERATED_AUDIENCE });
      return typeof payload.sub === "string" ? { sub: payload.sub } : undefined;
    } catch {
      return undefined;
    }
  }

  async verifyAccessToken(
    token: string | undefined,
    audiences: readonly string[],
  ): Promise<TokenClaims | VerifyFailure> {
    if (!token) return "missing";
    try {
      const { payload } = await jwtVerify(token, this.publicKey, { algorithms: ["RS256"] });
      const aud = payload.aud;
      if (typeof aud !== "string" || !audiences.includes(aud)) return "audience";
      return payload as unknown as TokenClaims;
    } catch (e) {
      return (e as { code?: string }).code === "ERR_JWT_EXPIRED" ? "expired" : "invalid";
    }
  }
}

/** Reads the `aud` claim without verifying, for error messages. */
export function peekAudience(token: string | undefined): string | undefined {
  const part = token?.split(".")[1];
  if (!part) return undefined;
  try {
    const aud = (JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as { aud?: unknown }).aud;
    return typeof aud === "string" ? aud : undefined;
  } catch {
    return undefined;
  }
}
