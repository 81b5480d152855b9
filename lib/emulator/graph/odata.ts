import type { Ctx } from "../http.ts";
import { GraphFault } from "./errors.ts";
import type { EntitySet } from "./state.ts";

export type KeyProp = "id" | "appId" | "uniqueName";
/** The app role assignment navigations of a service principal: made on it, or held by it. */
export type AssignmentNav = "appRoleAssignedTo" | "appRoleAssignments";
export interface Target {
  set: EntitySet;
  key?: { prop: KeyProp; value: string };
  /** `/servicePrincipals/{id}/appRoleAssignedTo[/{assignmentId}]` and the same for `appRoleAssignments`. */
  nav?: { name: AssignmentNav; id?: string };
}

const SETS: Record<string, EntitySet> = {
  applications: "applications",
  serviceprincipals: "servicePrincipals",
  oauth2permissiongrants: "oauth2PermissionGrants",
};
const ALTERNATE_KEYS: Record<EntitySet, KeyProp[]> = {
  applications: ["appId", "uniqueName"],
  servicePrincipals: ["appId"],
  oauth2PermissionGrants: [],
};

const NAVS: Record<string, AssignmentNav> = {
  approleassignedto: "appRoleAssignedTo",
  approleassignments: "appRoleAssignments",
};

const unquote = (s: string) => s.slice(1, -1).replace(/''/g, "'");
const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/**
 * `/applications`, `/applications/{id}`, `/applications('{id}')` and the alternate keys declared in the CSDL:
 * `/applications(appId='…')`, `/applications(uniqueName='…')`, `/servicePrincipals(appId='…')` (docs/contracts/graph.md §2.5).
 * The SDK sends quotes and parentheses literally in the path.
 */
export function parseTarget(path: string): Target {
  const m = /^\/(\w+)(?:\(([^)]*)\)|\/([^/]+))?(?:\/(\w+)(?:\/([^/]+))?)?\/?$/.exec(path);
  const set = m && SETS[m[1]!.toLowerCase()];
  const navName = m?.[4] && NAVS[m[4].toLowerCase()];
  if (!m || !set || (m[4] !== undefined && (!navName || set !== "servicePrincipals"))) {
    // Graph names the first segment it cannot follow: `me`, or a navigation after a known key (`owners`, or
    // `appRoleAssignedTo` on an application).
    const segments = path.split("/").filter(Boolean);
    const known = segments[0] !== undefined && SETS[segments[0].replace(/\(.*$/, "").toLowerCase()] !== undefined;
    const segment = (set && m[4]) || ((known ? segments[segments.length - 1] : segments[0]) ?? "");
    throw new GraphFault(400, "BadRequest", `Resource not found for the segment '${decode(segment)}'.`);
  }
  const target = keyOf(set, m[2], m[3]);
  if (!navName) return target;
  // A navigation starts from one object (the regex reads `/servicePrincipals/x` as a key, so this is a guard).
  if (!target.key) throw new GraphFault(400, "BadRequest", `Resource not found for the segment '${m[1]}'.`);
  return { ...target, nav: { name: navName, ...(m[5] !== undefined ? { id: decode(m[5]) } : {}) } };
}

function keyOf(set: EntitySet, parenthesized: string | undefined, segment: string | undefined): Target {
  if (segment !== undefined) return { set, key: { prop: "id", value: decode(segment) } };
  if (parenthesized === undefined) return { set };
  const text = decode(parenthesized);
  const alt = /^(\w+)=('(?:[^']|'')*')$/.exec(text);
  if (alt) {
    const prop = ALTERNATE_KEYS[set].find((p) => p.toLowerCase() === alt[1]!.toLowerCase());
    if (!prop)
      throw new GraphFault(400, "BadRequest", `The key property '${alt[1]}' is not an alternate key of '${set}'.`);
    return { set, key: { prop, value: unquote(alt[2]!) } };
  }
  const id = /^'(?:[^']|'')*'$/.test(text) ? unquote(text) : text;
  return { set, key: { prop: "id", value: id } };
}

/** Properties each set supports in `$filter`; `any` marks string collections filtered with `/any(x:x eq '…')`. */
const FILTERABLE: Record<EntitySet | "appRoleAssignments", { scalar: string[]; any: string[]; resource: string }> = {
  applications: {
    scalar: ["id", "appId", "uniqueName", "displayName", "signInAudience", "publisherDomain"],
    any: ["identifierUris", "tags"],
    resource: "Application",
  },
  servicePrincipals: {
    scalar: ["id", "appId", "displayName", "accountEnabled", "servicePrincipalType", "appOwnerOrganizationId"],
    any: ["servicePrincipalNames", "tags"],
    resource: "ServicePrincipal",
  },
  // "clientId, consentType, principalId and resourceId support $filter eq" (docs/contracts/graph.md §3.4).
  oauth2PermissionGrants: {
    scalar: ["id", "clientId", "consentType", "principalId", "resourceId"],
    any: [],
    resource: "OAuth2PermissionGrant",
  },
  // Assignment lists (appRoleAssignedTo, appRoleAssignments): `eq` on the ids naming both sides and the role.
  appRoleAssignments: {
    scalar: ["id", "principalId", "resourceId", "appRoleId", "principalType"],
    any: [],
    resource: "AppRoleAssignment",
  },
};

type Item = Record<string, unknown>;
type Pred = (item: Item) => boolean;
type Literal = string | number | boolean | null;

const same = (a: unknown, b: Literal) =>
  typeof a === "string" && typeof b === "string" ? a.toLowerCase() === b.toLowerCase() : a === b;

/** Parses the subset of OData `$filter` directory queries use without advanced query parameters. */
export function parseFilter(raw: string | null, set: keyof typeof FILTERABLE): Pred | undefined {
  if (raw === null || raw.trim() === "") return undefined;
  const spec = FILTERABLE[set];
  const tokens = raw.match(/'(?:[^']|'')*'|[A-Za-z_$][\w.$]*|-?\d+(?:\.\d+)?|[(),/:]|\S/g) ?? [];
  let i = 0;
  const bad = (why: string) => new GraphFault(400, "BadRequest", `Invalid filter clause: ${why}`);
  const peek = () => tokens[i]?.toLowerCase();
  const take = (expected?: string): string => {
    const t = tokens[i++];
    if (t === undefined || (expected !== undefined && t.toLowerCase() !== expected))
      throw bad(`expected '${expected ?? "a token"}' at position ${i}.`);
    return t;
  };
  const unsupported = (prop: string) =>
    new GraphFault(
      400,
      "Request_UnsupportedQuery",
      `Unsupported or invalid query filter clause specified for property '${prop}' of resource '${spec.resource}'.`,
    );
  const literal = (): Literal => {
    const t = take();
    if (t.startsWith("'")) return unquote(t);
    if (/^-?\d/.test(t)) return Number(t);
    const word = { true: true, false: false, null: null }[t.toLowerCase()];
    if (word === undefined) throw bad(`unexpected '${t}'.`);
    return word;
  };
  const operator = (): void => {
    const op = take().toLowerCase();
    // Directory objects answer `ne`/`not` only as advanced queries ($count + ConsistencyLevel: eventual).
    if (op === "ne")
      throw new GraphFault(
        400,
        "Request_UnsupportedQuery",
        "Operator 'ne' is not supported because the required parameters might be missing. Try adding $count with a value of true and set the ConsistencyLevel header to eventual.",
      );
    if (op !== "eq") throw bad(`unsupported operator '${op}'.`);
  };
  const primary = (): Pred => {
    if (peek() === "(") {
      take("(");
      const inner = or();
      take(")");
      return inner;
    }
    if (peek() === "startswith") {
      take();
      take("(");
      const prop = take();
      if (!spec.scalar.includes(prop)) throw unsupported(prop);
      take(",");
      const prefix = literal();
      take(")");
      if (typeof prefix !== "string") throw bad("startswith needs a string.");
      const p = prefix.toLowerCase();
      return (it) => typeof it[prop] === "string" && it[prop].toLowerCase().startsWith(p);
    }
    const prop = take();
    if (peek() === "/") {
      take("/");
      take("any");
      take("(");
      const v = take();
      take(":");
      if (take() !== v) throw bad("lambda must compare its variable.");
      operator();
      const value = literal();
      take(")");
      if (!spec.any.includes(prop)) throw unsupported(prop);
      return (it) => Array.isArray(it[prop]) && (it[prop] as unknown[]).some((x) => same(x, value));
    }
    if (!spec.scalar.includes(prop)) throw unsupported(prop);
    operator();
    const value = literal();
    return (it) => same(it[prop] ?? null, value);
  };
  const and = (): Pred => {
    if (peek() === "not")
      throw new GraphFault(
        400,
        "Request_UnsupportedQuery",
        "Operator 'not' is not supported because the required parameters might be missing. Try adding $count with a value of true and set the ConsistencyLevel header to eventual.",
      );
    let left = primary();
    while (peek() === "and") {
      take();
      const l = left,
        r = primary();
      left = (it) => l(it) && r(it);
    }
    return left;
  };
  const or = (): Pred => {
    let left = and();
    while (peek() === "or") {
      take();
      const l = left,
        r = and();
      left = (it) => l(it) || r(it);
    }
    return left;
  };
  const pred = or();
  if (i < tokens.length) throw bad(`unexpected '${tokens[i]}'.`);
  return pred;
}

/** One page of a collection; the next link is an absolute https URL on the same host (docs/contracts/graph.md §6). */
export function page<T>(ctx: Ctx, items: T[], pageSize: number, baseUrl: string): { value: T[]; nextLink?: string } {
  const topRaw = ctx.query.get("$top");
  const top = topRaw === null ? pageSize : Number(topRaw);
  if (!Number.isInteger(top) || top < 1 || top > 999)
    throw new GraphFault(
      400,
      "Request_UnsupportedQuery",
      `Invalid page size specified: '${topRaw}'. Must be between 1 and 999 inclusive.`,
    );
  const token = ctx.query.get("$skiptoken");
  let offset = 0;
  if (token !== null) {
    offset = Number(
      Buffer.from(token, "base64url")
        .toString("utf8")
        .replace(/^offset:/, ""),
    );
    if (!Number.isInteger(offset) || offset < 0) throw new GraphFault(400, "Request_BadRequest", "Invalid skip token.");
  }
  const value = items.slice(offset, offset + top);
  if (offset + top >= items.length) return { value };
  const query = [...ctx.query.entries()]
    .filter(([k]) => k !== "$skiptoken")
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
  query.push(`$skiptoken=${Buffer.from(`offset:${offset + top}`).toString("base64url")}`);
  return { value, nextLink: `${baseUrl}${ctx.path}?${query.join("&")}` };
}
