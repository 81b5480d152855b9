import { z } from "zod";
import { answerSchema } from "./answer-fault.ts";
import type { ServiceName } from "./http.ts";

/**
 * Faults injected on demand, matched by service, method and a path regex (case-insensitive).
 * - latency: delay the request by `ms`, then serve it.
 * - status: answer `status` (429 adds `Retry-After: retryAfter`) with an error body in the service's shape.
 * - reset: destroy the connection without answering (nothing is served).
 * - drop: serve the request (a write is kept), then destroy the connection instead of answering: the client never
 *   learns that its write landed.
 * - hold: keep the request unanswered until it is released (`POST /_emulator/faults/{id}/release`, body
 *   `{"serve":true}` to serve it then, else it is dropped unserved) or the faults are cleared (dropped unserved).
 *   A crash harness waits until the request is held and kills the client: nothing past that point reaches "Azure".
 * - not-persisted: serve a write as usual (200 and the body) but do not keep it; with `dropPaths`, keep the write
 *   except those JSON paths (the authsettingsV2 "200 OK but identityProviders ignored" report, specs#18888).
 * - host-unavailable: the Functions host-runtime 400 that a stopped or broken app answers on key routes.
 * `nth` makes a rule start at the n-th matching request; `rate` applies it to each matching request with that
 * probability, drawn from a PRNG seeded by `seed`, so a run of faults can be replayed.
 */
export const faultSchema = z.object({
  service: z.enum(["entra", "arm", "graph", "keyvault", "sites", "any"]).default("any"),
  /** One method, or several as `PUT|PATCH|POST|DELETE`. */
  method: z.string().toUpperCase().optional(),
  path: z.string().default(".*"),
  kind: z.enum(["latency", "status", "reset", "drop", "hold", "not-persisted", "host-unavailable", "answer"]),
  /** kind `answer` (answer-fault.ts): this status, body and content type instead of serving the request. */
  answer: answerSchema.optional(),
  ms: z.number().int().nonnegative().optional(),
  status: z.number().int().min(400).max(599).optional(),
  code: z.string().optional(),
  retryAfter: z.number().nonnegative().optional(),
  dropPaths: z.array(z.string()).optional(),
  /** How many matching requests the fault applies to; absent = every one until cleared. */
  times: z.number().int().positive().optional(),
  /** The first matching request it applies to (1-based); the ones before it pass untouched. */
  nth: z.number().int().positive().optional(),
  /** Probability (0..1) that it applies to a matching request. */
  rate: z.number().min(0).max(1).optional(),
  /** Seed of the PRNG `rate` draws from (default 1). */
  seed: z.number().int().optional(),
});

export type FaultInput = z.input<typeof faultSchema>;
export type Fault = z.output<typeof faultSchema> & {
  id: number;
  /** Requests the fault applied to. */
  hits: number;
  /** Requests that matched its service, method and path. */
  seen: number;
  /** Requests it holds right now (hold). */
  held: number;
};

/** What happens to a held request once released. */
export type HoldOutcome = "serve" | "drop";

/** mulberry32: a small seeded PRNG (https://github.com/bryc/code/blob/master/jshash/PRNGs.md#mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Rule {
  fault: Fault;
  regex: RegExp;
  random?: () => number;
}

export class Faults {
  private rules: Rule[] = [];
  private nextId = 1;
  private holds = new Map<number, ((o: HoldOutcome) => void)[]>();

  add(input: unknown): Fault[] {
    const list = Array.isArray(input) ? input : [input];
    const rules = list.map((f): Rule => {
      const fault = { ...faultSchema.parse(f), id: this.nextId++, hits: 0, seen: 0, held: 0 };
      return {
        fault,
        regex: new RegExp(fault.path, "i"),
        ...(fault.rate === undefined ? {} : { random: seededRandom(fault.seed ?? 1) }),
      };
    });
    this.rules.push(...rules);
    return rules.map((r) => ({ ...r.fault }));
  }

  /** Removes every fault; requests still held are dropped unserved. */
  clear(): void {
    this.rules = [];
    for (const id of [...this.holds.keys()]) this.release(id, "drop");
  }

  list(): Fault[] {
    return [...this.rules.map((r) => ({ ...r.fault })), ...this.retiredHolds()];
  }

  /** Finds the faults that apply to a request and counts them as used. */
  take(service: ServiceName, method: string, path: string): Fault[] {
    const hits: Fault[] = [];
    for (const { fault: f, regex, random } of this.rules) {
      if (f.service !== "any" && f.service !== service) continue;
      if (f.method && !f.method.split("|").includes(method)) continue;
      if (!regex.test(path)) continue;
      // A used-up hold stays listed while its requests wait; it no longer applies.
      if (f.times !== undefined && f.hits >= f.times) continue;
      f.seen++;
      if (f.nth !== undefined && f.seen < f.nth) continue;
      if (random && random() >= (f.rate ?? 0)) continue;
      f.hits++;
      hits.push(f);
    }
    this.rules = this.rules.filter(({ fault: f }) => f.times === undefined || f.hits < f.times || f.held > 0);
    return hits;
  }

  /** Holds a request for `fault` until it is released; resolves with what to do with it then. */
  hold(fault: Fault): Promise<HoldOutcome> {
    fault.held++;
    return new Promise((resolve) => {
      const waiting = this.holds.get(fault.id) ?? [];
      waiting.push((o) => {
        fault.held--;
        resolve(o);
      });
      this.holds.set(fault.id, waiting);
      this.heldFaults.set(fault.id, fault);
    });
  }

  /** Releases every request `id` holds; false when it holds none. The rule stops applying once it has used its `times`. */
  release(id: number, outcome: HoldOutcome): boolean {
    const waiting = this.holds.get(id);
    this.holds.delete(id);
    this.heldFaults.delete(id);
    for (const resolve of waiting ?? []) resolve(outcome);
    this.rules = this.rules.filter(({ fault: f }) => f.times === undefined || f.hits < f.times || f.held > 0);
    return Boolean(waiting?.length);
  }

  /** Holds whose rule is used up but whose requests still wait (listed so a harness can see and release them). */
  private heldFaults = new Map<number, Fault>();
  private retiredHolds(): Fault[] {
    const live = new Set(this.rules.map((r) => r.fault.id));
    return [...this.heldFaults.values()].filter((f) => !live.has(f.id)).map((f) => ({ ...f }));
  }
}

/** `--faults` accepts inline JSON or a path to a JSON file holding one fault or an array. */
export function parseFaultsArg(text: string, readFile: (p: string) => string): unknown {
  const trimmed = text.trim();
  return JSON.parse(trimmed.startsWith("[") || trimmed.startsWith("{") ? trimmed : readFile(trimmed));
}
