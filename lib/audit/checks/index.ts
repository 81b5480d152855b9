import type { Check } from "../check.ts";
import type { CheckDefinition } from "../finding.ts";
import { authChecks } from "./auth.ts";
import { clientSecretChecks } from "./client-secret.ts";
import { keyChecks } from "./keys.ts";
import { registrationChecks } from "./registration.ts";
import { siteChecks } from "./site.ts";

/** Every check, by area; ids are stable and never reused (docs/audit.md). */
export const CHECKS: readonly Check[] = [
  ...authChecks,
  ...registrationChecks,
  ...siteChecks,
  ...clientSecretChecks,
  ...keyChecks,
].sort((a, b) => a.definition.id.localeCompare(b.definition.id));

export const CHECK_DEFINITIONS: readonly CheckDefinition[] = CHECKS.map((c) => c.definition);
