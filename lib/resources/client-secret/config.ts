import type { ConfigSlice } from "../../pipeline/contract.ts";
import { deepMerge } from "../../pipeline/merge.ts";
import { checkClientSecrets } from "./policy.ts";
import { clientSecretSchema, type ClientSecretConfig } from "./schema.ts";

declare module "../../pipeline/contract.ts" {
  interface KindSlices {
    clientSecret: ClientSecretConfig;
  }
}

/** `apps[].clientSecret` under `defaults.clientSecret`: defaults apply to apps that have a block of their own. */
export const clientSecretSlice: ConfigSlice<typeof clientSecretSchema, typeof clientSecretSchema, ClientSecretConfig> =
  {
    key: "clientSecret",
    schema: clientSecretSchema.describe("Easy Auth client secret rotation through Key Vault (rotate-keys)"),
    defaultsSchema: clientSecretSchema,
    // Defaults alone never make an app rotate a client secret: only apps with a block of their own do.
    resolve: (own, defaults) => (own === undefined ? undefined : deepMerge(defaults, own)),
    crossCheck: checkClientSecrets,
  };
