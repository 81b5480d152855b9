import type { AnyKind } from "../pipeline/contract.ts";
import { authKind } from "./auth/index.ts";
import { clientSecretKind } from "./client-secret/index.ts";
import { keysKind } from "./keys/index.ts";
import { registrationKind } from "./registration/index.ts";
import { siteKind } from "./site/index.ts";

/** The one list of resource kinds, in dependency order: a registration before the Easy Auth that names it. */
// The client secret comes after both: it reads the registration Easy Auth names and its clientSecretSettingName.
export const KINDS: readonly AnyKind[] = [registrationKind, authKind, clientSecretKind, siteKind, keysKind];
