import { z } from "zod";
import { listPolicySchema, normalizeListPolicy } from "../../pipeline/list-policy.ts";

// The network checklist of App Service's security recommendations (docs/contracts/arm.md §11). No zod defaults: a field the config does not name is not owned, and
// `defaults.site` is merged under each app's block after parsing (a default filled in per app would override the fleet's).

export const TLS_VERSIONS = ["1.0", "1.1", "1.2", "1.3"] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

// YAML reads `minTlsVersion: 1.2` as a number (and `1.0` as 1); ARM wants the string, so both spellings are accepted.
// Values: SupportedTlsVersions in the Web Apps REST API; 1.3 since 2024
// (https://learn.microsoft.com/en-us/azure/app-service/configure-ssl-bindings#enforce-tls-versions).
const tlsVersion = z
  .union([z.enum(TLS_VERSIONS), z.literal(1), z.literal(1.1), z.literal(1.2), z.literal(1.3)], {
    error: "must be '1.0', '1.1', '1.2' or '1.3' (1.2 or higher is recommended)",
  })
  .transform((v): TlsVersion => (typeof v === "number" ? (v.toFixed(1) as TlsVersion) : v));

/** `scheme://host[:port]`: what a browser sends in `Origin` (no path, no trailing slash), so anything else never matches. */
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/\s?#]+$/i;

export const corsSchema = z
  .object({
    allowedOrigins: listPolicySchema
      .optional()
      .describe(
        "siteConfig.cors.allowedOrigins: origins browsers may call from (https://portal.contoso.com). A list adds what is missing; {mode: exact, values} removes the rest. '*' needs allowAnyOrigin: true",
      ),
    supportCredentials: z
      .boolean()
      .optional()
      .describe(
        "siteConfig.cors.supportCredentials: answer Access-Control-Allow-Credentials (cookies, Authorization) to the allowed origins; not allowed with '*'",
      ),
    allowAnyOrigin: z
      .boolean()
      .optional()
      .describe(
        "Set true to allow '*' in allowedOrigins on purpose (any website may call the app from a browser). Not sent to Azure",
      ),
  })
  .strict()
  .superRefine((cors, ctx) => {
    const p = cors.allowedOrigins;
    if (p === undefined) return;
    const values = normalizeListPolicy(p)?.values ?? [];
    const at = (i: number) => (Array.isArray(p) ? ["allowedOrigins", i] : ["allowedOrigins", "values", i]);
    values.forEach((v, i) => {
      if (v === "*") {
        if (cors.allowAnyOrigin !== true) {
          ctx.addIssue({
            code: "custom",
            path: at(i),
            message:
              "'*' lets any website call this app from a browser; list the origins instead, or set allowAnyOrigin: true in this cors block to allow it on purpose",
          });
        }
        if (cors.supportCredentials === true) {
          // Browsers refuse a credentialed response to a wildcard origin (https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS#credentialed_requests_and_wildcards).
          ctx.addIssue({
            code: "custom",
            path: at(i),
            message:
              "'*' cannot be combined with supportCredentials: true (browsers refuse credentials for a wildcard origin); list the origins",
          });
        }
      } else if (v !== "" && !ORIGIN.test(v)) {
        // (An empty string is already reported by the list schema.)
        ctx.addIssue({
          code: "custom",
          path: at(i),
          message: `'${v}' is not an origin: write scheme and host only, as browsers send it (https://portal.contoso.com, no path or trailing slash)`,
        });
      }
    });
  });

export const siteSchema = z
  .object({
    httpsOnly: z.boolean().optional().describe("properties.httpsOnly of the site: redirect HTTP to HTTPS"),
    minTlsVersion: tlsVersion
      .optional()
      .describe(
        "siteConfig.minTlsVersion: lowest TLS version the app accepts ('1.2' recommended; quote it in YAML or write 1.2)",
      ),
    scmMinTlsVersion: tlsVersion
      .optional()
      .describe("siteConfig.scmMinTlsVersion: the same for the SCM (Kudu, deployment) site"),
    ftpsState: z
      .enum(["AllAllowed", "FtpsOnly", "Disabled"], { error: "must be 'AllAllowed', 'FtpsOnly' or 'Disabled'" })
      .optional()
      .describe(
        "siteConfig.ftpsState: 'Disabled' (recommended when nothing deploys over FTP), 'FtpsOnly', or 'AllAllowed' (plain FTP sends credentials in clear)",
      ),
    remoteDebuggingEnabled: z
      .boolean()
      .optional()
      .describe("siteConfig.remoteDebuggingEnabled: keep false outside a debugging session"),
    http20Enabled: z.boolean().optional().describe("siteConfig.http20Enabled: allow HTTP/2"),
    cors: corsSchema.optional().describe("siteConfig.cors: App Service's platform CORS (browser callers)"),
  })
  .strict();

export type SiteConfigInput = z.input<typeof siteSchema>;
export type SiteConfig = z.output<typeof siteSchema>;
export type CorsConfig = z.output<typeof corsSchema>;

/** Parses one site block (for tests and tools that hold a single app's site config). */
export function parseSite(input: SiteConfigInput): SiteConfig {
  return siteSchema.parse(input);
}
