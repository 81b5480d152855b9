import { writeFileSync } from "node:fs";
import { fleetJsonSchemaText } from "../lib/config/json-schema.ts";
import { fieldReferenceMarkdown } from "../lib/config/field-reference.ts";
import { runMain } from "../lib/cli/main.ts";

// Regenerates config/schema.json from the zod schema (test/unit/config-schema.test.ts fails when it is stale).
runMain(async (argv) => {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(
      "Usage: tsx scripts/export-schema.ts\n\nWrites config/schema.json and docs/configuration-reference.md from the config's zod schema.\n",
    );
    return 0;
  }
  writeFileSync(new URL("../config/schema.json", import.meta.url), fleetJsonSchemaText());
  writeFileSync(new URL("../docs/configuration-reference.md", import.meta.url), fieldReferenceMarkdown());
  process.stderr.write("wrote config/schema.json and docs/configuration-reference.md\n");
  return 0;
});
