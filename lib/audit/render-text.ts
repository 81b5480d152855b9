import { chalk } from "zx/core";
import { commandLineOf, type CommandLineOf } from "./command-line.ts";
import { SEVERITIES, severityRank, type AuditReport, type Finding, type Severity } from "./finding.ts";

type Paint = (s: string) => string;

const PAINT: Record<Severity, Paint> = {
  critical: (s) => chalk.bgRed.white.bold(s),
  high: chalk.red,
  medium: chalk.yellow,
  low: chalk.cyan,
  info: chalk.dim,
};

/** The findings grouped by target, the worst target first; each finding with its fix, command and config line. */
export function renderAuditText(
  report: AuditReport,
  opts: { color?: boolean; commandLine?: CommandLineOf } = {},
): string {
  const color = Boolean(opts.color);
  const paint = (s: Severity, text: string) => (color ? PAINT[s](text) : text);
  const dim = (t: string) => (color ? chalk.dim(t) : t);
  const cmd = opts.commandLine ?? commandLineOf;
  const lines: string[] = [
    `audit: tenant ${report.tenantId ?? "?"}, principal ${report.principal ?? "?"}, subscriptions ${report.subscriptions.join(", ") || "none"}`,
    dim(
      "read-only: no write is made; the POSTs (app settings, V1 auth settings, function keys) count against ARM's write bucket",
    ),
    "",
  ];
  const groups = new Map<string, Finding[]>();
  for (const f of report.findings) groups.set(f.target.label, [...(groups.get(f.target.label) ?? []), f]);
  const worst = (fs: Finding[]) => Math.min(...fs.map((f) => severityRank(f.severity)));
  const ordered = [...groups.entries()].sort(
    ([a, fa], [b, fb]) => worst(fa) - worst(fb) || fb.length - fa.length || a.localeCompare(b),
  );
  const width = Math.max(8, ...SEVERITIES.map((s) => s.length));
  for (const [label, fs] of ordered) {
    lines.push(color ? chalk.bold(label) : label);
    for (const f of fs) {
      lines.push(`  ${paint(f.severity, f.severity.padEnd(width))} ${f.checkId}  ${f.message}`);
      const evidence = Object.entries(f.evidence)
        .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(", ")}]` : String(v)}`)
        .join("  ");
      if (evidence) lines.push(dim(`  ${" ".repeat(width + 1)}       seen: ${evidence}`));
      lines.push(`  ${" ".repeat(width + 1)}       fix: ${f.fix}`);
      const where = f.config ? `${f.config.file}${f.config.line ? `:${f.config.line}` : ""} (${f.config.path})` : "";
      if (f.command || where)
        lines.push(
          dim(
            `  ${" ".repeat(width + 1)}       ${[f.command ? `run: ${cmd(f.command)}` : "", where ? `at: ${where}` : ""].filter(Boolean).join("  ")}`,
          ),
        );
    }
    lines.push("");
  }
  if (report.findings.length === 0) lines.push("No findings.", "");
  for (const e of report.errors)
    lines.push(`error: ${e.target.label}: ${e.message}${e.fix ? `\n  fix: ${e.fix}` : ""}`);
  if (report.errors.length) lines.push("");
  const counts = SEVERITIES.map((s) => [s, report.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  lines.push(
    `${report.findings.length} finding${report.findings.length === 1 ? "" : "s"}${counts.length ? ` (${counts.join(", ")})` : ""} on ${groups.size} of ${report.targets.length} targets; ${report.errors.length} not readable; requests: ${report.requests.reads} reads, ${report.requests.writeBucket} on the write bucket (read-only POSTs)`,
  );
  return `${lines.join("\n")}\n`;
}
