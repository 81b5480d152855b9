import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Emulator } from "../../lib/emulator/index.ts";
import { emulatorEnv, startTestEmulator } from "../helpers/emulator.ts";
import { CONFIG_CASES } from "./config-cases.ts";
import { ENV_CASES } from "./env-cases.ts";
import { FLAG_CASES } from "./flag-cases.ts";
import { STACK_LINE, runCase, type BadInputCase } from "./harness.ts";
import { SERVER_CASES } from "./server-cases.ts";
import { CANARIES, corpusWorld } from "./world.ts";

const CORPUS: BadInputCase[] = [...CONFIG_CASES, ...FLAG_CASES, ...ENV_CASES, ...SERVER_CASES];

let emu: Emulator;
let env: Record<string, string>;
beforeAll(async () => {
  emu = await startTestEmulator({ seed: corpusWorld() });
  env = emulatorEnv(emu);
});
afterAll(() => emu.close());

/**
 * The distinct error texts of an output: a planning failure is shown on its plan line and its progress line
 * (`error: …`), a failed write on its progress line (`[1/1] label: failed: …`) and again in the results.
 */
function errorTexts(output: string): string[] {
  const texts = [...output.matchAll(/(?:^|\s)error: (.+)$|^\[\d+\/\d+\] .*?: failed: (.+)$/gm)].map((m) =>
    (m[1] ?? m[2]!).trim(),
  );
  return [...new Set(texts)];
}

test("the corpus has at least 60 cases, with unique names, in every category", () => {
  expect(CORPUS.length).toBeGreaterThanOrEqual(60);
  expect(new Set(CORPUS.map((c) => c.name)).size).toBe(CORPUS.length);
  const categories = new Set(CORPUS.map((c) => c.category));
  expect([...categories].sort()).toEqual(["config", "env", "flags", "plan", "server"]);
});

describe.each(["config", "flags", "plan", "env", "server"] as const)("bad input: %s", (category) => {
  test.each(CORPUS.filter((c) => c.category === category).map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const r = await runCase(c, emu, env);
    const context = `\n--- output of '${c.name}' ---\n${r.output}`;
    expect(r.code, context).toBe(1);
    for (const re of c.expect) expect(r.output, context).toMatch(re);
    // One message: one distinct error text (a per-target error is printed on its plan line and its progress line).
    expect(errorTexts(r.output), context).toHaveLength(1);
    // …and the fix: a `fix:` line, or the pointer to --help for a flag parseArgs refused.
    expect(r.output, context).toMatch(/^\s*fix: \S|--help' for the options/m);
    expect(r.output, context).not.toMatch(STACK_LINE);
    expect(r.writes, context).toEqual([]);
    for (const canary of Object.values(CANARIES)) expect(r.output, context).not.toContain(canary);
    // A gateway's page is summarized: not one tag of it reaches the output.
    expect(r.output).not.toMatch(/<html|<!DOCTYPE/i);
  });
});
