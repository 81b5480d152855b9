import type { ConfigSlice } from "../../pipeline/contract.ts";
import { deepMerge } from "../../pipeline/merge.ts";
import { checkKeys } from "./checks.ts";
import { keysSchema, type KeysConfig } from "./schema.ts";

declare module "../../pipeline/contract.ts" {
  interface KindSlices {
    keys: KeysConfig;
  }
}

/** `apps[].keys` under `defaults.keys`: a `rotate` list in defaults applies to every app that has none of its own. */
export const keysSlice: ConfigSlice<typeof keysSchema, typeof keysSchema, KeysConfig> = {
  key: "keys",
  schema: keysSchema.describe("Function/host key rotation policy (rotate-keys)"),
  defaultsSchema: keysSchema,
  resolve: (own, defaults) => deepMerge(defaults, own),
  crossCheck: checkKeys,
};
