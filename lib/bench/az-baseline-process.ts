import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ARM_API_VERSION } from "../azure/arm-client.ts";
import { endpointsFromEnv } from "../azure/endpoints.ts";
import { scrub } from "../azure/redact.ts";
import { sitePath, type TargetRef } from "../azure/targets.ts";
import { errorMessage } from "../errors.ts";
import { AzCliError, azEnv, azSignIn, findAz, runAz, stderrTail, type AzRun } from "./az-cli.ts";
import type { BaselineJob, BaselineResult } from "./baselines.ts";

/**
 * The seed-style baseline through the real az CLI: `tsx lib/bench/az-baseline-process.ts <job.json>`, one JSON
 * `BaselineResult` line on stdout. For each target, one after the other, exactly what `runBaseline` does in-process:
 * `az rest --method get` of `config/authsettingsV2/list`, then `az rest --method put` of the whole document with
 * `desired` laid over its properties (no diff). Each az call is made once: `az rest` sends one request through a plain
 * `requests` session with no retry policy, so a 429 is a failed operation (`send_raw_request` in
 * https://github.com/Azure/azure-cli/blob/azure-cli-2.45.0/src/azure-cli-core/azure/cli/core/util.py).
 * Started only by the bench (lib/bench/runs.ts) and test/emulator/az-cli.test.ts.
 */
export const AZ_BASELINE_PROCESS = new URL(import.meta.url).pathname;

export interface AzBaselineJob extends BaselineJob {
  /** The isolated AZURE_CONFIG_DIR; signed in here first unless it already holds a sign-in. */
  configDir: string;
}

/** What the loop measured besides the result: printed on stderr, for the bench's notes. */
export interface AzLoopTiming {
  calls: number;
  callSeconds: number;
  signInSeconds: number;
}

const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]*/g;

/**
 * One failed az call in words: `az rest` prints `ERROR: {reason}({body})` for an HTTP error; only the reason and the
 * service's error code are kept (a body is never quoted), anything else is az's last stderr line, scrubbed.
 */
export function azFailure(what: string, r: AzRun, secrets: readonly string[]): string {
  const line = stderrTail(r.stderr, 1);
  const http = /^ERROR:\s*([^({]+?)\s*\((.*)\)\s*$/s.exec(line);
  if (http) {
    let code: string | undefined;
    try {
      code = (JSON.parse(http[2]!) as { error?: { code?: string } }).error?.code;
    } catch {
      code = undefined;
    }
    return `${what} ${http[1]}${code ? ` (${code})` : ""}`;
  }
  return `${what} failed (exit ${r.exitCode}): ${scrub(line, secrets).replace(JWT, "REDACTED").slice(0, 200)}`;
}

/** True when `configDir`'s az profile already lists a subscription (a sign-in made before this process). */
function signedIn(configDir: string): boolean {
  try {
    // az writes azureProfile.json with a UTF-8 byte order mark.
    const text = readFileSync(join(configDir, "azureProfile.json"), "utf8").replace(/^\uFEFF/, "");
    return ((JSON.parse(text) as { subscriptions?: unknown[] }).subscriptions ?? []).length > 0;
  } catch {
    return false;
  }
}

export async function runAzBaseline(
  job: AzBaselineJob,
  env: NodeJS.ProcessEnv,
  az: string,
): Promise<{ result: BaselineResult; timing: AzLoopTiming }> {
  const secrets = [env.AZURE_CLIENT_SECRET ?? ""];
  const timing: AzLoopTiming = { calls: 0, callSeconds: 0, signInSeconds: 0 };
  const ownSignIn = !signedIn(job.configDir);
  const errors: string[] = [];
  let failed = 0;
  const bodies = mkdtempSync(join(tmpdir(), "easyauth-az-bodies-"));
  try {
    if (ownSignIn) {
      const started = process.hrtime.bigint();
      try {
        await azSignIn({ env, configDir: job.configDir, az });
      } catch (e) {
        const message = e instanceof AzCliError ? e.message : errorMessage(e);
        return {
          result: { ops: job.targets.length, failed: job.targets.length, errors: [scrub(message, secrets)] },
          timing,
        };
      }
      timing.signInSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    }
    const arm = endpointsFromEnv(env).resourceManager;
    const envForAz = azEnv(job.configDir, env);
    const call = async (args: string[]): Promise<AzRun> => {
      const started = process.hrtime.bigint();
      const r = await runAz(az, ["rest", ...args], envForAz);
      timing.calls++;
      timing.callSeconds += Number(process.hrtime.bigint() - started) / 1e9;
      return r;
    };
    const one = async (t: TargetRef, i: number): Promise<string | undefined> => {
      const url = `${arm}${sitePath(t)}/config/authsettingsV2`;
      const got = await call(["--method", "get", "--url", `${url}/list?api-version=${ARM_API_VERSION}`]);
      if (got.exitCode !== 0) return azFailure("GET", got, secrets);
      let doc: { properties?: Record<string, unknown> };
      try {
        doc = JSON.parse(got.stdout) as typeof doc;
      } catch {
        return "GET answered something other than JSON";
      }
      const file = join(bodies, `${i}.json`);
      writeFileSync(file, JSON.stringify({ properties: { ...doc.properties, ...job.desired } }), { mode: 0o600 });
      const put = await call([
        "--method",
        "put",
        "--url",
        `${url}?api-version=${ARM_API_VERSION}`,
        "--body",
        `@${file}`,
        "--output",
        "none",
      ]);
      rmSync(file, { force: true });
      return put.exitCode === 0 ? undefined : azFailure("PUT", put, secrets);
    };
    for (const [i, t] of job.targets.entries()) {
      const why = await one(t, i);
      if (why === undefined) continue;
      failed++;
      if (errors.length < 3) errors.push(`${t.name}: ${why}`);
    }
    return { result: { ops: job.targets.length, failed, errors }, timing };
  } finally {
    rmSync(bodies, { recursive: true, force: true });
    // az keeps the client secret in {configDir}/service_principal_entries.json: a sign-in made here is not left behind.
    if (ownSignIn) rmSync(job.configDir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const file = argv[0];
  if (!file || argv.length !== 1) {
    process.stderr.write("Usage: tsx lib/bench/az-baseline-process.ts <job.json>\n");
    return 1;
  }
  let job: AzBaselineJob;
  try {
    job = JSON.parse(readFileSync(file, "utf8")) as AzBaselineJob;
  } catch (e) {
    process.stderr.write(`${file}: cannot read the job (${errorMessage(e)}): write it as lib/bench/runs.ts does.\n`);
    return 1;
  }
  if (job.mode !== "seed-style" || !job.configDir || !Array.isArray(job.targets)) {
    process.stderr.write(`${file}: the az loop runs a seed-style job with a configDir and targets.\n`);
    return 1;
  }
  const az = await findAz();
  if (!az) {
    process.stderr.write("the az CLI is not installed: run the in-process baseline (lib/bench/baseline-process.ts).\n");
    return 1;
  }
  const { result, timing } = await runAzBaseline(job, process.env, az);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  const mean = timing.calls ? (timing.callSeconds / timing.calls).toFixed(2) : "-";
  process.stderr.write(
    `az loop: ${timing.calls} az rest calls, ${mean} s per call, sign-in ${timing.signInSeconds.toFixed(2)} s\n`,
  );
  // Failed operations are the result's (as lib/bench/baseline-process.ts): the process itself succeeded.
  return 0;
}

if (process.argv[1] && new URL(`file://${process.argv[1]}`).pathname === AZ_BASELINE_PROCESS) {
  process.exitCode = await main(process.argv.slice(2));
}
