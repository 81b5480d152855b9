import { jsonEqual } from "../azure/json.ts";
import type { ChangeKind, FieldChange } from "./model.ts";

/** Classifies one owned field's change; undefined when it is already as desired. */
export function fieldChange(
  path: string[],
  before: unknown,
  after: unknown,
  flags: { security?: boolean; sensitive?: boolean } = {},
): FieldChange | undefined {
  if (jsonEqual(before, after)) return undefined;
  let kind: ChangeKind;
  if (before === undefined || before === null) kind = "add";
  else if (after === undefined || after === null) kind = "remove";
  else if (Array.isArray(before) && Array.isArray(after)) {
    const added = after.some((a) => !before.some((b) => jsonEqual(a, b)));
    const removed = before.some((b) => !after.some((a) => jsonEqual(a, b)));
    kind = added && !removed ? "add" : removed && !added ? "remove" : "change";
  } else kind = "change";
  return {
    field: path.join("."),
    path,
    kind,
    before,
    after,
    ...(flags.security ? { security: true } : {}),
    ...(flags.sensitive ? { sensitive: true } : {}),
  };
}

const ORDER: Record<ChangeKind, number> = { remove: 0, change: 1, add: 2 };

/** Deletions first, then changes, then additions (as Terraform orders a plan). */
export function orderChanges(changes: FieldChange[]): FieldChange[] {
  return [...changes].sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
}
