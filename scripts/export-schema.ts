import { writeFileSync } from "node:fs";
import { fleetJsonSchemaText } from "../lib/config/json-schema.ts";
import { fieldReferenceMarkdown } from "../lib/config/field-reference.ts";
import { runScript } from "../lib/cli/main.ts";

const spec = {
  name: "export-schema",
  summary: "Writes config/schema.json and docs/configuration-reference.md from the config's zod schema.",
  options: {},
} as const;

// Regenerates config/schema.json from the zod schema (test/unit/config-schema.test.ts fails when it is stale).
runScript(spec, async () => {
  writeFileSync(new URL("../config/schema.json", import.meta.url), fleetJsonSchemaText());
  writeFileSync(new URL("../docs/configuration-reference.md", import.meta.url), fieldReferenceMarkdown());
  process.stderr.write("wrote config/schema.json and docs/configuration-reference.md\n");
  return 0;
});
