import { fleetJsonSchema } from "./json-schema.ts";

type Node = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, Node>;
  items?: Node;
  anyOf?: Node[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  additionalProperties?: Node | boolean;
};

function typeOf(n: Node): string {
  if (n.const !== undefined) return JSON.stringify(n.const);
  if (n.enum) return n.enum.map((e) => JSON.stringify(e)).join(" \\| ");
  if (n.anyOf) return n.anyOf.map(typeOf).join(" \\| ");
  if (n.type === "array") return `${n.items ? typeOf(n.items) : "any"}[]`;
  return Array.isArray(n.type) ? n.type.join(" \\| ") : (n.type ?? "any");
}

function walk(n: Node, path: string, rows: string[]): void {
  const objectBranch = n.anyOf?.find((b) => b.properties);
  if (path)
    rows.push(
      `| \`${path}\` | ${typeOf(n)} | ${(n.description ?? objectBranch?.description ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ")} |`,
    );
  const props = n.properties ?? objectBranch?.properties;
  for (const [k, child] of Object.entries(props ?? {})) walk(child, path ? `${path}.${k}` : k, rows);
  // Lists of objects (apps[], keys[]): their fields are documented as `apps[].name`.
  const itemProps = n.type === "array" ? n.items?.properties : undefined;
  for (const [k, child] of Object.entries(itemProps ?? {})) walk(child, `${path}[].${k}`, rows);
}

/** docs/configuration-reference.md: every config field with its type and description, generated from the schema. */
export function fieldReferenceMarkdown(): string {
  const rows: string[] = [];
  walk(fleetJsonSchema() as Node, "", rows);
  return [
    "# Configuration reference",
    "",
    "Generated from the zod schema by `npm run schema` (a test fails when this file is stale). Narrative: [configuration.md](configuration.md).",
    "",
    "| field | type | description |",
    "|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}
