import type { ConfigSlice } from "../../pipeline/contract.ts";
import { deepMerge } from "../../pipeline/merge.ts";
import { registrationChecks } from "./checks.ts";
import { registrationSchema, type RegistrationConfig } from "./schema.ts";

declare module "../../pipeline/contract.ts" {
  interface KindSlices {
    registration: RegistrationConfig;
  }
}

/** `apps[].registration` and `defaults.registration`: defaults apply only to apps that ask for a registration (update-manifest creates them). */
export const registrationSlice: ConfigSlice<typeof registrationSchema, typeof registrationSchema, RegistrationConfig> =
  {
    key: "registration",
    schema: registrationSchema,
    defaultsSchema: registrationSchema,
    resolve: (own, defaults) => (own ? deepMerge(defaults, own) : undefined),
    crossCheck: registrationChecks,
  };
