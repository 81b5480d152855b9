import type { FaultInput } from "../../../lib/emulator/faults.ts";

/** Share of all requests that get a fault. */
export const RATE = 0.1;

/** One rule per fault kind, each at a sixth of the rate, each with its own stream of the seed. */
export function randomFaults(seed: number): FaultInput[] {
  const kinds: FaultInput[] = [
    { kind: "status", status: 429 },
    { kind: "status", status: 500 },
    { kind: "status", status: 503 },
    { kind: "reset" },
    { kind: "latency", ms: 400 },
    { kind: "not-persisted", method: "PUT|PATCH|POST|DELETE" },
  ];
  return kinds.map((k, i) => ({ ...k, service: "any", rate: RATE / kinds.length, seed: seed * 31 + i }));
}
