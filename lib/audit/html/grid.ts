import {
  type AuditReport,
  type CheckDefinition,
  type Finding,
  type FindingTarget,
  type Severity,
  severityRank,
} from "../finding.ts";

/** One grid row: a target from `report.targets` with the findings about it. */
export interface GridRow {
  id: string;
  target: FindingTarget;
  findings: Finding[];
  worst?: Severity;
}

/** A check that fired. `check` is missing only when a finding names a check the report does not define. */
export interface GridColumn {
  id: string;
  severity: Severity;
  check?: CheckDefinition;
}

export interface Grid {
  rows: GridRow[];
  /** Checks that fired, worst first. */
  columns: GridColumn[];
}

function worstOf(findings: readonly Finding[]): Severity | undefined {
  return [...findings].sort((a, b) => severityRank(a.severity) - severityRank(b.severity))[0]?.severity;
}

/** Where a finding belongs: its own label, else the row of the same app and slot, else of the same registration. */
function rowFor(rows: GridRow[], t: FindingTarget): GridRow | undefined {
  return (
    rows.find((r) => r.target.label === t.label) ??
    (t.app ? rows.find((r) => r.target.app === t.app && r.target.slot === t.slot && !r.target.key) : undefined) ??
    (t.registration ? rows.find((r) => r.target.registration === t.registration) : undefined)
  );
}

export function buildGrid(report: AuditReport): Grid {
  const rows: GridRow[] = report.targets.map((target, i) => ({ id: `t${i}`, target, findings: [] }));
  for (const f of report.findings) {
    let row = rowFor(rows, f.target);
    if (!row) {
      // A finding about a target the report did not list: shown, not dropped.
      row = { id: `t${rows.length}`, target: f.target, findings: [] };
      rows.push(row);
    }
    row.findings.push(f);
  }
  for (const row of rows) {
    row.findings.sort(
      (a, b) => severityRank(a.severity) - severityRank(b.severity) || a.checkId.localeCompare(b.checkId),
    );
    row.worst = worstOf(row.findings);
  }
  rows.sort(
    (a, b) =>
      (a.worst ? severityRank(a.worst) : 99) - (b.worst ? severityRank(b.worst) : 99) ||
      a.target.label.localeCompare(b.target.label),
  );

  const fired = new Set(report.findings.map((f) => f.checkId));
  const known = new Map(report.checks.map((c) => [c.id, c]));
  const columns: GridColumn[] = [...fired].map((id) => {
    const check = known.get(id);
    const severity = check?.severity ?? worstOf(report.findings.filter((f) => f.checkId === id)) ?? "info";
    return check ? { id, severity, check } : { id, severity };
  });
  columns.sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || a.id.localeCompare(b.id));
  return { rows, columns };
}

/** The findings of one row for one check (usually one; a key check can fire per key). */
export function cellFindings(row: GridRow, checkId: string): Finding[] {
  return row.findings.filter((f) => f.checkId === checkId);
}
