/**
 * The report's stylesheet, inlined. One fixed font family and no transitions, so a screenshot is the same on every
 * run of the same browser. Severity colours always come with a letter (C/H/M/L/I): colour is never the only signal.
 */
export const STYLE = `
:root { color-scheme: light; --critical: #7f1d1d; --high: #dc2626; --medium: #d97706; --low: #2563eb; --info: #6b7280; }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 24px; font: 14px/1.4 "DejaVu Sans", "Liberation Sans", sans-serif; color: #111827; background: #fff; }
h1 { font-size: 20px; margin: 0 0 8px; }
h2 { font-size: 16px; margin: 20px 0 8px; }
h3 { font-size: 14px; margin: 0 0 4px; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 12px; }
.meta dt { font-weight: bold; }
.meta dd { margin: 0; }
.counts { display: flex; gap: 8px; flex-wrap: wrap; margin: 8px 0 16px; padding: 0; list-style: none; }
.counts li { border: 1px solid #d1d5db; border-radius: 4px; padding: 2px 8px; }
.sev { display: inline-block; min-width: 1.6em; padding: 0 4px; border-radius: 3px; color: #fff; font-weight: bold; text-align: center; }
.sev-critical { background: var(--critical); color: #fff; }
.sev-high { background: var(--high); color: #fff; }
.sev-medium { background: var(--medium); color: #fff; }
.sev-low { background: var(--low); color: #fff; }
.sev-info { background: var(--info); color: #fff; }
.filters { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; margin: 0 0 8px; }
.filters label { font-weight: bold; }
table { border-collapse: collapse; }
caption { text-align: left; padding: 0 0 4px; color: #374151; white-space: nowrap; }
th, td { border: 1px solid #d1d5db; padding: 3px 6px; text-align: left; vertical-align: top; }
thead th { background: #f3f4f6; }
#grid td.cell { text-align: center; min-width: 3.2em; }
#grid td.cell.empty { color: #9ca3af; }
#grid tbody th button { font: inherit; background: none; border: 0; padding: 0; color: #1d4ed8; text-decoration: underline; cursor: pointer; text-align: left; }
#grid tbody tr.selected { outline: 2px solid #1d4ed8; }
.clean { color: #065f46; }
.drill { border: 1px solid #9ca3af; border-radius: 4px; padding: 8px 12px; margin: 12px 0; }
.finding { border-top: 1px solid #e5e7eb; padding: 8px 0; }
.finding dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 4px 0; }
.finding dt { font-weight: bold; }
.finding dd { margin: 0; }
code { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 12px; background: #f3f4f6; padding: 0 3px; word-break: break-all; }
.muted { color: #6b7280; }
[hidden] { display: none !important; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
