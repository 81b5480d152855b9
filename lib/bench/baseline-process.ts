import { readFileSync } from "node:fs";
import { runBaseline, type BaselineJob } from "./baselines.ts";

/**
 * A baseline as its own process, so its wall time and peak RSS are measured as the tool's are:
 * `tsx lib/bench/baseline-process.ts <job.json>`; prints one JSON result line. Started only by the bench.
 */
export const BASELINE_PROCESS = new URL(import.meta.url).pathname;

if (process.argv[1] && new URL(`file://${process.argv[1]}`).pathname === BASELINE_PROCESS) {
  const job = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8")) as BaselineJob;
  const result = await runBaseline(job, process.env);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
