/**
 * The audit's result as a plain value: check definitions and the findings they produced. Every renderer (table,
 * JSON, SARIF, HTML) takes an `AuditReport`; none of them talks to Azure.
 */

/** Worst first; `--fail-on <severity>` counts findings at or above it. */
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What a check is about: the kind whose observation it reads. */
export type CheckArea = "auth" | "registration" | "site" | "keys" | "client-secret";

export interface CheckDefinition {
  /** Stable id, never reused: `EA001` … */
  id: string;
  area: CheckArea;
  severity: Severity;
  /** One line: what is wrong. */
  title: string;
  /** Why it matters, a paragraph (SARIF `help`, HTML drill-down). */
  description: string;
  /** One line: how to fix it. */
  fix: string;
  /** The command that fixes it, when one does (`configure-auth`). */
  command?: string;
  /** The config field that decides it (`apps[].auth.unauthenticatedAction`). */
  configField?: string;
  /** Anchor in docs/troubleshooting.md. */
  docsAnchor?: string;
}

/** What a finding is about. `label` is how tables name it (`func-a/staging`, `application 'api-a'`). */
export interface FindingTarget {
  label: string;
  app?: string;
  slot?: string;
  subscriptionId?: string;
  resourceGroup?: string;
  /** The registration's appId. */
  registration?: string;
  /** A logical key (`greeting/apim`). */
  key?: string;
  /** A Key Vault secret name (never its value). */
  secret?: string;
}

/** Values seen, never a secret: strings, numbers, booleans, null or lists of strings. */
export type Evidence = Readonly<Record<string, string | number | boolean | null | readonly string[]>>;

/** Where in the fleet config the fixing line is (SARIF location, the table's "fix at"). */
export interface ConfigLocation {
  file: string;
  /** 1-based. */
  line?: number;
  /** Dotted path in the file (`apps[2].auth.allowedAudiences`). */
  path: string;
}

export interface Finding {
  checkId: string;
  severity: Severity;
  target: FindingTarget;
  /** One line, specific to this target. */
  message: string;
  evidence: Evidence;
  fix: string;
  command?: string;
  config?: ConfigLocation;
}

export interface AuditReport {
  formatVersion: 1;
  command: "audit";
  createdAt: string;
  tool: { name: string; version: string };
  tenantId?: string;
  cloud?: string;
  principal?: string;
  subscriptions: string[];
  /** Targets observed, by label, with their app (for the HTML grid's rows). */
  targets: FindingTarget[];
  checks: CheckDefinition[];
  findings: Finding[];
  /** Targets that could not be observed: reported, not silently skipped. */
  errors: Array<{ target: FindingTarget; message: string; fix?: string }>;
  /** Requests made, by bucket: the V1 check's POST counts as a write on ARM's bucket while changing nothing. */
  requests: { reads: number; writeBucket: number };
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** Findings at or above a severity (`--fail-on high` counts critical and high). */
export function atOrAbove(findings: readonly Finding[], threshold: Severity): Finding[] {
  return findings.filter((f) => severityRank(f.severity) <= severityRank(threshold));
}
