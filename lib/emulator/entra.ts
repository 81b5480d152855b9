import { randomUUID } from "node:crypto";
import { entraAdminRoutes } from "./entra-admin.ts";
import { route, send, type Ctx, type Route } from "./http.ts";
import type { ClientPrincipal, Directory, ResourceInfo } from "./directory.ts";
import { routeOperation, type MountedService } from "./service.ts";
import { retryHeaders } from "./service-error.ts";

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** The issuer of federated tokens minted by `POST /_emulator/federated-token` (stands in for GitHub's OIDC issuer). */
export function federatedIssuer(baseUrl: string): string {
  return `${baseUrl}/_emulator/oidc`;
}

// AADSTS error body, as the token endpoint answers (error, error_description, error_codes, trace ids).
function aadError(ctx: Ctx, status: number, error: string, code: number, description: string): void {
  send(ctx, status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${ctx.requestId} Correlation ID: ${ctx.requestId} Timestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
    trace_id: ctx.requestId,
    correlation_id: randomUUID(),
  });
}

function invalidSecret(ctx: Ctx): undefined {
  aadError(
    ctx,
    401,
    "invalid_client",
    7000215,
    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
  );
  return undefined;
}

export function entraRoutes(dir: Directory, baseUrl: () => string): Route[] {
  const tenantOk = (ctx: Ctx): boolean => {
    const t = ctx.params.tenant!.toLowerCase();
    // "adfs": the az CLI (before core.instance_discovery existed) can only use a custom cloud whose authority is
    // ADFS-style, because MSAL validates any other unknown host against login.microsoftonline.com.
    if (t === dir.tenantId.toLowerCase() || t === "organizations" || t === "common" || t === "adfs") return true;
    aadError(ctx, 400, "invalid_tenant", 90002, `Tenant '${ctx.params.tenant}' not found.`);
    return false;
  };

  const openidConfig = (v2: boolean) => (ctx: Ctx) => {
    if (!tenantOk(ctx)) return;
    const base = `${baseUrl()}/${ctx.params.tenant!.toLowerCase() === "adfs" ? "adfs" : dir.tenantId}`;
    send(ctx, 200, {
      token_endpoint: v2 ? `${base}/oauth2/v2.0/token` : `${base}/oauth2/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: v2 ? `${base}/discovery/v2.0/keys` : `${base}/discovery/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      // Real Entra names the cloud's issuers here (not the emulator's origin); tokens carry the same strings.
      issuer: dir.issuer(v2 ? 2 : 1),
      request_uri_parameter_supported: false,
      userinfo_endpoint: `https://${dir.cloud.graphHost}/oidc/userinfo`,
      authorization_endpoint: v2 ? `${base}/oauth2/v2.0/authorize` : `${base}/oauth2/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: [
        "sub",
        "iss",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "acr",
        "nonce",
        "tid",
        "ver",
        "oid",
        "azp",
        "appid",
      ],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: "EU",
      cloud_instance_name: dir.cloud.instanceName,
      cloud_graph_host_name: "graph.windows.net",
      msgraph_host: dir.cloud.graphHost,
      rbac_url: "https://pas.windows.net",
    });
  };

  const jwks = (ctx: Ctx) => {
    if (!tenantOk(ctx)) return;
    send(ctx, 200, { keys: [{ kty: dir.publicJwk.kty, ...dir.publicJwk, x5t: dir.kid }] });
  };

  const authenticateClient = async (ctx: Ctx, form: URLSearchParams): Promise<ClientPrincipal | undefined> => {
    const clientId = form.get("client_id") ?? "";
    const client = dir.clients.get(clientId.toLowerCase());
    const secretSent = form.get("client_secret");
    if (!client && secretSent && !form.get("client_assertion")) {
      const checked = dir.passwordCheckers.map((check) => check(clientId, secretSent)).find((c) => c !== undefined);
      if (checked?.ok) return { clientId, objectId: checked.objectId, displayName: clientId, federatedSubjects: [] };
      if (checked?.reason === "expired") {
        aadError(
          ctx,
          401,
          "invalid_client",
          7000222,
          `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
        );
        return undefined;
      }
      if (checked) return invalidSecret(ctx);
    }
    const assertion = form.get("client_assertion");
    if (assertion && form.get("client_assertion_type") !== JWT_BEARER) {
      aadError(ctx, 400, "invalid_request", 50027, "Invalid client_assertion_type.");
      return undefined;
    }
    if (!client && assertion) {
      // An application of the tenant (Graph) signing in with a federated assertion: a managed identity's token or a
      // CI system's, matched against the application's federated identity credentials.
      const claims = await dir.verifyFederatedAssertion(assertion, [federatedIssuer(baseUrl()), dir.issuer(2)]);
      const checked = dir.federatedCheckers.map((check) => check(clientId, claims)).find((c) => c !== undefined);
      if (checked?.ok) return { clientId, objectId: checked.objectId, displayName: clientId, federatedSubjects: [] };
      if (checked) {
        aadError(
          ctx,
          400,
          "invalid_client",
          70021,
          `No matching federated identity record found for presented assertion. Assertion Issuer: '${claims?.iss ?? ""}'. Assertion Subject: '${claims?.sub ?? ""}'. Assertion Audience: '${claims?.aud ?? ""}'.`,
        );
        return undefined;
      }
    }
    if (!client) {
      aadError(
        ctx,
        400,
        "unauthorized_client",
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${dir.tenantId}'.`,
      );
      return undefined;
    }
    if (assertion) {
      const fed = await dir.verifyFederatedAssertion(assertion, federatedIssuer(baseUrl()));
      if (!fed || !(client.federatedSubjects.includes("*") || client.federatedSubjects.includes(fed.sub))) {
        aadError(
          ctx,
          400,
          "invalid_client",
          70021,
          "No matching federated identity record found for presented assertion.",
        );
        return undefined;
      }
      return client;
    }
    const secret = form.get("client_secret");
    if (!secret || client.secret === undefined || secret !== client.secret) return invalidSecret(ctx);
    return client;
  };

  /**
   * An app-only token for `requested` (the scope without `/.default`, or the v1 `resource`), as the client's service
   * principal where one exists, after the resource's own rules (assignment required, roles: graph/token-rules.ts).
   */
  const respondToken = async (
    ctx: Ctx,
    signedIn: ClientPrincipal,
    resource: ResourceInfo,
    requested: string,
    v1Endpoint: boolean,
  ) => {
    const client = dir.identify(signedIn);
    const access = resource.appOnly?.(client, requested) ?? { roles: [] };
    if ("error" in access) return aadError(ctx, access.status, access.error, access.code, access.description);
    const { token, expiresIn } = await dir.issueAccessToken(
      client,
      resource,
      access.roles.length ? { roles: access.roles } : {},
    );
    const now = Math.floor(Date.now() / 1000);
    send(ctx, 200, {
      token_type: "Bearer",
      expires_in: expiresIn,
      ext_expires_in: expiresIn,
      ...(v1Endpoint ? { expires_on: String(now + expiresIn), not_before: String(now), resource: requested } : {}),
      access_token: token,
    });
  };

  /** `respondToken` for `resourceId`, or AADSTS500011 where the tenant has no such resource. */
  const respondTokenFor = async (ctx: Ctx, client: ClientPrincipal, resourceId: string, v1Endpoint: boolean) => {
    const resource = dir.resolveResource(resourceId);
    if (!resource)
      return aadError(
        ctx,
        400,
        "invalid_resource",
        500011,
        `The resource principal named ${resourceId} was not found in the tenant named ${dir.tenantId}.`,
      );
    await respondToken(ctx, client, resource, resourceId, v1Endpoint);
  };

  const tokenV2 = async (ctx: Ctx) => {
    if (!tenantOk(ctx)) return;
    const form = new URLSearchParams(ctx.rawBody);
    if (form.get("grant_type") !== "client_credentials") {
      aadError(
        ctx,
        400,
        "unsupported_grant_type",
        70003,
        `The app requested an unsupported grant type '${form.get("grant_type")}'. This emulator supports client_credentials.`,
      );
      return;
    }
    const client = await authenticateClient(ctx, form);
    if (!client) return;
    const scopes = (form.get("scope") ?? "")
      .split(/\s+/)
      .filter((s) => s && !["openid", "profile", "offline_access"].includes(s));
    if (scopes.length !== 1 || !scopes[0]!.endsWith("/.default")) {
      aadError(
        ctx,
        400,
        "invalid_scope",
        1002012,
        `The provided value for scope '${form.get("scope")}' is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
      return;
    }
    await respondTokenFor(ctx, client, scopes[0]!.slice(0, -"/.default".length), false);
  };

  const tokenV1 = async (ctx: Ctx) => {
    if (!tenantOk(ctx)) return;
    const form = new URLSearchParams(ctx.rawBody);
    const client = await authenticateClient(ctx, form);
    if (!client) return;
    // The version follows the resource (requestedAccessTokenVersion), not the endpoint: ARM, Graph and Key Vault
    // resolve to v1, an app registration to what it requests.
    await respondTokenFor(ctx, client, form.get("resource") ?? "", true);
  };

  return [
    route("GET", "/{tenant}/v2.0/.well-known/openid-configuration", openidConfig(true)),
    route("GET", "/{tenant}/.well-known/openid-configuration", (ctx) =>
      openidConfig(ctx.params.tenant!.toLowerCase() === "adfs")(ctx),
    ),
    route("GET", "/{tenant}/discovery/v2.0/keys", jwks),
    route("GET", "/{tenant}/discovery/keys", jwks),
    route("POST", "/{tenant}/oauth2/v2.0/token", tokenV2),
    route("POST", "/{tenant}/oauth2/token", tokenV1),
  ];
}

/**
 * Entra ID on the emulator's origin. Its paths start with a tenant (`/{tenant}/oauth2/v2.0/token`), so it serves
 * whatever no other service claims and must be mounted last. It keeps no state a fault could roll back.
 */
export function createEntraService(dir: Directory, baseUrl: () => string): MountedService {
  const routes = entraRoutes(dir, baseUrl);
  return {
    name: "entra",
    prefix: /^\//,
    adminRoutes: entraAdminRoutes(dir),
    handle: async (ctx) =>
      routeOperation(ctx, routes, (c) =>
        send(c, 404, { error: "not_found", error_description: `No emulated endpoint for ${c.method} ${c.path}` }),
      ),
    // The OAuth 2.0 error response (RFC 6749 §5.2); `temporarily_unavailable` is the spec's code for overload (§4.1.2.1).
    fail(ctx, e) {
      const code = e.code ?? (e.status === 429 || e.status >= 500 ? "temporarily_unavailable" : "invalid_request");
      send(ctx, e.status, { error: code, error_description: e.message }, retryHeaders(e));
    },
  };
}
