import type { ConfigSlice } from "../../pipeline/contract.ts";
import { deepMerge } from "../../pipeline/merge.ts";
import { authChecks } from "./checks.ts";
import { authSchema, withAuthDefaults, type AuthConfig, type AuthParsed } from "./schema.ts";

declare module "../../pipeline/contract.ts" {
  interface KindSlices {
    auth: AuthConfig;
  }
}

const authDefaultsSchema = authSchema.partial();

/** `apps[].auth` and `defaults.auth`: defaults.auth applies to apps that declare `auth` (even `auth: {}`), never unasked. */
export const authSlice: ConfigSlice<typeof authSchema, typeof authDefaultsSchema, AuthConfig> = {
  key: "auth",
  schema: authSchema.describe("Desired Easy Auth (authsettingsV2); only the fields given here are owned"),
  defaultsSchema: authDefaultsSchema.describe("Merged under every app's auth (app values win, field by field)"),
  resolve: (own, defaults) => (own ? withAuthDefaults(deepMerge<AuthParsed>(defaults, own)!) : undefined),
  crossCheck: authChecks,
};
