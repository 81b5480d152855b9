import { finding, type Check } from "../check.ts";
import type { CheckDefinition, Evidence } from "../finding.ts";
import type { AuditObservations, SiteObservation } from "../observation.ts";

/** Site hardening checks (App Service's network checklist), over what the site kind's observer read. */

const CMD = "configure-site";
const def = (d: Omit<CheckDefinition, "area">): CheckDefinition => ({ area: "site", ...d });

/** A check of one site field: `bad` says whether the observed value is the problem. */
function siteCheck(
  definition: CheckDefinition,
  field: string,
  read: (s: NonNullable<SiteObservation["site"]>) => unknown,
  bad: (v: unknown) => boolean,
  message: (v: unknown) => string,
): Check {
  return {
    definition,
    run: (o: AuditObservations) =>
      o.sites.flatMap((s) => {
        if (!s.site) return [];
        const v = read(s.site);
        if (!bad(v)) return [];
        const evidence: Evidence = { [field]: v === undefined ? null : (v as string | boolean | readonly string[]) };
        return [
          finding(definition, s.target, message(v), evidence, { appIndex: s.appIndex, configPath: `site.${field}` }),
        ];
      }),
  };
}

// TLS versions compare as numbers ("1.0" < "1.2"); an unset minimum is the platform default (1.2 since 2022).
const belowTls12 = (v: unknown) => typeof v === "string" && Number(v) < 1.2;
const origins = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

export const siteChecks: Check[] = [
  siteCheck(
    def({
      id: "EA020",
      severity: "high",
      title: "HTTPS only is off",
      description:
        "httpsOnly false serves the app over plain HTTP too: tokens and function keys travel in clear text to anyone on the path.",
      fix: "Set site.httpsOnly: true, then run configure-site.",
      command: CMD,
      configField: "apps[].site.httpsOnly",
      docsAnchor: "site-hardening",
    }),
    "httpsOnly",
    (s) => s.httpsOnly,
    (v) => v === false,
    () => "the app also answers over plain HTTP",
  ),
  siteCheck(
    def({
      id: "EA021",
      severity: "high",
      title: "Minimum TLS version below 1.2",
      description: "TLS 1.0 and 1.1 are deprecated (RFC 8996); clients that negotiate them are open to known attacks.",
      fix: "Set site.minTlsVersion: '1.2', then run configure-site.",
      command: CMD,
      configField: "apps[].site.minTlsVersion",
      docsAnchor: "site-hardening",
    }),
    "minTlsVersion",
    (s) => s.web.minTlsVersion,
    belowTls12,
    (v) => `the app accepts TLS ${String(v)}`,
  ),
  siteCheck(
    def({
      id: "EA022",
      severity: "medium",
      title: "SCM (Kudu) minimum TLS version below 1.2",
      description:
        "The deployment site (SCM/Kudu) has its own TLS minimum; below 1.2 it accepts deprecated protocols for deployment credentials.",
      fix: "Set site.scmMinTlsVersion: '1.2', then run configure-site.",
      command: CMD,
      configField: "apps[].site.scmMinTlsVersion",
      docsAnchor: "site-hardening",
    }),
    "scmMinTlsVersion",
    (s) => s.web.scmMinTlsVersion,
    belowTls12,
    (v) => `the SCM site accepts TLS ${String(v)}`,
  ),
  siteCheck(
    def({
      id: "EA023",
      severity: "high",
      title: "CORS allows any origin",
      description:
        "allowedOrigins '*' lets any website call the API from a user's browser; for an API behind Easy Auth, list the portals that call it.",
      fix: "List the origins in site.cors.allowedOrigins ({mode: exact, values: [...]}), then run configure-site.",
      command: CMD,
      configField: "apps[].site.cors.allowedOrigins",
      docsAnchor: "site-hardening",
    }),
    "cors.allowedOrigins",
    (s) =>
      typeof s.web.cors === "object" && s.web.cors ? (s.web.cors as Record<string, unknown>).allowedOrigins : undefined,
    (v) => origins(v).includes("*"),
    () => "CORS allows '*': any website may call the app from a browser",
  ),
  siteCheck(
    def({
      id: "EA024",
      severity: "medium",
      title: "Plain FTP is allowed",
      description: "ftpsState AllAllowed accepts plain FTP, which sends the deployment credentials in clear text.",
      fix: "Set site.ftpsState: Disabled (or FtpsOnly), then run configure-site.",
      command: CMD,
      configField: "apps[].site.ftpsState",
      docsAnchor: "site-hardening",
    }),
    "ftpsState",
    (s) => s.web.ftpsState,
    (v) => v === "AllAllowed",
    () => "plain FTP is allowed (ftpsState AllAllowed)",
  ),
  siteCheck(
    def({
      id: "EA025",
      severity: "high",
      title: "Remote debugging is on",
      description:
        "Remote debugging opens extra ports to the worker; it is meant for a debugging session, not to stay on.",
      fix: "Set site.remoteDebuggingEnabled: false, then run configure-site.",
      command: CMD,
      configField: "apps[].site.remoteDebuggingEnabled",
      docsAnchor: "site-hardening",
    }),
    "remoteDebuggingEnabled",
    (s) => s.web.remoteDebuggingEnabled,
    (v) => v === true,
    () => "remote debugging is on",
  ),
];
