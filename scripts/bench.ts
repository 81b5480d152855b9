import { runScript } from "../lib/cli/main.ts";
import { benchOptions, runBench } from "../lib/bench/main.ts";
import { SCENARIOS } from "../lib/bench/scenarios.ts";

const spec = {
  name: "bench",
  summary:
    "Fleet benchmark against the emulator with Azure's throttling (ARM buckets, Graph identity limits) and added latency:\n" +
    "every scenario by the tool and, for Easy Auth, by two baselines (seed-style loop, naive parallel), in one run.\n" +
    "The tool is compiled once (tsconfig.build.json) and its commands run with node, as installed (--tsx: the sources).\n" +
    "Writes bench/results.json, bench/report.svg and the table in docs/performance.md (docs/performance.md explains it).",
  options: {
    apps: { type: "string", valueName: "n", description: "Apps in the no-op scenario", default: "500" },
    "change-apps": { type: "string", valueName: "n", description: "Apps in change-all (per tool)", default: "500" },
    "rotate-apps": { type: "string", valueName: "n", description: "Apps in rotate-all", default: "150" },
    "registration-apps": { type: "string", valueName: "n", description: "Apps in registrations", default: "500" },
    "apply-apps": { type: "string", valueName: "n", description: "Apps in apply (all kinds)", default: "100" },
    "two-subscription-apps": {
      type: "string",
      valueName: "n",
      description: "Apps in each of the two subscriptions",
      default: "300",
    },
    scaling: {
      type: "string",
      valueName: "n,n,…",
      description: "Fleet sizes of the no-op scaling series (buckets scaled ×n/500)",
      default: "100,500,2000,5000",
    },
    "seed-style-max": {
      type: "string",
      valueName: "n",
      description: "Largest scaling size the seed-style loop runs; above it, projected from its time per app",
      default: "500",
    },
    "seed-style-sample": {
      type: "string",
      valueName: "n",
      description: "With the az CLI installed: apps the real az loop runs on, projected linearly to the fleet",
      default: "20",
    },
    lanes: {
      type: "string",
      valueName: "n",
      description: "Scenarios run at once in up to n lanes, each with its own emulator, balanced by expected time",
      default: "4",
    },
    tsx: { type: "boolean", description: "Run the tool from its sources through tsx instead of the compiled build" },
    only: {
      type: "string",
      valueName: "list",
      description: `Scenarios to run, comma-separated: ${SCENARIOS.join(", ")}`,
    },
    latency: {
      type: "string",
      valueName: "ms",
      description: "Latency the emulator adds to every request",
      default: "15",
    },
    concurrency: { type: "string", valueName: "n", description: "The tool's --concurrency", default: "16" },
    out: { type: "string", valueName: "dir", description: "Where results.json and report.svg go", default: "bench" },
    "no-doc": { type: "boolean", description: "Leave docs/performance.md as it is" },
  },
  examples: ["npx tsx scripts/bench.ts", "npx tsx scripts/bench.ts --only no-op,scaling --scaling 100,500"],
} as const;

runScript(spec, async (values) => {
  const results = await runBench(benchOptions(values), (line) => process.stderr.write(`${line}\n`));
  return results.some((r) => r.tool === "this" && (r.failed > 0 || r.throttled429 > 0)) ? 1 : 0;
});
