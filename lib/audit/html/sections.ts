import {
  type AuditReport,
  type Evidence,
  type Finding,
  type FindingTarget,
  SEVERITIES,
  type Severity,
} from "../finding.ts";
import { commandLineOf } from "../command-line.ts";
import { type Html, html, join } from "./escape.ts";
import { cellFindings, type Grid, type GridColumn, type GridRow } from "./grid.ts";

const LETTER: Record<Severity, string> = { critical: "C", high: "H", medium: "M", low: "L", info: "I" };

export function badge(s: Severity, extra = ""): Html {
  return html`<span class="sev sev-${s}" title="${s}">${LETTER[s]}${extra}<span class="sr-only"> ${s}</span></span>`;
}

export function header(report: AuditReport): Html {
  const counts = SEVERITIES.map((s) => {
    const n = report.findings.filter((f) => f.severity === s).length;
    return html`<li data-severity="${s}">${badge(s)} ${n} ${s}</li>`;
  });
  const meta: Array<[string, string | undefined]> = [
    ["Tenant", report.tenantId],
    ["Cloud", report.cloud],
    ["Signed in as", report.principal],
    ["Subscriptions", report.subscriptions.join(", ") || undefined],
    ["Created", report.createdAt],
    ["Tool", `${report.tool.name} ${report.tool.version}`],
    ["Requests", `${report.requests.reads} reads, ${report.requests.writeBucket} on the write bucket (no writes)`],
  ];
  return html`<header>
<h1>Easy Auth fleet audit</h1>
<dl class="meta">${join(meta.filter(([, v]) => v !== undefined).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`))}</dl>
<ul class="counts" aria-label="Findings by severity">${join(counts)}<li>${report.targets.length} targets, ${report.errors.length} not observed</li></ul>
</header>`;
}

export function filters(grid: Grid): Html {
  const areas = [...new Set(grid.columns.map((c) => c.check?.area).filter((a) => a !== undefined))].sort();
  return html`<div class="filters" id="filters" role="search" hidden>
<label for="f-severity">Severity</label>
<select id="f-severity"><option value="all">all targets</option>${join(SEVERITIES.map((s) => html`<option value="${s}">at least ${s}</option>`))}</select>
<label for="f-area">Area</label>
<select id="f-area"><option value="all">all areas</option>${join(areas.map((a) => html`<option value="${a}">${a}</option>`))}</select>
<label for="f-search">App</label>
<input id="f-search" type="search" placeholder="name contains…" autocomplete="off">
<span id="shown-count" aria-live="polite"></span>
</div>`;
}

function cell(row: GridRow, col: GridColumn): Html {
  const found = cellFindings(row, col.id);
  const area = col.check?.area ?? "";
  if (found.length === 0) {
    return html`<td class="cell empty" data-area="${area}"><span aria-label="no finding">·</span></td>`;
  }
  const worst = found
    .map((f) => f.severity)
    .sort((a, b) => SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b))[0] as Severity;
  const tip = found.map((f) => f.message).join("\n");
  const count = found.length > 1 ? `×${found.length}` : "";
  return html`<td class="cell sev-${worst}" data-area="${area}" data-check="${col.id}" title="${tip}">${LETTER[worst]}${count}<span class="sr-only"> ${worst}</span></td>`;
}

export function gridTable(grid: Grid): Html {
  const head = grid.columns.map(
    (c) =>
      html`<th scope="col" data-area="${c.check?.area ?? ""}" title="${c.check?.title ?? c.id}"><abbr title="${c.check?.title ?? c.id}">${c.id}</abbr></th>`,
  );
  const body = grid.rows.map((row) => {
    const tokens = row.findings.map((f) => `${areaOf(grid, f)}:${f.severity}`).join(" ");
    const worst = row.worst ? badge(row.worst) : html`<span class="clean">clean</span>`;
    return html`<tr data-row="${row.id}" data-label="${row.target.label.toLowerCase()}" data-findings="${tokens}">
<th scope="row"><button type="button" data-drill="${row.id}-drill" aria-controls="${row.id}-drill" aria-expanded="false">${row.target.label}</button></th>
<td>${worst}</td>${join(grid.columns.map((c) => cell(row, c)))}</tr>`;
  });
  return html`<table id="grid">
<caption>Targets × checks that fired (letter and colour: worst severity in the cell)</caption>
<thead><tr><th scope="col">Target</th><th scope="col">Worst</th>${join(head)}</tr></thead>
<tbody>${join(body, "\n")}</tbody>
</table>`;
}

function areaOf(grid: Grid, f: Finding): string {
  return grid.columns.find((c) => c.id === f.checkId)?.check?.area ?? "";
}

/** Only the value types `Evidence` allows: anything else (a raw observation object) is not shown. */
function evidenceEntries(evidence: Evidence): Html[] {
  return Object.entries(evidence).flatMap(([k, v]) => {
    if (Array.isArray(v)) {
      return v.every((x) => typeof x === "string") ? [html`<dt>${k}</dt><dd><code>${v.join(", ")}</code></dd>`] : [];
    }
    if (v === null || ["string", "number", "boolean"].includes(typeof v)) {
      return [html`<dt>${k}</dt><dd><code>${v === null ? "null" : String(v)}</code></dd>`];
    }
    return [];
  });
}

function findingItem(report: AuditReport, f: Finding): Html {
  const check = report.checks.find((c) => c.id === f.checkId);
  const config = f.config
    ? html`<dt>Config</dt><dd><code>${f.config.file}${f.config.line ? `:${f.config.line}` : ""}</code> <code>${f.config.path}</code></dd>`
    : html``;
  return html`<article class="finding" data-check="${f.checkId}" data-severity="${f.severity}">
<h3>${badge(f.severity)} ${f.checkId}: ${check?.title ?? f.checkId}</h3>
<p class="message">${f.message}</p>
<dl>${join(evidenceEntries(f.evidence))}<dt>Fix</dt><dd class="fix">${f.fix}</dd>
${f.command ? html`<dt>Command</dt><dd><code class="command">${commandLineOf(f.command)}</code></dd>` : html``}
${config}
${check?.description ? html`<dt>Why</dt><dd>${check.description}</dd>` : html``}</dl>
</article>`;
}

function targetFacts(t: FindingTarget): Html {
  const facts: Array<[string, string | undefined]> = [
    ["Subscription", t.subscriptionId],
    ["Resource group", t.resourceGroup],
    ["App", t.app],
    ["Slot", t.slot],
    ["Registration", t.registration],
    ["Key", t.key],
    ["Vault secret", t.secret],
  ];
  const shown = facts.filter(([, v]) => v !== undefined).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`);
  return shown.length ? html`<dl class="meta">${join(shown)}</dl>` : html``;
}

export function drillDowns(report: AuditReport, grid: Grid): Html {
  return join(
    grid.rows.map(
      (row) => html`<section class="drill" id="${row.id}-drill" aria-labelledby="${row.id}-title">
<h2 id="${row.id}-title">${row.target.label} <button type="button" data-close="${row.id}-drill">Close</button></h2>
${targetFacts(row.target)}
${row.findings.length ? join(row.findings.map((f) => findingItem(report, f))) : html`<p class="clean">No findings.</p>`}
</section>`,
    ),
    "\n",
  );
}

export function errorsSection(report: AuditReport): Html {
  if (report.errors.length === 0)
    return html`<section id="errors"><h2>Not observed</h2><p>Every target was observed.</p></section>`;
  const rows = report.errors.map(
    (e) => html`<tr><th scope="row">${e.target.label}</th><td>${e.message}</td><td>${e.fix ?? ""}</td></tr>`,
  );
  return html`<section id="errors"><h2>Not observed (${report.errors.length})</h2>
<table><thead><tr><th scope="col">Target</th><th scope="col">Error</th><th scope="col">Fix</th></tr></thead><tbody>${join(rows)}</tbody></table>
</section>`;
}
