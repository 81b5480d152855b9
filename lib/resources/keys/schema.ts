import { z } from "zod";
import { DURATION_PATTERN, durationProblem } from "../keys/duration.ts";

// No zod defaults here (as in ../auth/schema.ts): `defaults.keys` is merged under each app's `keys` after parsing, and
// a default filled in at the app level would override the fleet's explicit value. lib/resources/keys/policy.ts applies them.

const duration = z
  .string()
  .regex(
    DURATION_PATTERN,
    "must be a duration such as 30d, 4h30m, 90m or 45s, or ISO 8601 such as P30D or PT4H30M (no years or months)",
  )
  .superRefine((v, ctx) => {
    const problem = durationProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .describe("A duration, more than 0 and at most 3650d: 30d, 4h30m, 90m, 45s, or ISO 8601 (P30D, PT4H30M, P1DT12H)");

/** A Key Vault URL or `fromEnv`: the keys' and the client secret's `vaultUrl`. */
export const vaultUrl = z
  .union([
    z.literal("fromEnv"),
    z
      .string()
      .regex(
        /^https:\/\/[A-Za-z0-9.-]+(:\d+)?\/?$/,
        "must be a vault URL such as https://kv-apis.vault.azure.net, or 'fromEnv'",
      ),
  ])
  .describe("Key Vault URL (https://<vault>.vault.azure.net); 'fromEnv' reads AZURE_KEYVAULT_URL at run time");

const tags = z
  .record(
    z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be a tag name of letters, digits, '_', '.' or '-'"),
    z.string().max(256, "tag values are at most 256 characters"),
  )
  .describe("Extra tags on every published secret version (Key Vault allows 15 tags in all; the tool uses 9)");

export const rotatedKeySchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(42)
      .describe(
        "Logical key name (e.g. 'apim'); physical keys are named <name>-<yyyymmdd>t<hhmm>z. `_master` and other '_' names need renewInPlace",
      ),
    scope: z
      .enum(["function", "host"])
      .describe("'function': a key of one function; 'host': a host function key valid for every function of the app"),
    function: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_-]{0,127}$/, "must be a function name")
      .optional()
      .describe("The function whose key this is (scope: function only)"),
    slots: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,58}$/, "must be 'production' or a slot name"))
      .optional()
      .describe(
        "Where to rotate: 'production' and/or slot names of the app; default production and every slot the app lists. Each slot has its own keys and secret",
      ),
    vaultUrl: vaultUrl.optional().describe("Key Vault for this key; default keys.vaultUrl"),
    secretName: z
      .string()
      .regex(/^[A-Za-z0-9{}-]{1,127}$/, "must be letters, digits, '-' and {placeholders}")
      .optional()
      .describe(
        "Secret the key is published to; placeholders {site} {slot} {function} {key}. Default '{site}-{slot}-{function}-{key}' (function) or '{site}-{slot}-host-{key}' (host); {slot} is 'production' for the app itself",
      ),
    maxAge: duration
      .optional()
      .describe(
        "Rotate when the newest physical key is older than this (more than 0, at most 3650d); default keys.maxAge, then 30d",
      ),
    grace: duration
      .optional()
      .describe(
        "How long older keys stay valid after the new one is published, shorter than maxAge; default keys.grace, then 4h30m (API Management refreshes Key Vault named values every 4 h)",
      ),
    tags: tags.optional(),
    replaces: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, "must be a key name not starting with '_'"))
      .optional()
      .describe(
        "Existing key names (e.g. a hand-made 'apim') that this rotation takes over: deleted like an old physical key, after the grace period",
      ),
    renewInPlace: z
      .boolean()
      .optional()
      .describe(
        "For `_master` and other '_' host keys, which cannot overlap: regenerate the value in place (callers holding the old value fail at once). Runs also need --allow-no-overlap",
      ),
  })
  .strict();

export const keysSchema = z
  .object({
    vaultUrl: vaultUrl.optional(),
    maxAge: duration.optional().describe("Default maxAge of every rotated key (default 30d)"),
    grace: duration
      .optional()
      .describe(
        "Default grace of every rotated key (default 4h30m, longer than API Management's 4 h Key Vault refresh)",
      ),
    tags: tags.optional(),
    rotate: z
      .array(rotatedKeySchema)
      .optional()
      .describe(
        "The logical keys to rotate on this app (a list in defaults applies to every app that has no list of its own)",
      ),
  })
  .strict();

export type RotatedKeyConfig = z.output<typeof rotatedKeySchema>;
export type KeysConfig = z.output<typeof keysSchema>;
export type KeysConfigInput = z.input<typeof keysSchema>;

/**
 * What a key policy is when the config leaves a field out: the one home of the keys kind's defaults. The grace period
 * outlasts API Management's 4 h Key Vault refresh; secret names carry the slot so slots never share a secret.
 */
export const KEYS_DEFAULTS = {
  maxAge: "30d",
  grace: "4h30m",
  secretName: { function: "{site}-{slot}-{function}-{key}", host: "{site}-{slot}-host-{key}" },
} as const;
