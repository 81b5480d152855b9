import { z } from "zod";
import type { ServiceName } from "./http.ts";

/**
 * Faults injected on demand, matched by service, method and a path regex (case-insensitive).
 * - latency: delay the request by `ms`, then serve it.
 * - status: answer `status` (429 adds `Retry-After: retryAfter`) with an error body in the service's shape.
 * - reset: destroy the connection without answering.
 * - not-persisted: serve a write as usual (200 and the body) but do not keep it; with `dropPaths`, keep the write
 *   except those JSON paths (the authsettingsV2 "200 OK but identityProviders ignored" report, specs#18888).
 * - host-unavailable: the Functions host-runtime 400 that a stopped or broken app answers on key routes.
 */
export const faultSchema = z.object({
  service: z.enum(["entra", "arm", "graph", "keyvault", "sites", "any"]).default("any"),
  method: z.string().toUpperCase().optional(),
  path: z.string().default(".*"),
  kind: z.enum(["latency", "status", "reset", "not-persisted", "host-unavailable"]),
  ms: z.number().int().nonnegative().optional(),
  status: z.number().int().min(400).max(599).optional(),
  code: z.string().optional(),
  retryAfter: z.number().nonnegative().optional(),
  dropPaths: z.array(z.string()).optional(),
  /** How many matching requests the fault applies to; absent = every one until cleared. */
  times: z.number().int().positive().optional(),
});

export type FaultInput = z.input<typeof faultSchema>;
export type Fault = z.output<typeof faultSchema> & { id: number; hits: number };

export class Faults {
  private rules: Fault[] = [];
  private nextId = 1;

  add(input: unknown): Fault[] {
    const list = Array.isArray(input) ? input : [input];
    const added = list.map((f) => ({ ...faultSchema.parse(f), id: this.nextId++, hits: 0 }));
    for (const f of added) new RegExp(f.path, "i");
    this.rules.push(...added);
    return added;
  }

  clear(): void {
    this.rules = [];
  }

  list(): Fault[] {
    return [...this.rules];
  }

  /** Finds the faults that apply to a request and counts them as used. */
  take(service: ServiceName, method: string, path: string): Fault[] {
    const hits: Fault[] = [];
    for (const f of this.rules) {
      if (f.service !== "any" && f.service !== service) continue;
      if (f.method && f.method !== method) continue;
      if (!new RegExp(f.path, "i").test(path)) continue;
      f.hits++;
      hits.push(f);
    }
    this.rules = this.rules.filter((f) => f.times === undefined || f.hits < f.times);
    return hits;
  }
}

/** `--faults` accepts inline JSON or a path to a JSON file holding one fault or an array. */
export function parseFaultsArg(text: string, readFile: (p: string) => string): unknown {
  const trimmed = text.trim();
  return JSON.parse(trimmed.startsWith("[") || trimmed.startsWith("{") ? trimmed : readFile(trimmed));
}
