import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Agent, fetch as undiciFetch } from "undici";
import { $ } from "zx";
import { spawnEmulator, TSX, type RunningEmulator } from "../../lib/demo/emulator-process.ts";
import { STACK_LINE } from "./harness.ts";
import { AUTH, fleetYaml } from "./world.ts";
import YAML from "yaml";

// Each process starts tsx, which takes seconds on a busy machine: the budget is per test.
const PROCESS_MS = 120_000;

// Real processes, for what only a process shows: the exit code set by the one entry point, stderr as printed, and
// stack traces only with --debug.
let dir: string;
let badConfig: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bad-input-process-"));
  badConfig = join(dir, "bad.yaml");
  writeFileSync(badConfig, fleetYaml({ auth: { azureActiveDirectory: { allowedAudiences: ["*"] } } }));
});

const run = (script: string, args: string[], env: Record<string, string> = {}) =>
  $({ quiet: true, nothrow: true, input: "", env: { ...process.env, ...env } })`${TSX} scripts/${script} ${args}`;

describe("bad input as a process", { timeout: PROCESS_MS }, () => {
  test("a refused config: exit 1, one error and its fix on stderr, nothing on stdout, no stack", async () => {
    const r = await run("configure-auth.ts", ["--config", badConfig, "--yes"]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.match(/^error: /gm)).toHaveLength(1);
    expect(r.stderr).toMatch(/audiences take no wildcards/);
    expect(r.stderr).toMatch(/^fix: /m);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  test("--debug adds the stack trace of the same error", async () => {
    const r = await run("configure-auth.ts", ["--config", badConfig, "--yes", "--debug"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/audiences take no wildcards/);
    expect(r.stderr).toMatch(STACK_LINE);
    expect(r.stderr).toMatch(/ConfigError/);
  });

  test("--concurrency -5: the range, not parseArgs' 'ambiguous' hint", async () => {
    const good = join(dir, "good.yaml");
    writeFileSync(good, fleetYaml(AUTH));
    const r = await run("configure-auth.ts", ["--config", good, "--concurrency", "-5"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).not.toMatch(/ambiguous/);
    expect(r.stderr).toMatch(/--concurrency must be an integer from 1 to 64, got '-5'/);
  });

  test("the emulator refuses a fleet config passed as its --seed, with the reason", async () => {
    const r = await run("emulator.ts", ["--seed", badConfig, "--port", "0"]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /--seed .*bad\.yaml: this is a fleet config \(it has apps:\/defaults:\), not an emulator seed/,
    );
    expect(r.stderr).toMatch(/fix: Pass a seed file \(see config\/demo-seed\.yaml\)/);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});

describe("a hostile answer reaching a process", { timeout: PROCESS_MS }, () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    // The answer fault given on the emulator's command line: authsettingsV2/list answers 200 with an error body.
    const faults = JSON.stringify([
      {
        service: "arm",
        path: "/config/authsettingsV2/list$",
        kind: "answer",
        answer: { status: 200, body: JSON.stringify({ error: { code: "InternalError", message: "later" } }) },
      },
    ]);
    emu = await spawnEmulator(["--port", "0", "--seed", "config/demo-seed.yaml", "--faults", faults], 90_000);
  }, PROCESS_MS);
  afterAll(() => emu?.stop());

  test("configure-auth: exit 1, the target failed with the reason, nothing written", async () => {
    const demoConfig = join(dir, "demo.yaml");
    const seed = YAML.parse(readFileSync("config/demo-seed.yaml", "utf8")) as {
      subscriptions: { subscriptionId: string; resourceGroups: { name: string; sites: { name: string }[] }[] }[];
    };
    const sub = seed.subscriptions[0]!;
    const rg = sub.resourceGroups[0]!;
    writeFileSync(
      demoConfig,
      YAML.stringify({
        defaults: { subscriptionId: sub.subscriptionId, resourceGroup: rg.name },
        apps: [{ name: rg.sites[0]!.name, ...AUTH }],
      }),
    );
    const r = await run("configure-auth.ts", ["--config", demoConfig, "--yes"], emu.info.env);
    expect(r.exitCode).toBe(1);
    expect(r.stdout + r.stderr).toMatch(
      /answered 200 with an error body \(InternalError\); nothing was planned or written/,
    );
    expect(r.stderr).not.toMatch(STACK_LINE);
    // The emulator process has its own CA: trusted for this one read of its request log.
    const dispatcher = new Agent({ connect: { ca: readFileSync(emu.info.env.NODE_EXTRA_CA_CERTS!, "utf8") } });
    const res = await undiciFetch(`${emu.info.env.AZURE_RESOURCE_MANAGER_ENDPOINT}/_emulator/requests`, { dispatcher });
    const log = (await res.json()) as { method: string; service: string; status: number }[];
    expect(log.some((e) => e.service === "arm" && e.method === "GET")).toBe(true);
    expect(log.filter((e) => e.service === "arm" && ["PUT", "PATCH", "DELETE"].includes(e.method))).toEqual([]);
  });
});
