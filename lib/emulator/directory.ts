import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey as JoseKey, type JWK } from "jose";
import { EMULATED_CLOUD_TABLE, type EmulatedCloud } from "./clouds.ts";
import { bearer, type Ctx, type TokenClaims } from "./http.ts";

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
  /**
   * The resource's rules for an app-only (client credentials) token: the `roles` the client holds on it, or the
   * refusal Entra answers instead of a token. Absent for resources without a service principal to consult.
   */
  appOnly?: (client: ClientPrincipal, requested: string) => AppOnlyAccess | TokenRefusal;
}

/** What an app-only token for a resource carries besides the standard claims. */
export interface AppOnlyAccess {
  /** Values of the app roles assigned to the client's service principal on the resource. */
  roles: string[];
}

/** An OAuth error the token endpoint answers instead of a token (`AADSTS{code}: {description}`). */
export interface TokenRefusal {
  status: number;
  error: string;
  code: number;
  description: string;
}

export type ResourceResolver = (resource: string) => ResourceInfo | undefined;

/** The directory object of a client that signs in (its service principal), as another service (Graph) knows it. */
export interface ClientIdentity {
  objectId: string;
  displayName: string;
}
export type ClientResolver = (clientId: string) => ClientIdentity | undefined;

/** What an application's password check says (Graph's passwordCredentials, lib/emulator/graph/passwords.ts). */
export type PasswordCheck =
  | { ok: true; keyId: string; objectId: string }
  | { ok: false; reason: "invalid" | "expired"; keyId?: string };
/** Undefined when the clientId is no application of the checker's. */
export type PasswordChecker = (clientId: string, secret: string) => PasswordCheck | undefined;

/** The claims of a verified federated assertion that a federated identity credential is matched against. */
export interface FederatedClaims {
  iss: string;
  sub: string;
  aud: string;
}
/** What an application's federated identity credentials say of an assertion (lib/emulator/graph/federated-credentials.ts). */
export type FederatedCheck = { ok: true; objectId: string } | { ok: false };
/** Undefined when the clientId is no application of the checker's; `claims` undefined: the assertion did not verify. */
export type FederatedChecker = (clientId: string, claims: FederatedClaims | undefined) => FederatedCheck | undefined;

/** The public cloud's audiences; a Directory in another cloud's mode has its own (`Directory.audiences`). */
export const ARM_AUDIENCES = EMULATED_CLOUD_TABLE.AzureCloud.arm;
export const GRAPH_AUDIENCES = EMULATED_CLOUD_TABLE.AzureCloud.graph;
export const VAULT_AUDIENCES = EMULATED_CLOUD_TABLE.AzureCloud.vault;

export const FEDERATED_AUDIENCE = "api://AzureADTokenExchange";
/**
 * The audience a managed identity's token for a federated identity credential carries, per cloud (the values of
 * microsoftgraph/msgraph-bicep-types quickstart-templates/msi-as-a-fic-secretless/main.bicep).
 */
export const TOKEN_EXCHANGE_AUDIENCES: Record<EmulatedCloud["name"], string> = {
  AzureCloud: FEDERATED_AUDIENCE,
  AzureUSGovernment: "api://AzureADTokenExchangeUSGov",
  AzureChinaCloud: "api://AzureADTokenExchangeChina",
};

export function v1Issuer(tenantId: string, cloud: EmulatedCloud = EMULATED_CLOUD_TABLE.AzureCloud): string {
  return `${cloud.sts}/${tenantId}/`;
}
export function v2Issuer(tenantId: string, cloud: EmulatedCloud = EMULATED_CLOUD_TABLE.AzureCloud): string {
  return `${cloud.authority}/${tenantId}/v2.0`;
}

export type VerifyFailure = "missing" | "invalid" | "expired" | "audience";

/**
 * The emulated Entra tenant: one signing key, the clients that may sign in, and the resources tokens can be
 * issued for. Other emulated services (Graph) add resolvers so their app registrations become token audiences.
 */
export class Directory {
  readonly clients = new Map<string, ClientPrincipal>();
  readonly resolvers: ResourceResolver[] = [];
  /** Where a client's service principal is looked up by appId (Graph adds one), for `oid`, `sub` and names. */
  readonly clientResolvers: ClientResolver[] = [];
  /** Where a client_secret for a clientId the directory has no client for is checked (Graph adds its applications). */
  readonly passwordCheckers: PasswordChecker[] = [];
  /** Where a client_assertion for a clientId the directory has no client for is matched (Graph adds its applications). */
  readonly federatedCheckers: FederatedChecker[] = [];
  readonly kid = randomUUID();
  tokenLifetimeSeconds = 3600;
  /** The audiences this cloud's ARM, Graph and Key Vault accept (and Entra issues tokens for). */
  readonly audiences: { arm: readonly string[]; graph: readonly string[]; vault: readonly string[] };
  private readonly builtinResources: readonly string[];
  private constructor(
    readonly tenantId: string,
    private readonly privateKey: JoseKey,
    readonly publicJwk: JWK,
    private readonly publicKey: JoseKey,
    /** The cloud impersonated: its audiences and issuers replace the public cloud's. */
    readonly cloud: EmulatedCloud,
  ) {
    this.audiences = { arm: cloud.arm, graph: cloud.graph, vault: cloud.vault };
    this.builtinResources = [...cloud.arm, ...cloud.graph, ...cloud.vault];
  }

  static async create(tenantId: string, cloud: EmulatedCloud = EMULATED_CLOUD_TABLE.AzureCloud): Promise<Directory> {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const jwk = await exportJWK(publicKey);
    const dir = new Directory(tenantId, privateKey, jwk, publicKey, cloud);
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

  /**
   * The client as tokens name it: a client whose appId has a service principal (in the emulated Graph) signs in as
   * that object (`oid`/`sub` = the service principal's id); any other keeps the object id it was added with.
   */
  identify(client: ClientPrincipal): ClientPrincipal {
    for (const r of this.clientResolvers) {
      const hit = r(client.clientId);
      if (hit) return { ...client, objectId: hit.objectId, displayName: hit.displayName };
    }
    return client;
  }

  resolveResource(resource: string): ResourceInfo | undefined {
    if (this.builtinResources.includes(resource)) return { audience: resource, version: 1 };
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
      iss: this.issuer(resource.version),
      tid: this.tenantId,
      oid: client.objectId,
      sub: client.objectId,
      idtyp: "app",
      ver: v2 ? "2.0" : "1.0",
      uti: randomUUID().replace(/-/g, ""),
      ...(v2 ? { azp: client.clientId, azpacr: "1" } : { appid: client.clientId, appidacr: "1" }),
      ...extra,
    };
    const token = await this.sign(claims, { iat: now, nbf: now - 5, exp: now + this.tokenLifetimeSeconds });
    return { token, expiresIn: this.tokenLifetimeSeconds };
  }

  /** The `iss` of access tokens of that version (the cloud's strings, as the discovery documents name them). */
  issuer(version: 1 | 2): string {
    return version === 2 ? v2Issuer(this.tenantId, this.cloud) : v1Issuer(this.tenantId, this.cloud);
  }

  /** Signs any claims with the tenant key (times in seconds since the epoch); `claims` win over the times. */
  async sign(claims: Record<string, unknown>, times: { iat: number; nbf: number; exp: number }): Promise<string> {
    return new SignJWT({ ...times, ...claims })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: this.kid })
      .sign(this.privateKey);
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

  /**
   * A managed identity's token for `audience`, as its identity endpoint hands it to the app it is assigned to:
   * issued by this tenant's v2 authority, `sub` and `oid` the identity's object (principal) id. Easy Auth redeems one
   * for api://AzureADTokenExchange as its client assertion (learn.microsoft.com/entra/workload-id/
   * workload-identity-federation-config-app-trust-managed-identity).
   */
  async issueManagedIdentityToken(
    identity: { principalId: string; clientId: string },
    audience: string,
  ): Promise<{ token: string; expiresIn: number }> {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      aud: audience,
      iss: this.issuer(2),
      tid: this.tenantId,
      oid: identity.principalId,
      sub: identity.principalId,
      azp: identity.clientId,
      azpacr: "2",
      idtyp: "app",
      ver: "2.0",
      uti: randomUUID().replace(/-/g, ""),
    };
    return {
      token: await this.sign(claims, { iat: now, nbf: now - 5, exp: now + this.tokenLifetimeSeconds }),
      expiresIn: this.tokenLifetimeSeconds,
    };
  }

  /** This cloud's token exchange audience (api://AzureADTokenExchange in the public cloud). */
  get tokenExchangeAudience(): string {
    return TOKEN_EXCHANGE_AUDIENCES[this.cloud.name];
  }

  /** A federated assertion signed by this tenant's key, for a token exchange audience, from one of `issuers`. */
  async verifyFederatedAssertion(
    assertion: string,
    issuers: string | string[],
  ): Promise<(FederatedClaims & { sub: string }) | undefined> {
    try {
      const { payload } = await jwtVerify(assertion, this.publicKey, {
        issuer: issuers,
        audience: [...new Set([FEDERATED_AUDIENCE, this.tokenExchangeAudience])],
      });
      const aud = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
      return typeof payload.sub === "string" && typeof payload.iss === "string" && typeof aud === "string"
        ? { sub: payload.sub, iss: payload.iss, aud }
        : undefined;
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

  /** Verifies the request's bearer token for `audiences`: sets `ctx.principal`, or answers why it was refused. */
  async authenticate(ctx: Ctx, audiences: readonly string[]): Promise<VerifyFailure | undefined> {
    const result = await this.verifyAccessToken(bearer(ctx), audiences);
    if (typeof result === "string") return result;
    ctx.principal = result;
    return undefined;
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
