// zx/core: chalk without the rest of zx (globby, fs-extra, yaml…), a third of zx's start-up.
import { chalk } from "zx/core";
import { orderChanges } from "./diff.ts";
import { summarize, targetLabel, type FieldChange, type Plan, type PlanSummary, type TargetPlan } from "./model.ts";

export interface RenderOptions {
  color?: boolean;
}

type Paint = (s: string) => string;
interface Palette {
  add: Paint;
  change: Paint;
  remove: Paint;
  dim: Paint;
  bold: Paint;
  warn: Paint;
}

function palette(color: boolean): Palette {
  const id: Paint = (s) => s;
  return color
    ? {
        add: chalk.green,
        change: chalk.yellow,
        remove: chalk.red,
        dim: chalk.dim,
        bold: chalk.bold,
        warn: chalk.magenta,
      }
    : { add: id, change: id, remove: id, dim: id, bold: id, warn: id };
}

const SYMBOL = { add: "+", change: "~", remove: "-" } as const;

export function formatValue(v: unknown, sensitive?: boolean): string {
  if (sensitive) return "(sensitive)";
  if (v === undefined || v === null) return "(none)";
  return JSON.stringify(v);
}

function changeLine(c: FieldChange, p: Palette): string {
  const sym = p[c.kind](SYMBOL[c.kind]);
  const value =
    c.kind === "add" && (c.before === undefined || c.before === null)
      ? formatValue(c.after, c.sensitive)
      : c.kind === "remove" && (c.after === undefined || c.after === null)
        ? formatValue(c.before, c.sensitive)
        : `${formatValue(c.before, c.sensitive)} → ${formatValue(c.after, c.sensitive)}`;
  return `    ${sym} ${c.field}  ${value}${c.security ? p.warn("  [security]") : ""}`;
}

function targetBlock(t: TargetPlan, p: Palette, manySubscriptions: boolean): string[] {
  // Across subscriptions the same resource group and app name can appear twice: the subscription tells them apart.
  const where = p.dim(`(${manySubscriptions ? `${t.target.subscriptionId}/` : ""}${t.target.resourceGroup})`);
  const label = `${targetLabel(t.target)}  ${t.resource}  ${where}`;
  const warnings = t.warnings.map((w) => `    ${p.warn("warning:")} ${w}`);
  switch (t.status) {
    case "no-op":
      return [`  ${p.dim("=")} ${label}  ${p.dim("no changes")}`, ...warnings];
    case "skip":
      return [
        `  ${p.warn("!")} ${label}  skipped: ${t.reason?.message ?? ""}`,
        ...(t.reason?.fix ? [`    fix: ${t.reason.fix}`] : []),
        ...warnings,
      ];
    case "error":
      return [
        `  ${p.remove("x")} ${label}  error: ${t.reason?.message ?? ""}`,
        ...(t.reason?.fix ? [`    fix: ${t.reason.fix}`] : []),
        ...warnings,
      ];
    case "change":
      return [
        `  ${p.change("~")} ${p.bold(label)}`,
        ...orderChanges(t.changes).map((c) => changeLine(c, p)),
        ...warnings,
      ];
  }
}

export function summaryLine(s: PlanSummary): string {
  const extra = [s.skipped ? `${s.skipped} skipped` : "", s.errors ? `${s.errors} failed` : ""]
    .filter(Boolean)
    .join(", ");
  // Targets as Terraform counts resources (the tool never destroys one), then the owned fields inside them.
  const targets = `Plan: ${s.targetsToAdd} to add, ${s.targetsToChange - s.targetsToAdd} to change, 0 to destroy (${s.targetsUnchanged} unchanged).`;
  const fields = `Fields: ${s.add} to add, ${s.change} to change, ${s.remove} to remove, ${s.unchanged} unchanged.`;
  return `${targets} ${fields}${extra ? ` (${extra})` : ""}`;
}

/** Terraform-like text: header, one block per target (deletions first), security-relevant changes, summary. */
export function renderPlanText(plan: Plan, opts: RenderOptions = {}): string {
  const p = palette(Boolean(opts.color));
  const h = plan.header;
  const lines = [
    p.bold(`${plan.command} plan`),
    `  tenant        ${h.tenantId ?? "(unknown)"}`,
    `  subscription  ${h.subscriptions.join(", ") || "(none)"}`,
    `  principal     ${h.principal ?? "(not signed in)"}`,
    ...(h.selection ? [`  selection     ${h.selection}`] : []),
    "",
  ];
  // Targets that need attention come first; unchanged ones last.
  const rank = { error: 0, skip: 1, change: 2, "no-op": 3 } as const;
  for (const t of [...plan.targets].sort((a, b) => rank[a.status] - rank[b.status]))
    lines.push(...targetBlock(t, p, h.subscriptions.length > 1));
  const security = plan.targets
    .filter((t) => t.status === "change" && t.changes.some((c) => c.security))
    .map(
      (t) =>
        `  ${targetLabel(t.target)}: ${t.changes
          .filter((c) => c.security)
          .map((c) => `${p[c.kind](SYMBOL[c.kind])}${c.field.split(".").at(-1)}`)
          .join(", ")}`,
    );
  if (security.length) lines.push("", p.warn("Security-relevant changes (review these):"), ...security);
  lines.push("", summaryLine(summarize(plan.targets)));
  return lines.join("\n") + "\n";
}
