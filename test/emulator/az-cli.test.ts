import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { $ } from "zx";
import { azEnv, azSignIn, azVersion, findAz, runAz } from "../../lib/bench/az-cli.ts";
import { AZ_BASELINE_PROCESS, type AzBaselineJob } from "../../lib/bench/az-baseline-process.ts";
import type { BaselineResult } from "../../lib/bench/baselines.ts";
import { TSX } from "../../lib/demo/emulator-process.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { emulatorEnv, startTestEmulator } from "../helpers/emulator.ts";

// The real az CLI is a Debian/pip package, not an npm one: without it these tests cannot run at all.
const AZ = await findAz();
const RG = "rg-demo-api";
const SUB2 = "5f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
const APPS = ["func-greeting", "func-orders", "func-reports"];
// Each az call starts a Python process (about 1–3 s on a loaded 2-core machine): these tests run for tens of seconds.
const SLOW = { timeout: 180_000 };
const DESIRED = {
  platform: { enabled: true, runtimeVersion: "~1" },
  globalValidation: { requireAuthentication: true, unauthenticatedClientAction: "Return401" },
  httpSettings: { requireHttps: true, forwardProxy: { convention: "NoProxy" } },
};

/** Every file under `dir` (recursively) whose content holds `needle`, relative to `dir`. */
function filesHolding(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (readFileSync(p).includes(needle)) hits.push(p.slice(dir.length + 1));
    }
  };
  walk(dir);
  return hits;
}

describe.runIf(!AZ && process.env.REQUIRE_AZ === "1")("the az CLI: required", () => {
  test("REQUIRE_AZ=1 needs the az CLI (Debian's azure-cli; .ci/run installs it)", () => {
    throw new Error("REQUIRE_AZ=1 but no az on PATH");
  });
});

describe.skipIf(!AZ)(AZ ? `the az CLI (${AZ}) against the emulator` : "skipped: the az CLI is not installed", () => {
  const az = AZ!;
  let emu: Emulator;
  let work: string;
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, ...emulatorEnv(emu) });
  const site = (name: string) => emu.arm.site(emu.subscriptionId, RG, name)!;
  const authCalls = () => emu.log.list().filter((r) => r.service === "arm" && /\/config\/authsettingsV2/i.test(r.path));

  /** `tsx lib/bench/az-baseline-process.ts <job.json>` as the bench starts it; its one JSON line. */
  const runLoop = async (job: AzBaselineJob) => {
    const file = join(work, `job-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify(job));
    const r = await $({ env: env(), quiet: true, nothrow: true })`${TSX} ${AZ_BASELINE_PROCESS} ${file}`;
    return { exitCode: r.exitCode, stderr: r.stderr, result: JSON.parse(r.stdout.trim()) as BaselineResult };
  };
  const job = (apps: string[], configDir: string): AzBaselineJob => ({
    mode: "seed-style",
    targets: apps.map((name) => ({
      subscriptionId: name === "func-second" ? SUB2 : emu.subscriptionId,
      resourceGroup: RG,
      name,
    })),
    desired: DESIRED,
    configDir,
  });

  beforeAll(async () => {
    const seed = YAML.parse(readFileSync("config/demo-seed.yaml", "utf8")) as { subscriptions: object[] };
    // A second subscription the tool's principal also sees: one az sign-in must serve both (as a fleet spans them).
    seed.subscriptions.push({
      subscriptionId: SUB2,
      displayName: "Second",
      resourceGroups: [{ name: RG, sites: [{ name: "func-second", kind: "functionapp" }] }],
    });
    emu = await startTestEmulator({ seed });
    work = mkdtempSync(join(tmpdir(), "az-cli-test-"));
  });
  afterAll(async () => {
    await emu?.close();
    rmSync(work, { recursive: true, force: true });
  });
  beforeEach(() => {
    emu.log.clear();
    emu.throttle.configure({ ...emu.throttle.spec, enabled: false });
  });

  test("azVersion reads the installed version", SLOW, async () => {
    expect(await azVersion(az)).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test(
    "azSignIn signs in to the emulator's cloud in its own config dir; the secret is only where az keeps it",
    SLOW,
    async () => {
      const configDir = join(work, "signed-in");
      // az through a wrapper that records each call's argv: the secret must not be in any of them.
      const argvLog = join(work, "argv.log");
      const wrapper = join(work, "az-wrapper.sh");
      writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec '${az}' "$@"\n`);
      chmodSync(wrapper, 0o755);
      await azSignIn({ env: env(), configDir, az: wrapper });
      const argv = readFileSync(argvLog, "utf8").trim().split("\n");
      expect(argv.map((a) => a.split(" ").slice(0, 2).join(" "))).toEqual([
        "cloud register",
        "cloud set",
        "login --service-principal",
      ]);
      expect(argv[2]).toMatch(/--password @\S+/);
      expect(argv.join("\n")).not.toContain(emu.clientSecret);
      const tokens = emu.log.list().filter((r) => r.service === "entra" && r.method === "POST");
      expect(tokens.map((r) => [r.path, r.status])).toEqual([["/adfs/oauth2/v2.0/token", 200]]);
      expect(emu.log.list().some((r) => r.method === "GET" && r.path === "/subscriptions" && r.status === 200)).toBe(
        true,
      );
      const shown = await runAz(az, ["account", "show", "--output", "json"], azEnv(configDir, env()));
      expect(JSON.parse(shown.stdout)).toMatchObject({
        id: emu.subscriptionId,
        tenantId: emu.tenantId,
        environmentName: "EasyAuthEmulator",
        user: { name: emu.clientId, type: "servicePrincipal" },
      });
      // az's own store of a service principal's secret (plaintext on Linux); no log, cache or profile holds it.
      expect(filesHolding(configDir, emu.clientSecret)).toEqual(["service_principal_entries.json"]);
    },
  );

  test("a refused sign-in throws naming the step and az's error, without the secret sent", SLOW, async () => {
    const canary = "canary-secret-7f3c1d9e-not-the-real-one";
    const err = await azSignIn({ env: { ...env(), AZURE_CLIENT_SECRET: canary }, configDir: join(work, "refused") })
      .then(() => undefined)
      .catch((e: unknown) => e as Error);
    expect(err?.message).toMatch(/az login --service-principal failed \(exit 1\): .*AADSTS7000215/);
    expect(err?.message).not.toContain(canary);
  });

  test("the seed-style loop: one GET list and one whole-document PUT per app, in order, each once", SLOW, async () => {
    const before = structuredClone(site("func-orders").authV2);
    const configDir = join(work, "loop");
    const { exitCode, stderr, result } = await runLoop(job(APPS, configDir));
    expect(exitCode).toBe(0);
    expect(result).toEqual({ ops: 3, failed: 0, errors: [] });
    expect(stderr).toMatch(/az loop: 6 az rest calls, [\d.]+ s per call, sign-in [\d.]+ s/);
    console.log(stderr.trim());

    const prefix = `/subscriptions/${emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Web/sites`;
    expect(authCalls().map((r) => [r.method, r.path, r.status])).toEqual(
      APPS.flatMap((a) => [
        ["GET", `${prefix}/${a}/config/authsettingsV2/list`, 200],
        ["PUT", `${prefix}/${a}/config/authsettingsV2`, 200],
      ]),
    );
    // The process signed in itself (one token request) and removed az's config dir, which held the secret.
    expect(emu.log.list().filter((r) => r.service === "entra" && r.method === "POST")).toHaveLength(1);
    expect(existsSync(configDir)).toBe(false);

    for (const a of APPS) expect(site(a).authV2).toMatchObject(DESIRED);
    // Laid over: the desired top-level sections replace the read ones; every other section is kept as read (the GET
    // answers with ARM's defaults filled in, e.g. the other identity providers, and the whole PUT stores them).
    const orders = site("func-orders").authV2!;
    expect(orders.globalValidation).toEqual(DESIRED.globalValidation);
    expect(orders.identityProviders).toMatchObject(before!.identityProviders as object);
    expect(orders.login).toMatchObject(before!.login as object);
    expect(orders.futureSection).toEqual({ introducedBy: "a newer api-version", keepMe: true });
  });

  test(
    "a throttled PUT is sent once (failed, reported without its body); one sign-in serves two subscriptions",
    SLOW,
    async () => {
      const configDir = join(work, "throttled");
      await azSignIn({ env: env(), configDir });
      emu.log.clear();
      emu.throttle.configure({
        ...emu.throttle.spec,
        enabled: true,
        writes: { size: 0, refillPerSecond: 0.001 },
      });
      const { result } = await runLoop(job(["func-greeting", "func-second"], configDir));
      expect(result).toEqual({
        ops: 2,
        failed: 2,
        errors: [
          "func-greeting: PUT Too Many Requests (SubscriptionRequestsThrottled)",
          "func-second: PUT Too Many Requests (SubscriptionRequestsThrottled)",
        ],
      });
      // The GET in the second subscription is authorized by the same sign-in; each PUT is sent once, never retried.
      expect(authCalls().map((r) => [r.method, r.path.split("/")[2], r.status])).toEqual([
        ["GET", emu.subscriptionId, 200],
        ["PUT", emu.subscriptionId, 429],
        ["GET", SUB2, 200],
        ["PUT", SUB2, 429],
      ]);
      expect(emu.log.list().filter((r) => r.service === "entra")).toEqual([]);
      // Signed in before the process started: it used that sign-in and left the config dir alone.
      expect(existsSync(join(configDir, "azureProfile.json"))).toBe(true);
    },
  );
});
