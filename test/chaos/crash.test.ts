import { isDeepStrictEqual } from "node:util";
import pLimit from "p-limit";
import { afterAll, describe, expect, test } from "vitest";
import { seededRandom } from "../../lib/emulator/faults.ts";
import { KINDS } from "../../lib/resources/index.ts";
import { startScript } from "./lib/child.ts";
import { CHAOS_COMMANDS, runInProcess, type ChaosCommand } from "./lib/commands.ts";
import { argvOf, toCompletion } from "./lib/runs.ts";
import {
  authPuts,
  diff,
  duplicates,
  normalize,
  publishedKeysValid,
  putsWithoutBackup,
  untouched,
} from "./lib/invariants.ts";
import { failedTargets, parseJson, pendingChanges } from "./lib/outcomes.ts";
import { DEMO_CONFIG, trialDir, World } from "./lib/world.ts";

/**
 * Crash convergence: each writing command runs as a child process and is SIGKILLed while the emulator holds its
 * n-th request (any request, or the n-th write), then the held request is dropped or served late (a write that landed
 * after its client died), and the command runs again to completion. After every trial the world must equal the world
 * of a clean run, plan nothing more, hold no duplicate, keep a valid published key at every point, and have a backup
 * for every whole-document PUT. `CHAOS_SEED=<seed>` replays one trial (per command; `CHAOS_COMMAND` picks one).
 */

const TRIALS = Number(process.env.CHAOS_TRIALS ?? 30);
const PARALLEL = Number(process.env.CHAOS_PARALLEL ?? 3);
const BASE = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31);
const seeds = process.env.CHAOS_SEED ? [BASE] : Array.from({ length: TRIALS }, (_, i) => BASE + i);
const selected = CHAOS_COMMANDS.filter((c) => !process.env.CHAOS_COMMAND || c.name === process.env.CHAOS_COMMAND);

/** Writes past sign-in: token requests are reads for this purpose. */
const WRITES = { method: "PUT|PATCH|POST|DELETE", path: "^(?!.*/oauth2/).*$" };

interface Reference {
  state: unknown;
  failed: string[];
  requests: number;
  writes: number;
}

const worlds: World[] = [];
afterAll(async () => {
  await Promise.all(worlds.map((w) => w.close()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A clean run from the saved world: the state every trial must end in, and how many requests it takes. */
async function reference(world: World, c: ChaosCommand): Promise<Reference> {
  await world.reset();
  let requests = 0;
  let writes = 0;
  const doc = await toCompletion(world, c, trialDir(`${c.name}-ref`), async () => {
    // What one run sends: the range the held request is drawn from.
    const log = await world.requests();
    requests = log.length;
    writes = log.filter((l) => l.service !== "entra" && WRITES.method.split("|").includes(l.method)).length;
  });
  return { state: normalize(await world.state()), failed: failedTargets(doc), requests, writes };
}

interface TrialResult {
  problems: string[];
  held: boolean;
  servedLate: boolean;
}

/** One trial; the problems it found (empty when every invariant holds). */
async function trial(world: World, c: ChaosCommand, ref: Reference, seed: number): Promise<TrialResult> {
  // The command's name is mixed in, so one seed draws different points for different commands.
  const rnd = seededRandom(seed ^ [...c.name].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 16777619), 2166136261));
  const writesOnly = rnd() < 0.5 && ref.writes > 0;
  const n = 1 + Math.floor(rnd() * (writesOnly ? ref.writes : ref.requests));
  const serveLate = rnd() < 0.5;
  const how = `hold the ${n}th ${writesOnly ? "write" : "request"}, then ${serveLate ? "serve it late" : "drop it"}`;
  const problems: string[] = [];
  const t0 = performance.now();
  const phase = (name: string) =>
    process.env.CHAOS_VERBOSE && console.log(`  ${seed} ${name} at ${Math.round(performance.now() - t0)} ms`);
  const check = async (when: string) => problems.push(...(await publishedKeysValid(world)).map((p) => `${when}: ${p}`));

  await world.reset();
  const before = (await world.state()).arm;
  const dir = trialDir(c.name);
  const [hold] = await world.addFaults({ kind: "hold", nth: n, times: 1, ...(writesOnly ? WRITES : {}) });
  const child = startScript(c.name, argvOf(c, dir), { ...world.env, NO_COLOR: "1" });
  let held = false;
  let done = false;
  void child.exited.then(() => (done = true));
  while (!done && !held) {
    await sleep(25);
    held = (await world.faults()).some((f) => f.id === hold!.id && f.held > 0);
  }
  phase("held");
  child.kill();
  const killed = await child.exited;
  await check("after the kill");
  if (held) {
    const before = (await world.requests()).length;
    await world.release(hold!.id, serveLate);
    for (let i = 0; i < 200 && (await world.requests()).length <= before; i++) await sleep(10);
    await check("after the held request was " + (serveLate ? "served" : "dropped"));
  }
  // A hold the child never reached must not catch the rerun.
  await world.admin("DELETE", "faults");

  phase("released");
  const rerun = await toCompletion(world, c, dir);
  phase("rerun");
  if (!isDeepStrictEqual(failedTargets(rerun), ref.failed))
    problems.push(`rerun failed ${JSON.stringify(failedTargets(rerun))}, a clean run ${JSON.stringify(ref.failed)}`);
  await check("after the rerun");

  const dry = world.io();
  await runInProcess(c.name, ["--config", DEMO_CONFIG, "--dry-run", "--json"], dry);
  const pending = pendingChanges(parseJson(dry.out(), "dry run after the rerun"), ref.failed);
  if (pending.length) problems.push(`not converged, a third run would change: ${pending.join("; ")}`);

  phase("dry run");
  const state = await world.state();
  problems.push(...duplicates(state.graph), ...untouched(before, state.arm));
  const now = normalize(state);
  if (!isDeepStrictEqual(now, ref.state))
    problems.push(`final state differs from a clean run's: ${diff(ref.state, now)}`);
  problems.push(...putsWithoutBackup(authPuts(await world.requests()), `${dir}/backups`).map((m) => `no backup: ${m}`));

  return {
    held,
    servedLate: held && serveLate,
    problems: problems.map(
      (p) =>
        `${c.name} seed ${seed} (${how}; ${held ? "killed while held" : `exited first with ${killed.code}`}): ${p}\n` +
        `  replay: CHAOS_SEED=${seed} CHAOS_COMMAND=${c.name} npm run test:chaos -- crash`,
    ),
  };
}

describe("crash convergence", () => {
  test("every kind's command is in the chaos table", () => {
    const covered = new Set(CHAOS_COMMANDS.map((c) => c.name));
    expect(KINDS.map((k) => k.command).filter((name) => !covered.has(name))).toEqual([]);
    expect(covered.has("apply")).toBe(true);
  });

  const limit = pLimit(PARALLEL);
  // The longest (apply, then rotate-keys) first, so they do not start last behind the limit.
  describe.concurrent.each([...selected].reverse().map((c) => [c.name, c] as const))("%s", (_name, c) => {
    test(`${seeds.length} trials, SIGKILL at a random request`, async () => {
      // One emulator per command, its trials one after another (each starts from the saved world); commands in parallel.
      const problems = await limit(async () => {
        const world = await World.start();
        worlds.push(world);
        await world.prepare(c);
        const ref = await reference(world, c);
        const found: string[] = [];
        let killedHeld = 0;
        let servedLate = 0;
        for (const s of seeds) {
          const t0 = performance.now();
          const r = await trial(world, c, ref, s);
          found.push(...r.problems);
          killedHeld += Number(r.held);
          servedLate += Number(r.servedLate);
          if (process.env.CHAOS_VERBOSE) console.log(`${c.name} seed ${s}: ${Math.round(performance.now() - t0)} ms`);
        }
        console.log(
          `${c.name}: ${seeds.length} trials from seed ${BASE} (one run: ${ref.requests} requests, ${ref.writes} writes); ` +
            `${killedHeld} killed while a request was held (${servedLate} of those served late), ` +
            `${seeds.length - killedHeld} finished first; ${found.length} problems`,
        );
        return found;
      });
      expect(problems, problems.join("\n")).toEqual([]);
    });
  });
});
