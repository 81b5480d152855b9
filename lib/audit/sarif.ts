/**
 * The audit report as SARIF 2.1.0 for GitHub code scanning. Pure: takes the report, returns the JSON text.
 *
 * What GitHub needs beyond the schema (https://docs.github.com/en/code-security/reference/code-scanning/sarif-files/sarif-support):
 * - rules with `shortDescription`/`fullDescription`/`help` (shown on the alert) and `properties.security-severity`, a
 *   number in a string from 0.1 to 10.0, read only when `properties.tags` contains `security`
 *   (https://github.blog/changelog/2021-07-19-codeql-code-scanning-new-severity-levels-for-security-alerts/);
 * - at least one location per result with a repository-relative `artifactLocation.uri` and `region.startLine`: upload
 *   fails with "locationFromSarifResult: expected at least one location" otherwise (github/codeql-action#2459);
 * - `partialFingerprints` that stay the same from run to run, so one problem stays one alert.
 * Evidence stays out: the file is uploaded to GitHub, and the message already says what was seen.
 */
import type {
  Location,
  LogicalLocation,
  Notification,
  ReportingDescriptor,
  ReportingConfiguration,
  Result,
  Log as SarifLog,
} from "sarif";
import { fingerprint } from "../pipeline/fingerprint.ts";
import { commandLineOf } from "./command-line.ts";
import {
  type AuditReport,
  type CheckDefinition,
  type Finding,
  type FindingTarget,
  type Severity,
  severityRank,
} from "./finding.ts";

export const SARIF_SCHEMA_URI =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/** The project's home page (package.json `repository`): `informationUri` and the base of each rule's `helpUri`. */
export const INFORMATION_URI = "https://github.com/easyauth-fleet/easyauth-fleet";
/** Key of our own fingerprint in `partialFingerprints`; bump the version if its inputs ever change. */
export const FINGERPRINT_KEY = "easyauthFleetFinding/v1";

export interface SarifOptions {
  /** Absolute repository root: an absolute config path inside it is written relative to it. */
  repoRoot?: string;
  /**
   * The fleet config file, for findings with no config line of their own (GitHub needs a file location for every
   * result). Defaults to the file named by the first finding that has one.
   */
  configFile?: string;
}

const LEVEL: Record<Severity, ReportingConfiguration.level> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

/** GitHub maps these back to critical (≥ 9.0), high (7.0–8.9), medium (4.0–6.9), low (0.1–3.9). Info has none. */
const SECURITY_SEVERITY: Record<Severity, string | undefined> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: undefined,
};

/** `Easy Auth is off` → `EasyAuthIsOff`: SARIF wants `name` to be an identifier, not a sentence. */
function ruleName(title: string): string {
  const words = title.match(/[A-Za-z0-9]+/g) ?? [];
  return words.map((w) => w[0]?.toUpperCase() + w.slice(1)).join("") || "Check";
}

function helpUri(check: CheckDefinition): string | undefined {
  return check.docsAnchor
    ? `${INFORMATION_URI}/blob/main/docs/troubleshooting.md#${encodeURIComponent(check.docsAnchor)}`
    : undefined;
}

function helpText(check: CheckDefinition): { text: string; markdown: string } {
  const text = [
    check.description,
    `Fix: ${check.fix}`,
    ...(check.command ? [`Command: ${commandLineOf(check.command)}`] : []),
    ...(check.configField ? [`Config field: ${check.configField}`] : []),
  ].join("\n\n");
  const md = [
    `**${check.id}: ${check.title}** (${check.severity})`,
    check.description,
    `**Fix:** ${check.fix}`,
    ...(check.command ? [`**Command:**\n\n\`\`\`sh\n${commandLineOf(check.command)}\n\`\`\``] : []),
    ...(check.configField ? [`**Config field:** \`${check.configField}\``] : []),
    ...(check.docsAnchor ? [`See [troubleshooting](${helpUri(check)}).`] : []),
  ].join("\n\n");
  return { text, markdown: md };
}

function rule(check: CheckDefinition): ReportingDescriptor {
  const securitySeverity = SECURITY_SEVERITY[check.severity];
  const uri = helpUri(check);
  return {
    id: check.id,
    name: ruleName(check.title),
    shortDescription: { text: check.title },
    fullDescription: { text: check.description },
    help: helpText(check),
    ...(uri ? { helpUri: uri } : {}),
    defaultConfiguration: { level: LEVEL[check.severity] },
    properties: {
      tags: ["security", "azure", check.area],
      precision: "very-high",
      ...(securitySeverity ? { "security-severity": securitySeverity } : {}),
    },
  };
}

/** A path as a repository-relative URI reference, or undefined when it cannot be one (GitHub rejects absolute URIs). */
export function relativeUri(file: string, repoRoot?: string): string | undefined {
  let p = file.replaceAll("\\", "/");
  const root = repoRoot?.replaceAll("\\", "/").replace(/\/+$/, "");
  const absolute = p.startsWith("/") || /^[A-Za-z]:\//.test(p);
  if (absolute) {
    if (!root || !p.startsWith(`${root}/`)) return undefined;
    p = p.slice(root.length + 1);
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(p)) return undefined; // a scheme (file:, https:): not a repository path
  const segments = p.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.length === 0 || segments.includes("..")) return undefined;
  return segments.map(encodeURIComponent).join("/");
}

/** ARM-style id when the target is a site, so the alert names the resource; the label otherwise. */
function logicalLocation(target: FindingTarget): LogicalLocation {
  const { subscriptionId, resourceGroup, app, slot } = target;
  const armId =
    subscriptionId && resourceGroup && app
      ? `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Web/sites/${app}${slot ? `/slots/${slot}` : ""}`
      : undefined;
  return { name: target.label, fullyQualifiedName: armId ?? target.label, kind: "resource" };
}

function location(
  target: FindingTarget,
  config: { file: string; line?: number } | undefined,
  options: SarifOptions,
): Location {
  const uri = config ? relativeUri(config.file, options.repoRoot) : undefined;
  const startLine = config?.line && Number.isInteger(config.line) && config.line >= 1 ? config.line : 1;
  return {
    ...(uri ? { physicalLocation: { artifactLocation: { uri, uriBaseId: "%SRCROOT%" }, region: { startLine } } } : {}),
    logicalLocations: [logicalLocation(target)],
  };
}

/** The finding's identity: check and target, nothing that changes between runs (messages carry ages and dates). */
function findingFingerprint(f: Finding): string {
  const t = f.target;
  return fingerprint({
    checkId: f.checkId,
    target: [t.label, t.subscriptionId, t.resourceGroup, t.app, t.slot, t.registration, t.key, t.secret],
  }).replace(/^sha256:/, "");
}

/** Messages and fixes are one-liners that may lack a full stop; joined, they need one. */
function sentence(s: string): string {
  return /[.!?]$/.test(s.trim()) ? s.trim() : `${s.trim()}.`;
}

function message(f: Finding): string {
  const parts = [sentence(f.message), `Fix: ${sentence(f.fix)}`];
  return [...parts, ...(f.command ? [`Command: ${commandLineOf(f.command)}`] : [])].join(" ");
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    a.checkId.localeCompare(b.checkId) ||
    a.target.label.localeCompare(b.target.label)
  );
}

/** SARIF 2.1.0 JSON text for GitHub code scanning (`--sarif <file>`). */
export function renderSarif(report: AuditReport, options: SarifOptions = {}): string {
  const checks = [...new Map(report.checks.map((c) => [c.id, c])).values()];
  const rules = checks.map(rule);
  const ruleIndex = new Map(checks.map((c, i) => [c.id, i]));
  const fallbackConfig = options.configFile ?? report.findings.find((f) => f.config)?.config?.file;

  const results: Result[] = [...report.findings].sort(compareFindings).map((f) => {
    const index = ruleIndex.get(f.checkId);
    const config = f.config ?? (fallbackConfig ? { file: fallbackConfig } : undefined);
    return {
      ruleId: f.checkId,
      ...(index === undefined ? {} : { ruleIndex: index }),
      level: LEVEL[f.severity],
      message: { text: message(f) },
      locations: [location(f.target, config, options)],
      partialFingerprints: { [FINGERPRINT_KEY]: findingFingerprint(f) },
      properties: {
        severity: f.severity,
        target: f.target.label,
        ...(f.config?.path ? { configPath: f.config.path } : {}),
      },
    };
  });

  const notifications: Notification[] = report.errors.map((e) => ({
    level: "error",
    message: { text: e.fix ? `${e.target.label}: ${e.message} Fix: ${e.fix}` : `${e.target.label}: ${e.message}` },
    locations: [{ logicalLocations: [logicalLocation(e.target)] }],
  }));

  const log: SarifLog = {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            semanticVersion: report.tool.version,
            informationUri: INFORMATION_URI,
            rules,
          },
        },
        invocations: [
          {
            executionSuccessful: report.errors.length === 0,
            startTimeUtc: report.createdAt,
            ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        originalUriBaseIds: { "%SRCROOT%": { description: { text: "The repository root." } } },
        columnKind: "utf16CodeUnits",
        results,
        properties: {
          ...(report.tenantId ? { tenantId: report.tenantId } : {}),
          ...(report.cloud ? { cloud: report.cloud } : {}),
          subscriptions: report.subscriptions,
          requests: report.requests,
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
