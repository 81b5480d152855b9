/**
 * The authenticated caller as App Service hands it to the app: request headers injected by the platform
 * (learn.microsoft.com/azure/app-service/configure-authentication-user-identities, "Access user claims in app
 * code"): `X-MS-CLIENT-PRINCIPAL` (Base64 of JSON `{auth_typ, claims: [{typ, val}], name_typ, role_typ}`),
 * `X-MS-CLIENT-PRINCIPAL-ID`, `X-MS-CLIENT-PRINCIPAL-NAME` and `X-MS-CLIENT-PRINCIPAL-IDP`. "External requests
 * aren't allowed to set these headers", so the data plane strips any a client sends before the app sees the request.
 *
 * Claim types are the JWT claim names (`scp`, `roles`, `oid`, …), one `{typ, val}` per array element; the platform
 * maps some of them to the .NET claim-type URIs, which readers of this header should accept too (scopeValues).
 */

export interface Principal {
  /** The validated token's claims. */
  claims: Record<string, unknown>;
  /** `oid`: the user's or the calling application's object id. */
  id?: string;
  name?: string;
  idp: "aad";
}

export interface ClientPrincipalDocument {
  auth_typ: string;
  claims: { typ: string; val: string }[];
  name_typ: string;
  role_typ: string;
}

export const PRINCIPAL_HEADERS = [
  "x-ms-client-principal",
  "x-ms-client-principal-id",
  "x-ms-client-principal-name",
  "x-ms-client-principal-idp",
];

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * The principal of a validated token: user tokens are named by `name`/`preferred_username`/`upn`, app-only ones by
 * their client id.
 */
export function principalOf(claims: Record<string, unknown>): Principal {
  return {
    claims,
    id: str(claims.oid) ?? str(claims.sub),
    name:
      str(claims.name) ??
      str(claims.preferred_username) ??
      str(claims.upn) ??
      str(claims.unique_name) ??
      str(claims.azp) ??
      str(claims.appid),
    idp: "aad",
  };
}

export function clientPrincipalDocument(p: Principal): ClientPrincipalDocument {
  const claims = Object.entries(p.claims).flatMap(([typ, v]) =>
    (Array.isArray(v) ? v : [v])
      .filter((x) => x !== undefined && x !== null)
      .map((x) => ({ typ, val: typeof x === "string" ? x : typeof x === "object" ? JSON.stringify(x) : String(x) })),
  );
  return { auth_typ: p.idp, claims, name_typ: "name", role_typ: "roles" };
}

/** The headers the platform injects for an authenticated request. */
export function principalHeaders(p: Principal): Record<string, string> {
  const doc = Buffer.from(JSON.stringify(clientPrincipalDocument(p)), "utf8").toString("base64");
  return {
    "x-ms-client-principal": doc,
    "x-ms-client-principal-idp": p.idp,
    ...(p.id ? { "x-ms-client-principal-id": p.id } : {}),
    ...(p.name ? { "x-ms-client-principal-name": p.name } : {}),
  };
}

/** Decodes `X-MS-CLIENT-PRINCIPAL` as app code does; undefined when absent or not the platform's shape. */
export function readClientPrincipal(header: string | undefined): ClientPrincipalDocument | undefined {
  if (!header) return undefined;
  try {
    const doc = JSON.parse(Buffer.from(header, "base64").toString("utf8")) as Partial<ClientPrincipalDocument>;
    if (!Array.isArray(doc.claims)) return undefined;
    return {
      auth_typ: String(doc.auth_typ ?? ""),
      claims: doc.claims.filter((c) => typeof c?.typ === "string" && typeof c.val === "string"),
      name_typ: String(doc.name_typ ?? "name"),
      role_typ: String(doc.role_typ ?? "roles"),
    };
  } catch {
    return undefined;
  }
}

const SCOPE_TYPES = ["scp", "http://schemas.microsoft.com/identity/claims/scope"];

/** Delegated scopes: `scp` is one space-separated string (access token claims reference). */
export function scopeValues(doc: ClientPrincipalDocument): string[] {
  return doc.claims.filter((c) => SCOPE_TYPES.includes(c.typ)).flatMap((c) => c.val.split(" ").filter(Boolean));
}

/** App roles: one claim per role, of the document's `role_typ` (or the JWT's `roles`). */
export function roleValues(doc: ClientPrincipalDocument): string[] {
  return doc.claims.filter((c) => c.typ === doc.role_typ || c.typ === "roles").map((c) => c.val);
}
