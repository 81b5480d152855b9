import { z } from "zod";

/**
 * A list the config owns. A plain array means `include` (add what is missing, keep the rest); the object form
 * chooses `exact` (remove what the config does not list; shown as removals in the plan).
 */
export const listPolicySchema = z.union([
  z.array(z.string().min(1)),
  z
    .object({
      mode: z
        .enum(["include", "exact"])
        .default("include")
        .describe("include: add missing values, keep others. exact: the list becomes exactly `values`."),
      values: z.array(z.string().min(1)),
    })
    .strict(),
]);

export type ListPolicyInput = z.input<typeof listPolicySchema>;
export interface ListPolicy {
  mode: "include" | "exact";
  values: string[];
}

export function normalizeListPolicy(p: ListPolicyInput | undefined): ListPolicy | undefined {
  if (p === undefined) return undefined;
  return Array.isArray(p) ? { mode: "include", values: p } : { mode: p.mode ?? "include", values: p.values };
}
