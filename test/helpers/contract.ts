import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";

// Copies of the published spec extracts (MIT, see test/reference/*/LICENSE*), so contract tests run on a clean clone.
const WEB = new URL("../reference/microsoft-web/", import.meta.url);

type Schema = Record<string, unknown>;

function rewriteRefs(node: unknown, closed: boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, closed));
  if (typeof node !== "object" || node === null) return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "$ref" && typeof v === "string")
      out[k] = v.replace("./CommonDefinitions.json#", "common#").replace(/^#\/definitions\//, "web#/definitions/");
    else if (k.startsWith("x-ms-") || k === "example" || k === "discriminator") continue;
    else out[k] = rewriteRefs(v, closed);
  }
  // "Closed" schemas refuse properties the spec does not define, so the emulator cannot invent fields unnoticed.
  if (closed && out.type === "object" && out.properties && !("additionalProperties" in out) && !out.allOf)
    out.additionalProperties = false;
  return out;
}

/** Validators for definitions of the Microsoft.Web spec extract (Swagger 2.0 definitions read as JSON Schema). */
export function webSchemas(opts: { closed?: boolean } = {}): (definition: string) => ValidateFunction {
  const web = JSON.parse(readFileSync(new URL("WebApps.2024-11-01.subset.json", WEB), "utf8")) as Schema;
  const common = JSON.parse(readFileSync(new URL("CommonDefinitions.2024-11-01.subset.json", WEB), "utf8")) as Schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema({ $id: "web", definitions: rewriteRefs(web.definitions, Boolean(opts.closed)) });
  const commonDefs = rewriteRefs(common.definitions, Boolean(opts.closed)) as Record<string, Schema>;
  // The base of allOf stays open: the derived definition adds `properties` beside it.
  delete commonDefs.ProxyOnlyResource!.additionalProperties;
  ajv.addSchema({ $id: "common", definitions: commonDefs });
  return (definition) => {
    const ref = definition.startsWith("common:")
      ? `common#/definitions/${definition.slice(7)}`
      : `web#/definitions/${definition}`;
    const v = ajv.getSchema(ref);
    if (!v) throw new Error(`No definition ${definition}`);
    return v;
  };
}

export function errorsOf(v: ValidateFunction): string {
  return JSON.stringify(v.errors ?? [], null, 1);
}

/** Validator for the `--json` output of every writing command (docs/json-output.schema.json, draft 2020-12). */
export function jsonOutputValidator(): ValidateFunction {
  // Formats (date-time) are not checked: ajv-formats is not a dependency, and createdAt is asserted where it matters.
  return new Ajv2020({ strict: false, validateFormats: false }).compile(
    JSON.parse(readFileSync(new URL("../../docs/json-output.schema.json", import.meta.url), "utf8")) as object,
  );
}
