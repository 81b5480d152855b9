import { z } from "zod";
import { fleetSchema } from "./schema.ts";

/** The JSON Schema of the config file, generated from the zod schema the code validates with. */
export function fleetJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(fleetSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return {
    ...schema,
    $id: "https://github.com/easyauth-fleet/schema/fleet.json",
    title: "easyauth-fleet configuration",
  };
}

export function fleetJsonSchemaText(): string {
  return JSON.stringify(fleetJsonSchema(), null, 2) + "\n";
}
