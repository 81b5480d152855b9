import { isObject } from "../http.ts";
import { CSDL_TYPES } from "./csdl-types.ts";
import { GraphFault, invalidProperty, invalidValue, readOnly } from "./errors.ts";

export type Json = Record<string, unknown>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGuid = (v: unknown): v is string => typeof v === "string" && GUID.test(v);

interface PropType {
  /** Element type name for collections, the type name otherwise. */
  type: string;
  collection: boolean;
  nullable: boolean;
}

export function propType(typeName: string, property: string): PropType | undefined {
  const spec = CSDL_TYPES[typeName]?.[property];
  if (!spec) return undefined;
  const nullable = !spec.endsWith("!");
  const bare = nullable ? spec : spec.slice(0, -1);
  const collection = bare.startsWith("[");
  return { type: collection ? bare.slice(1, -1) : bare, collection, nullable };
}

const resourceName = (typeName: string) => typeName.charAt(0).toUpperCase() + typeName.slice(1);

function primitiveOk(type: string, v: unknown): boolean {
  switch (type) {
    case "string":
    case "date":
    case "binary":
      return typeof v === "string";
    case "guid":
      return isGuid(v);
    case "boolean":
      return typeof v === "boolean";
    case "int32":
      return Number.isInteger(v);
    default:
      // Enum types arrive as their member names.
      return typeof v === "string";
  }
}

/**
 * Checks a request body against the declared properties of `typeName`: undeclared names and wrongly typed
 * values are refused as Graph refuses them (docs/contracts/graph.md §2.3), and `readOnlyTop` names are refused at the
 * top level (docs/contracts/graph.md §1.2 "read-only, never send"). Complex values are checked recursively.
 */
export function checkBody(body: Json, typeName: string, readOnlyTop: ReadonlySet<string>, path: string[] = []): void {
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith("@odata.")) continue;
    const p = propType(typeName, key);
    if (!p) {
      // Complex types without declared members (customSecurityAttributeValue) are open.
      if (CSDL_TYPES[typeName] && Object.keys(CSDL_TYPES[typeName]!).length > 0) throw invalidProperty([...path, key]);
      continue;
    }
    if (path.length === 0 && (readOnlyTop.has(key) || p.type === "stream")) throw readOnly(key);
    checkValue(value, p, typeName, key, [...path, key]);
  }
}

function checkValue(value: unknown, p: PropType, owner: string, key: string, path: string[]): void {
  if (value === null) {
    if (!p.nullable) throw invalidValue(key, resourceName(owner));
    return;
  }
  const items = p.collection ? value : [value];
  if (!Array.isArray(items)) throw invalidValue(key, resourceName(owner));
  for (const item of items) {
    if (CSDL_TYPES[p.type]) {
      if (!isObject(item)) throw invalidValue(key, resourceName(owner));
      checkBody(item, p.type, new Set(), path);
    } else if (item === null || !primitiveOk(p.type, item)) {
      throw invalidValue(key, resourceName(owner));
    }
  }
}

/** `$select`: a comma list of declared properties; anything else is Request_UnsupportedQuery (error-examples.json). */
export function parseSelect(raw: string | null, typeName: string): string[] | undefined {
  if (raw === null || raw.trim() === "") return undefined;
  const names = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    const p = propType(typeName, n);
    if (!p || p.type === "stream") {
      throw new GraphFault(
        400,
        "Request_UnsupportedQuery",
        `Property '${n}' does not exist as a declared property or extension property.`,
      );
    }
  }
  return names;
}

export function project(item: Json, select: string[] | undefined): Json {
  if (!select) return item;
  return Object.fromEntries(select.filter((k) => k in item).map((k) => [k, item[k]]));
}

export function requireObject(body: unknown): Json {
  if (!isObject(body)) throw new GraphFault(400, "BadRequest", "Empty Payload. JSON content expected.");
  return body;
}
