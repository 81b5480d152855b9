import { spawn, type ChildProcess } from "node:child_process";
import { startFleetFixture, vaultClientFor } from "../helpers/fleet-fixture.ts";
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SecretClient } from "@azure/keyvault-secrets";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Emulator } from "../../lib/emulator/index.ts";
import type { LoggedRequest } from "../../lib/emulator/request-log.ts";
import type { JsonOutput } from "../../lib/pipeline/render-json.ts";
import { emulatorEnv } from "../helpers/emulator.ts";
import { RG, SUB } from "../helpers/seeds.ts";

/**
 * Crash safety, the hard way: `npx tsx scripts/rotate-keys.ts` runs in a child process and is SIGKILLed right after
 * the request that marks the crash point has been served. The point is found in the emulator's request log (a hook on
 * it runs as the entry is written, before the child can send anything else); a latency fault holds the child's next
 * request and a reset drops it, so nothing past the crash point reaches "Azure". The next run must finish what the
 * killed one began, without a second new key, and Key Vault must hold a valid key at every point.
 */

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const SECRET = "func-crash-production-greeting-apim";
const CANARY = `canary-crash-default-${randomUUID()}`;
const world = {
  subscriptions: [
    {
      subscriptionId: SUB,
      resourceGroups: [
        { name: RG, sites: [{ name: "func-crash", functions: { greeting: { keys: { default: CANARY } } } }] },
      ],
    },
  ],
};
const fleet = {
  defaults: { subscriptionId: SUB, resourceGroup: RG, keys: { vaultUrl: "fromEnv" } },
  apps: [{ name: "func-crash", keys: { rotate: [{ name: "apim", scope: "function", function: "greeting" }] } }],
};

let emu: Emulator;
let dir: string;
let configFile: string;
let kv: SecretClient;
const outputs: string[] = [];

beforeAll(async () => {
  ({ emu, dir, configFile } = await startFleetFixture("rotate-keys-crash", world, fleet));
  kv = vaultClientFor(emu);
});
afterAll(() => emu?.close());

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  killedAfter?: LoggedRequest;
}

/** Runs the script; when `crashAfter` matches a served request, holds and drops the next one and kills the process group. */
async function runScript(
  args: string[],
  crashAfter?: (e: LoggedRequest) => boolean,
  extraEnv: Record<string, string> = {},
): Promise<ChildResult> {
  const child: ChildProcess = spawn("npx", ["tsx", "scripts/rotate-keys.ts", "--config", configFile, ...args], {
    cwd: REPO,
    env: { ...process.env, ...emulatorEnv(emu), NO_COLOR: "1", ...extraEnv },
    // Its own process group: npx starts tsx, which starts node; SIGKILL must reach all of them at once.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  let killedAfter: LoggedRequest | undefined;
  const log = emu.log;
  const original = log.add.bind(log);
  if (crashAfter) {
    log.add = (entry) => {
      original(entry);
      const logged = log.list().at(-1)!;
      if (killedAfter || !crashAfter(logged)) return;
      killedAfter = logged;
      // Hold the next request (whatever it is) and then drop it unserved; then kill the whole process group.
      emu.faults.add([
        { kind: "latency", ms: 300, times: 1 },
        { kind: "reset", times: 1 },
      ]);
      process.kill(-child.pid!, "SIGKILL");
    };
  }
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on("exit", (c, s) => resolve([c, s])),
  );
  log.add = original;
  // Let a held request finish being dropped, then forget the faults so the next run starts clean.
  await new Promise((r) => setTimeout(r, 400));
  emu.faults.clear();
  outputs.push(stdout, stderr);
  return { code, signal, stdout, stderr, killedAfter };
}

const keysOnApp = () => emu.arm.site(SUB, RG, "func-crash")!.functions.get("greeting")!.keys;
const physical = () =>
  Object.keys(keysOnApp())
    .filter((k) => k.startsWith("apim-"))
    .sort();

/** "At least one published key is valid on the app": the current version names a key that exists with that value. */
async function assertPublishedValid(): Promise<string> {
  const s = await kv.getSecret(SECRET);
  const name = s.properties.tags?.keyName;
  expect(name, "the published version names a key").toBeDefined();
  expect(keysOnApp()[name!], `published key ${name} is valid on the app`).toBe(s.value);
  return name!;
}

const writesSince = (from: number) =>
  emu.log
    .list()
    .slice(from)
    .filter((l) => l.status !== 0 && ["PUT", "DELETE", "PATCH"].includes(l.method))
    .map((l) => `${l.service} ${l.method}`);

describe("rotate-keys crash safety (child process killed at each point)", () => {
  test("first rotation through the script: exit 0, --json results, Key Vault holds the new key (SDK logging on, nothing leaks)", async () => {
    const r = await runScript(["--yes", "--json"], undefined, { AZURE_LOG_LEVEL: "info" });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as JsonOutput;
    expect(doc.results).toEqual([
      expect.objectContaining({ target: "func-crash", resource: "functionKey greeting/apim", outcome: "updated" }),
    ]);
    expect(physical()).toHaveLength(1);
    expect(await assertPublishedValid()).toBe(physical()[0]);
  }, 60_000);

  const points: {
    name: string;
    args: (current: string) => string[];
    after: (e: LoggedRequest) => boolean;
    next: (current: string) => string[];
    nextWrites: string[];
  }[] = [
    {
      name: "after create (key on the app, not read back, not published)",
      args: () => ["--yes", "--force"],
      after: (e) =>
        e.service === "arm" &&
        e.method === "PUT" &&
        /\/functions\/greeting\/keys\/apim-/.test(e.path) &&
        e.status === 201,
      next: () => ["--yes"],
      // The created key is published and verified: no second PUT to ARM.
      nextWrites: ["keyvault PUT"],
    },
    {
      name: "after publish (new version written, not verified)",
      args: () => ["--yes", "--force"],
      after: (e) => e.service === "keyvault" && e.method === "PUT" && e.status === 200,
      next: () => ["--yes"],
      // Observing the current version with its value is the verification: nothing to write.
      nextWrites: [],
    },
    {
      name: "after verify (rotation done, summary not printed)",
      args: () => ["--yes", "--force"],
      after: (e) =>
        e.service === "keyvault" &&
        e.method === "GET" &&
        /\/secrets\/[^/]+\/[0-9a-f]{32}$/.test(e.path) &&
        e.status === 200,
      next: () => ["--yes"],
      nextWrites: [],
    },
    {
      name: "after verify, before the revoked key is deleted (--revoke)",
      args: (current) => ["--yes", "--revoke", current],
      after: (e) =>
        e.service === "keyvault" &&
        e.method === "GET" &&
        /\/secrets\/[^/]+\/[0-9a-f]{32}$/.test(e.path) &&
        e.status === 200,
      next: (current) => ["--yes", "--revoke", current],
      // Only the delete is left; the revoked key is gone after it, and no key is created again.
      nextWrites: ["arm DELETE"],
    },
  ];

  for (const p of points) {
    test(`crash ${p.name}: the next run finishes without a second new key; a published key stays valid throughout`, async () => {
      const current = await assertPublishedValid();
      const before = physical();
      const crashed = await runScript(p.args(current), p.after);
      expect(crashed.signal, crashed.stderr).toBe("SIGKILL");
      expect(crashed.killedAfter).toBeDefined();
      await assertPublishedValid();
      const created = physical().filter((k) => !before.includes(k));
      expect(created).toHaveLength(1);

      const from = emu.log.list().length;
      const next = await runScript(p.next(current));
      expect(next.code, next.stdout + next.stderr).toBe(0);
      expect(writesSince(from)).toEqual(p.nextWrites);
      // Finished: exactly the one key the killed run created is the published one.
      expect(physical().filter((k) => !before.includes(k))).toEqual(created);
      expect(await assertPublishedValid()).toBe(created[0]);
      if (p.args(current).includes("--revoke")) expect(physical()).not.toContain(current);

      // And a third run has nothing left to do.
      const from3 = emu.log.list().length;
      const third = await runScript(["--yes", "--dry-run", "--detailed-exitcode"]);
      expect(third.code, third.stdout).toBe(0);
      expect(writesSince(from3)).toEqual([]);
    }, 90_000);
  }

  test("canaries: no key value in any child's stdout or stderr (SDK logging included) or in files under the run directory", async () => {
    const values = new Set([CANARY, ...Object.values(keysOnApp())]);
    for await (const v of kv.listPropertiesOfSecretVersions(SECRET))
      values.add((await kv.getSecret(SECRET, { version: v.version! })).value!);
    const files = readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8"));
    const haystack = [...outputs, ...files].join("\n");
    expect(outputs.join("").length).toBeGreaterThan(1000);
    for (const v of values) expect(haystack.includes(v), "a key value leaked").toBe(false);
  });
});
