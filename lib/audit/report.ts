import { CHECKS } from "./checks/index.ts";
import type { Check } from "./check.ts";
import { severityRank, type AuditReport, type ConfigLocation, type Finding } from "./finding.ts";
import type { Gathered } from "./gather.ts";
import type { RequestCounter } from "./read-only.ts";

/** Every check over the observations, worst first, then by target and id (a stable order for tables and diffs). */
export function runChecks(o: Gathered["observations"], checks: readonly Check[] = CHECKS): Finding[] {
  return checks
    .flatMap((c) => c.run(o))
    .sort(
      (a, b) =>
        severityRank(a.severity) - severityRank(b.severity) ||
        a.target.label.localeCompare(b.target.label) ||
        a.checkId.localeCompare(b.checkId),
    );
}

export interface ReportHeader {
  tool: { name: string; version: string };
  tenantId?: string;
  cloud?: string;
  principal?: string;
  subscriptions: string[];
  createdAt: string;
}

/**
 * The report: the header, every check's definition, the findings with their config location resolved by `locate`
 * (apps[2].auth.tokenStore → file and line), the targets, what could not be read, and the requests made.
 */
export function buildReport(
  header: ReportHeader,
  gathered: Gathered,
  requests: RequestCounter,
  locate: (path: string) => ConfigLocation | undefined,
  checks: readonly Check[] = CHECKS,
): AuditReport {
  const findings = runChecks(gathered.observations, checks).map((f) => {
    if (!f.config) return f;
    const { config, ...rest } = f;
    const at = locate(config.path);
    return at ? { ...rest, config: at } : rest;
  });
  return {
    formatVersion: 1,
    command: "audit",
    createdAt: header.createdAt,
    tool: header.tool,
    ...(header.tenantId ? { tenantId: header.tenantId } : {}),
    ...(header.cloud ? { cloud: header.cloud } : {}),
    ...(header.principal ? { principal: header.principal } : {}),
    subscriptions: header.subscriptions,
    targets: gathered.targets,
    checks: checks.map((c) => c.definition),
    findings,
    errors: gathered.errors,
    requests: { reads: requests.reads, writeBucket: requests.writeBucket },
  };
}
