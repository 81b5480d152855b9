import { route, type Ctx, type Route } from "../http.ts";
import { ServiceError } from "../service-error.ts";
import { resourceGroupNotFound } from "./errors.ts";
import { sendPage, targetOf, type ArmEnv, type Target } from "./model.ts";

/**
 * Resources - List (`GET /subscriptions/{id}/resources`, and per resource group) with ARM's `$filter`
 * (https://learn.microsoft.com/en-us/rest/api/resources/resources/list): `eq`/`ne` on location, resourceType, name
 * and resourceGroup, `substringof('x', name|resourceGroup)`, joined by `and`/`or`; or a tag filter
 * (`tagName eq 'k'`, optionally `and tagValue eq 'v'`) on its own: combined with anything else ARM answers 400
 * InvalidFilterInQueryString (Azure/azure-cli#7674), and results filtered by tag carry no `tags`.
 */

interface Resource {
  id: string;
  name: string;
  type: string;
  kind: string;
  location: string;
  tags: Record<string, string>;
  resourceGroup: string;
}

type Predicate = (r: Resource) => boolean;

const invalidFilter = (filter: string): ServiceError =>
  new ServiceError(400, "InvalidFilterInQueryString", `Invalid $filter '${filter}' specified in the query string.`);

const PROPERTIES: Record<string, (r: Resource) => string> = {
  location: (r) => r.location,
  resourcetype: (r) => r.type,
  name: (r) => r.name,
  resourcegroup: (r) => r.resourceGroup,
};
const SUBSTRING_PROPERTIES = new Set(["name", "resourcegroup"]);

/** Tokens of an OData filter: quoted strings (a doubled quote inside), words, parentheses, commas. */
function tokenize(filter: string): string[] | undefined {
  const tokens: string[] = [];
  const re = /\s*('(?:[^']|'')*'|[A-Za-z_/]+|\(|\)|,)/y;
  let at = 0;
  while (at < filter.length) {
    if (/^\s*$/.test(filter.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(filter);
    if (!m) return undefined;
    tokens.push(m[1]!);
    at = re.lastIndex;
  }
  return tokens;
}

const literal = (t: string | undefined): string | undefined =>
  t && t.length >= 2 && t.startsWith("'") && t.endsWith("'") ? t.slice(1, -1).replaceAll("''", "'") : undefined;

/** `tagName eq 'k'` or `tagName eq 'k' and tagValue eq 'v'`, as the whole filter. */
function tagFilter(tokens: string[]): Predicate | undefined {
  const lower = tokens.map((t) => t.toLowerCase());
  if (lower[0] !== "tagname" || lower[1] !== "eq") return undefined;
  const name = literal(tokens[2]);
  if (name === undefined) return undefined;
  if (tokens.length === 3) return (r) => name in r.tags;
  if (tokens.length !== 7 || lower[3] !== "and" || lower[4] !== "tagvalue" || lower[5] !== "eq") return undefined;
  const value = literal(tokens[6]);
  return value === undefined ? undefined : (r) => r.tags[name] === value;
}

/** Recursive descent over `or` (lowest), `and`, then comparisons, `substringof(…)` and parentheses. */
function expression(tokens: string[]): Predicate | undefined {
  let i = 0;
  const peek = () => tokens[i]?.toLowerCase();
  const term = (): Predicate | undefined => {
    if (peek() === "(") {
      i++;
      const inner = or();
      if (peek() !== ")") return undefined;
      i++;
      return inner;
    }
    if (peek() === "substringof") {
      if (tokens[i + 1] !== "(" || tokens[i + 3] !== "," || tokens[i + 5] !== ")") return undefined;
      const value = literal(tokens[i + 2])?.toLowerCase();
      const prop = tokens[i + 4]?.toLowerCase() ?? "";
      if (value === undefined || !SUBSTRING_PROPERTIES.has(prop)) return undefined;
      i += 6;
      return (r) => PROPERTIES[prop]!(r).toLowerCase().includes(value);
    }
    const get = PROPERTIES[peek() ?? ""];
    const op = tokens[i + 1]?.toLowerCase();
    const value = literal(tokens[i + 2])?.toLowerCase();
    if (!get || (op !== "eq" && op !== "ne") || value === undefined) return undefined;
    i += 3;
    return op === "eq" ? (r) => get(r).toLowerCase() === value : (r) => get(r).toLowerCase() !== value;
  };
  const and = (): Predicate | undefined => {
    let left = term();
    while (left && peek() === "and") {
      i++;
      const right = term();
      if (!right) return undefined;
      const l = left;
      left = (r) => l(r) && right(r);
    }
    return left;
  };
  const or = (): Predicate | undefined => {
    let left = and();
    while (left && peek() === "or") {
      i++;
      const right = and();
      if (!right) return undefined;
      const l = left;
      left = (r) => l(r) || right(r);
    }
    return left;
  };
  const result = or();
  return result && i === tokens.length ? result : undefined;
}

/** The predicate of a `$filter`, whether it filtered by tag, or a 400 in ARM's words. */
export function parseResourceFilter(filter: string | null): { match: Predicate; byTag: boolean } {
  if (filter === null || filter.trim() === "") return { match: () => true, byTag: false };
  const tokens = tokenize(filter);
  if (!tokens) throw invalidFilter(filter);
  const byTag = tagFilter(tokens);
  if (byTag) return { match: byTag, byTag: true };
  if (tokens.some((t) => /^tag(name|value)$/i.test(t))) throw invalidFilter(filter);
  const match = expression(tokens);
  if (!match) throw invalidFilter(filter);
  return { match, byTag: false };
}

function resourceOf(t: Target): Resource {
  return {
    id: t.id,
    name: t.armName,
    type: t.type,
    kind: t.site.kind,
    location: t.site.location,
    tags: t.app.tags,
    resourceGroup: t.site.resourceGroup,
  };
}

function list(env: ArmEnv, ctx: Ctx, rg?: string): void {
  const { match, byTag } = parseResourceFilter(ctx.query.get("$filter"));
  const resources = env.state
    .sitesIn(ctx.params.subscriptionId!, rg)
    .flatMap((site) => [targetOf(site), ...[...site.slots.values()].map((slot) => targetOf(site, slot))])
    .map(resourceOf)
    .filter(match)
    .map(({ resourceGroup: _, tags, ...r }) => (byTag ? r : { ...r, tags }));
  sendPage(env, ctx, resources);
}

export function genericResourceRoutes(env: ArmEnv): Route[] {
  return [
    route("GET", "/subscriptions/{subscriptionId}/resources", (ctx) => list(env, ctx)),
    route("GET", "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/resources", (ctx) => {
      const rg = env.state.resourceGroup(ctx.params.subscriptionId!, ctx.params.resourceGroupName!);
      if (!rg) return resourceGroupNotFound(ctx, ctx.params.resourceGroupName!);
      list(env, ctx, rg.name);
    }),
  ];
}
