import { fingerprint } from "../../pipeline/fingerprint.ts";
import type { KindPlan } from "../../pipeline/contract.ts";
import type { FieldChange } from "../../pipeline/model.ts";
import type { KeyMap } from "./listkeys.ts";
import type { Published, RotationPlan } from "./plan.ts";
import type { KeyPolicy } from "./policy.ts";

const RESOURCE_KIND = { functionKeys: "hostKey", systemKeys: "systemKey", masterKey: "masterKey" } as const;

/** `functionKey greeting/apim`, `hostKey apim`, `masterKey _master`: how a logical key is named in plans and results. */
export function keyResource(p: KeyPolicy): string {
  return p.scope === "function"
    ? `functionKey ${p.functionName}/${p.logical}`
    : `${RESOURCE_KIND[p.hostKeyType]} ${p.logical}`;
}

/**
 * Plan entries show key NAMES only; every key value is `(sensitive)` (docs/rotate-keys.md, "The plan"). A generated
 * name carries the planning time, so it is marked volatile: a saved plan still matches when applied a minute later.
 */
export function keyChanges(plan: RotationPlan, p: KeyPolicy, secretName: string, published: Published): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const s of plan.steps) {
    switch (s.kind) {
      case "create":
        changes.push({
          field: `key ${s.name}`,
          path: ["keys", p.logical, "(new)"],
          kind: "add",
          after: "(server-generated)",
          sensitive: true,
          security: true,
          volatile: true,
        });
        break;
      case "renew":
        changes.push({
          field: `key ${s.name} (renewed in place)`,
          path: ["keys", s.name],
          kind: "change",
          before: "(value)",
          after: "(server-generated)",
          sensitive: true,
          security: true,
        });
        break;
      case "publish":
        changes.push({
          field: `secret ${secretName}`,
          path: ["keyVault", secretName],
          kind: published.state === "absent" ? "add" : "change",
          before:
            published.state === "found"
              ? (published.keyName ?? "(untagged version)")
              : published.state === "disabled"
                ? "(disabled version)"
                : undefined,
          after: s.name,
          ...(s.fresh ? { volatile: true } : {}),
        });
        break;
      case "verify":
        break;
      case "delete":
        changes.push({
          field: `key ${s.name} (${s.why})`,
          path: ["keys", s.name],
          kind: "remove",
          before: "(value)",
          sensitive: true,
          security: true,
        });
        break;
    }
  }
  return changes;
}

/** What a saved plan must still see to be applied: key names (never values) and the current secret version. */
export function keysFingerprint(keys: KeyMap, published: Published): string {
  return fingerprint({
    keys: [...keys.keys()].map((k) => k.toLowerCase()).sort(),
    published:
      published.state === "found"
        ? { version: published.version, keyName: published.keyName ?? null }
        : published.state,
  });
}

/** The kind's plan for one logical key: refused (skip), nothing due (no-op), or the rotation's steps as changes. */
export function keyKindPlan(
  p: KeyPolicy,
  plan: RotationPlan,
  secretName: string,
  published: Published,
): KindPlan<RotationPlan> {
  const base = { warnings: plan.warnings, notes: plan.notes, detail: plan };
  if (plan.refused) return { ...base, status: "skip", changes: [], unchanged: 0, reason: plan.refused };
  const changes = keyChanges(plan, p, secretName, published);
  return changes.length
    ? { ...base, status: "change", changes, unchanged: 0 }
    : { ...base, status: "no-op", changes: [], unchanged: 1 };
}
