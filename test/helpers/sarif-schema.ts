import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";

const schemaUrl = new URL("../reference/sarif/sarif-schema-2.1.0.json", import.meta.url);

/**
 * A validator for the vendored official SARIF 2.1.0 schema (draft-07, ajv's default). Strict mode stays on except
 * `strictRequired`: the schema lists `required` names inside `anyOf` branches that declare no `properties` (legal JSON
 * Schema). `unicodeRegExp: false` because its `language` pattern (`...{2}]?$`) has a stray `]`, a literal in ECMA-262
 * regexes without the `u` flag. The formats it uses (uri, uri-reference, date-time) are checked rather than ignored:
 * URIs are exactly what GitHub is picky about.
 */
export function sarifValidator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(schemaUrl, "utf8")) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, unicodeRegExp: false });
  ajv.addFormat("uri", (s: string) => URL.canParse(s));
  ajv.addFormat("uri-reference", (s: string) => URL.canParse(s, "https://base.invalid/") && !/\s/.test(s));
  ajv.addFormat("date-time", (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s));
  return ajv.compile(schema);
}
