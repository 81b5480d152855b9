import type { ConfigSlice } from "../../pipeline/contract.ts";
import { deepMerge } from "../../pipeline/merge.ts";
import { checkClientSecrets } from "./policy.ts";
import { clientSecretSchema, SECRET_ONLY_FIELDS, type ClientSecretConfig } from "./schema.ts";

/** `defaults.clientSecret` without the rotation fields, for an app that signs in with a managed identity. */
function defaultsFor(
  own: ClientSecretConfig,
  defaults: ClientSecretConfig | undefined,
): ClientSecretConfig | undefined {
  if ((own.credential ?? defaults?.credential) !== "managedIdentity" || !defaults) return defaults;
  const kept: Record<string, unknown> = { ...defaults };
  for (const f of SECRET_ONLY_FIELDS) delete kept[f];
  return kept as ClientSecretConfig;
}

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
    // Defaults alone never make an app rotate a client secret: only apps with a block of their own do. The defaults'
    // rotation fields (vaultUrl, maxAge…) do not apply to an app that signs in with a managed identity; its own are refused.
    resolve: (own, defaults) => (own === undefined ? undefined : deepMerge(defaultsFor(own, defaults), own)),
    crossCheck: checkClientSecrets,
  };
