import { runScript } from "../lib/cli/main.ts";
import { explainWrongAudience } from "../lib/demo/explain-step.ts";
import { callGreeting, prepareCallers } from "../lib/demo/greeting-calls.ts";

const spec = {
  name: "demo-calls",
  summary:
    "The demo's callers of the greeting function, against the emulator (run by scripts/demo.ts with the emulator's env):\n" +
    "--prepare makes the two demo callers (emulator-only identities); --call calls greeting as a user would and says why\n" +
    "each call is let in or kept out.",
  options: {
    prepare: { type: "boolean", description: "Create the demo callers (before update-manifest assigns the role)" },
    call: { type: "boolean", description: "Call the greeting function and compare each answer with the expected one" },
    explain: {
      type: "string",
      valueName: "config",
      description: "Explain the wrong-audience call with explain-token (this fleet config) and compare with the answer",
    },
  },
} as const;

runScript(spec, async (values) => {
  if (values.prepare) await prepareCallers();
  if (values.explain) return (await explainWrongAudience(process.env, values.explain)) ? 0 : 1;
  if (!values.call) return 0;
  const outcomes = await callGreeting();
  for (const o of outcomes) {
    process.stdout.write(
      `  ${o.ok ? "✓" : "✗"} ${o.what.padEnd(58)} expected ${o.expected.padEnd(13)} got ${o.got}${o.why ? `  (${o.why})` : ""}\n`,
    );
  }
  return outcomes.every((o) => o.ok) ? 0 : 1;
});
