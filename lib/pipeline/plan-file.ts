import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { isRecord } from "../azure/json.ts";
import { ConfigError, RefusedError } from "../errors.ts";
import { targetLabel, type Plan, type TargetPlan } from "./model.ts";

/** Saved plans hold field values and fingerprints, never secret values (sensitive fields are stored redacted). */
export function writePlanFile(file: string, plan: Plan): void {
  const safe: Plan = {
    ...plan,
    targets: plan.targets.map((t) => ({
      ...t,
      changes: t.changes.map((c) => (c.sensitive ? { ...c, before: "(sensitive)", after: "(sensitive)" } : c)),
    })),
  };
  writeFileSync(file, JSON.stringify(safe, null, 2) + "\n", { mode: 0o600 });
}

// What the runner reads of a saved plan; anything else in the file is carried as it is.
const savedChange = z.looseObject({
  field: z.string(),
  path: z.array(z.string()),
  kind: z.enum(["add", "change", "remove"]),
});
const savedTarget = z.looseObject({
  target: z.looseObject({
    subscriptionId: z.string().min(1),
    resourceGroup: z.string().min(1),
    name: z.string().min(1),
    slot: z.string().optional(),
  }),
  resource: z.string().min(1),
  status: z.enum(["change", "no-op", "skip", "error"]),
  changes: z.array(savedChange),
  fingerprint: z.string().optional(),
});
const savedPlan = z.looseObject({ command: z.string(), targets: z.array(savedTarget) });

const at = (path: readonly PropertyKey[]) =>
  path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : `${acc}.${String(p)}`), "plan");

export function readPlanFile(file: string, command: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const why =
      (e as NodeJS.ErrnoException).code ?? (e instanceof SyntaxError ? "not JSON (truncated?)" : "unreadable");
    throw new ConfigError(`Cannot read plan file '${file}': ${why}.`, [], {
      fix: "Pass a file written by --plan-out.",
    });
  }
  // Checked before any field is read: a `null` or hand-edited entry must not surface as "Cannot read properties".
  if (!isRecord(raw) || raw.formatVersion !== 1)
    throw new ConfigError(`'${file}' is not a plan file of this tool (formatVersion 1).`, [], {
      fix: "Make a new plan with --plan-out.",
    });
  const parsed = savedPlan.safeParse(raw);
  if (!parsed.success)
    throw new ConfigError(
      `'${file}' is a damaged plan file (${parsed.error.issues.length} problem${parsed.error.issues.length > 1 ? "s" : ""}); nothing was applied.`,
      parsed.error.issues.slice(0, 5).map((i) => `${at(i.path)}: ${i.message}`),
      { fix: "Make a new plan with --plan-out; plan files are not meant to be edited." },
    );
  const plan = raw as unknown as Plan;
  if (plan.command !== command)
    throw new ConfigError(`'${file}' is a ${plan.command} plan, not a ${command} plan.`, [], {
      fix: `Run ${plan.command} with it, or make a new plan.`,
    });
  return plan;
}

/**
 * A plan entry's identity: resource, subscription, resource group, app and slot, case-insensitive as ARM names are.
 * The label alone would confuse two subscriptions that both hold `rg-api/func-x`.
 */
export const planKey = (t: Pick<TargetPlan, "resource" | "target">): string =>
  [t.resource, t.target.subscriptionId, t.target.resourceGroup, t.target.name, t.target.slot ?? ""]
    .join("|")
    .toLowerCase();

/**
 * A saved plan may only be applied to exactly what it was made from: any target whose observed document changed,
 * appeared or vanished makes the whole plan stale (no ETag exists; the fingerprint stands in for one).
 */
export function assertPlanCurrent(saved: Plan, fresh: Plan): void {
  const now = new Map(fresh.targets.map((t) => [planKey(t), t]));
  const stale: string[] = [];
  for (const t of saved.targets) {
    const f = now.get(planKey(t));
    if (!f) stale.push(`${targetLabel(t.target)}: not in the current selection`);
    else if (f.fingerprint !== t.fingerprint)
      stale.push(`${targetLabel(t.target)}: ${t.resource} changed since the plan was made`);
  }
  if (stale.length)
    throw new RefusedError(`The saved plan is stale; nothing was applied. ${stale.join("; ")}.`, {
      fix: "Make a new plan (--plan-out) and review it.",
    });
}
