import { randomUUID } from "node:crypto";
import type { Directory, FederatedClaims } from "../directory.ts";
import { jsonBody } from "../http.ts";
import { lookup, requireVisible, type Req } from "./collection.ts";
import { GraphFault, invalidProperty, notFound, sendJson } from "./errors.ts";
import type { Application, Stored } from "./model.ts";
import { requireObject } from "./schema.ts";
import type { GraphState } from "./state.ts";

/** A federatedIdentityCredential, v1.0 shape (learn.microsoft.com/graph/api/resources/federatedidentitycredential). */
export interface FederatedIdentityCredential {
  id: string;
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  description: string | null;
}

// `federatedIdentityCredentials` is a navigation of the application, not one of its properties: GET /applications
// never lists it, so the credentials are kept beside the applications (by object id), per Graph state.
const stores = new WeakMap<GraphState, Map<string, FederatedIdentityCredential[]>>();
function credentialsOf(state: GraphState, appObjectId: string): FederatedIdentityCredential[] {
  const m = stores.get(state) ?? new Map<string, FederatedIdentityCredential[]>();
  stores.set(state, m);
  return m.get(appObjectId.toLowerCase()) ?? [];
}
function store(state: GraphState, appObjectId: string, list: FederatedIdentityCredential[]): void {
  stores.get(state)!.set(appObjectId.toLowerCase(), list);
}

// "A maximum of 20 federated identity credentials can be added to an application"; name ≤ 120 characters; issuer,
// subject, audience and description ≤ 600 (learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations,
// learn.microsoft.com/graph/api/resources/federatedidentitycredential).
export const MAX_PER_APPLICATION = 20;
const MAX_NAME = 120;
const MAX_VALUE = 600;
const WRITABLE = new Set(["name", "issuer", "subject", "audiences", "description"]);
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

const bad = (message: string) => new GraphFault(400, "Request_BadRequest", message);

function text(body: Record<string, unknown>, field: string, max: number, required: boolean): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) {
    if (required) throw bad(`Property '${field}' is required for a FederatedIdentityCredential.`);
    return undefined;
  }
  if (typeof v !== "string")
    throw bad(`Invalid value specified for property '${field}' of resource 'FederatedIdentityCredential'.`);
  if (required && !v.trim()) throw bad(`Property '${field}' is required for a FederatedIdentityCredential.`);
  if (v.length > max) throw bad(`Property '${field}' exceeds the maximum length of ${max} characters.`);
  return v;
}

function application(r: Req): Stored<Application> {
  return requireVisible(r.env, r.target, lookup(r.env, r.target)) as Stored<Application>;
}

function context(r: Req, app: Application, entity: boolean): string {
  return `${r.env.baseUrl()}/${r.version}/$metadata#applications('${app.id}')/federatedIdentityCredentials${entity ? "/$entity" : ""}`;
}

/** The credential `idOrName` names: "You can also address the federated identity credential with either its id or name". */
function find(list: FederatedIdentityCredential[], idOrName: string): FederatedIdentityCredential | undefined {
  const key = decodeURIComponent(idOrName).toLowerCase();
  return list.find((c) => c.id.toLowerCase() === key || c.name.toLowerCase() === key);
}

/**
 * `POST /applications/{id}/federatedIdentityCredentials` (learn.microsoft.com/graph/api/application-post-federatedidentitycredentials):
 * 201 with the credential. A name already used on the application is 409 Request_MultipleObjectsWithSameKeyValue
 * (Azure/azure-dev#1482); an issuer and subject already used, 400 InvalidFederatedIdentityCredentialValue
 * (Azure/azure-workload-identity#434); `audiences` takes exactly one value.
 */
function create(r: Req, app: Application): void {
  const body = requireObject(jsonBody(r.ctx) ?? {});
  for (const key of Object.keys(body))
    if (!WRITABLE.has(key) && !key.startsWith("@odata.")) throw invalidProperty([key]);
  const name = text(body, "name", MAX_NAME, true)!;
  if (!NAME.test(name))
    throw bad(`Invalid value specified for property 'name' of resource 'FederatedIdentityCredential'.`);
  const issuer = text(body, "issuer", MAX_VALUE, true)!;
  const subject = text(body, "subject", MAX_VALUE, true)!;
  const description = text(body, "description", MAX_VALUE, false) ?? null;
  const audiences = body.audiences;
  if (!Array.isArray(audiences) || audiences.length !== 1 || typeof audiences[0] !== "string" || !audiences[0])
    throw bad("Property 'audiences' must hold exactly one value for a FederatedIdentityCredential.");
  if (audiences[0].length > MAX_VALUE)
    throw bad(`Property 'audiences' exceeds the maximum length of ${MAX_VALUE} characters.`);
  const list = credentialsOf(r.env.state, app.id);
  if (list.some((c) => c.name.toLowerCase() === name.toLowerCase()))
    throw new GraphFault(
      409,
      "Request_MultipleObjectsWithSameKeyValue",
      `FederatedIdentityCredential with name ${name} already exists.`,
    );
  if (list.some((c) => c.issuer === issuer && c.subject === subject))
    throw new GraphFault(
      400,
      "InvalidFederatedIdentityCredentialValue",
      `The combination of issuer and subject must be unique for the application. Issuer ${issuer} and Subject: ${subject} already exist. paramName: FederatedIdentityCredential.Subject, paramValue: ${subject}, objectType: Microsoft.Online.DirectoryServices.Application`,
    );
  if (list.length >= MAX_PER_APPLICATION)
    throw bad(
      `The application already has the maximum of ${MAX_PER_APPLICATION} federated identity credentials; remove one first.`,
    );
  const made: FederatedIdentityCredential = {
    id: randomUUID(),
    name,
    issuer,
    subject,
    audiences: [audiences[0]],
    description,
  };
  store(r.env.state, app.id, [...list, made]);
  sendJson(r.ctx, 201, { "@odata.context": context(r, app, true), ...made });
}

/**
 * `/applications/{id}/federatedIdentityCredentials[/{id or name}]`: list (GET), create (POST), read one (GET) and
 * delete (DELETE → 204) (learn.microsoft.com/graph/api/application-list-federatedidentitycredentials,
 * …/federatedidentitycredential-get, …/federatedidentitycredential-delete).
 */
export function federatedCredentials(r: Req, idOrName: string | undefined): void {
  const stored = application(r);
  const app = stored.data;
  const list = credentialsOf(r.env.state, app.id);
  const method = r.ctx.method;
  if (idOrName === undefined) {
    if (method === "GET") return sendJson(r.ctx, 200, { "@odata.context": context(r, app, false), value: list });
    if (method === "POST") return create(r, app);
  } else {
    const hit = find(list, idOrName);
    if (method === "GET" || method === "DELETE") {
      if (!hit) throw notFound(decodeURIComponent(idOrName));
      if (method === "GET") return sendJson(r.ctx, 200, { "@odata.context": context(r, app, true), ...hit });
      store(
        r.env.state,
        app.id,
        list.filter((c) => c !== hit),
      );
      return sendJson(r.ctx, 204);
    }
  }
  throw new GraphFault(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri.");
}

/**
 * Whether an application of `state` with appId `clientId` trusts the assertion: one of its credentials has the
 * assertion's issuer, subject and audience. Matching is case-sensitive
 * (learn.microsoft.com/entra/identity-platform/reference-breaking-changes, "Federated identity credentials now use
 * case-sensitive matching"). Undefined when no application has that appId.
 */
export function checkFederated(
  state: GraphState,
  clientId: string,
  claims: FederatedClaims | undefined,
): { ok: true; objectId: string } | { ok: false } | undefined {
  const stored = state.findApplication("appId", clientId);
  if (!stored) return undefined;
  if (!claims) return { ok: false };
  const hit = credentialsOf(state, stored.data.id).some(
    (c) => c.issuer === claims.iss && c.subject === claims.sub && c.audiences.includes(claims.aud),
  );
  return hit ? { ok: true, objectId: stored.data.id } : { ok: false };
}

/** Lets the token endpoint accept federated assertions the applications' credentials trust. */
export function registerFederatedCredentials(dir: Directory, state: GraphState): void {
  dir.federatedCheckers.push((clientId, claims) => checkFederated(state, clientId, claims));
}
