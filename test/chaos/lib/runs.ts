import type { JsonOutput } from "../../../lib/pipeline/render-json.ts";
import { runInProcess, withDir, type ChaosCommand } from "./commands.ts";
import { parseJson } from "./outcomes.ts";
import { DEMO_CONFIG, type World } from "./world.ts";

export const argvOf = (c: ChaosCommand, dir: string) => ["--config", DEMO_CONFIG, ...withDir(c.args, dir)];

/**
 * Runs the command in process until it has nothing more it can do: again while a run both changed something and
 * failed a target, because a first `apply` on a fleet without registrations fails their Easy Auth targets by design
 * (docs/apply.md) and a second run plans them. At most three runs; the last one's document.
 */
export async function toCompletion(
  world: World,
  c: ChaosCommand,
  dir: string,
  afterFirst?: () => Promise<void>,
): Promise<JsonOutput> {
  let doc: JsonOutput | undefined;
  for (let i = 0; i < 3; i++) {
    const io = world.io();
    const t0 = performance.now();
    await runInProcess(c.name, [...argvOf(c, dir), "--json"], io);
    if (process.env.CHAOS_VERBOSE) console.log(`  run ${i + 1}: ${Math.round(performance.now() - t0)} ms\n${io.err()}`);
    if (i === 0) await afterFirst?.();
    doc = parseJson(io.out(), `${c.name} run ${i + 1}`);
    const outcomes = new Set(doc.results.map((r) => r.outcome));
    if (!(outcomes.has("updated") && outcomes.has("failed"))) break;
  }
  return doc!;
}
