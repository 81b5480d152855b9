import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { $, which } from "zx";
import { endpointsFromEnv } from "../azure/endpoints.ts";
import { scrub } from "../azure/redact.ts";
import { ToolError } from "../errors.ts";

/** An az CLI call that failed: which one, and the last lines az printed on stderr (secrets scrubbed). */
export class AzCliError extends ToolError {
  readonly retryable = false;
}

/** The custom cloud the emulator is registered as, inside the isolated AZURE_CONFIG_DIR only. */
export const AZ_CLOUD_NAME = "EasyAuthEmulator";

/** The az CLI on the PATH, or undefined when it is not installed. */
export async function findAz(): Promise<string | undefined> {
  return (await which("az", { nothrow: true })) ?? undefined;
}

/**
 * The env every az call needs, isolated from the user's own az state:
 *  - AZURE_CONFIG_DIR: az keeps its clouds, profile and MSAL token cache there, never in ~/.azure;
 *    AZURE_{SECTION}_{KEY} variables set its configuration
 *    (https://learn.microsoft.com/en-us/cli/azure/azure-cli-configuration);
 *  - REQUESTS_CA_BUNDLE: az and MSAL Python both send through `requests`, which trusts only this bundle when it is set
 *    (https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification);
 *  - AZURE_CORE_* settings: no telemetry upload (there is no internet), errors only on stderr, JSON output;
 *  - the client secret is dropped: az never reads AZURE_CLIENT_SECRET, so it need not be in its environment.
 */
export function azEnv(configDir: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { AZURE_CLIENT_SECRET: _secret, ...rest } = env;
  const ca = env.NODE_EXTRA_CA_CERTS;
  const noProxy = [env.NO_PROXY ?? env.no_proxy, "127.0.0.1", "localhost"].filter(Boolean).join(",");
  return {
    ...rest,
    AZURE_CONFIG_DIR: configDir,
    ...(ca ? { REQUESTS_CA_BUNDLE: ca } : {}),
    AZURE_CORE_COLLECT_TELEMETRY: "false",
    AZURE_CORE_ONLY_SHOW_ERRORS: "true",
    AZURE_CORE_NO_COLOR: "true",
    AZURE_CORE_SURVEY_MESSAGE: "false",
    AZURE_CORE_OUTPUT: "json",
    NO_PROXY: noProxy,
    no_proxy: noProxy,
  };
}

export interface AzRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `az <args>` once (never retried) with `env` as its whole environment. */
export async function runAz(az: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<AzRun> {
  const r = await $({ env, quiet: true, nothrow: true })`${az} ${args}`;
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The last non-empty lines of az's stderr, for an error message. */
export function stderrTail(stderr: string, lines = 3): string {
  return stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-lines)
    .join(" | ");
}

/** `az version`'s azure-cli version (`{"azure-cli": "2.45.0", …}`), or "unknown". Run in a throw-away config dir. */
export async function azVersion(az: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "easyauth-az-version-"));
  try {
    const r = await runAz(az, ["version", "--output", "json"], azEnv(dir, process.env));
    return String((JSON.parse(r.stdout) as Record<string, unknown>)["azure-cli"] ?? "unknown");
  } catch {
    return "unknown";
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const required = (env: NodeJS.ProcessEnv, name: string): string => {
  const v = env[name];
  if (!v)
    throw new AzCliError(`az sign-in needs ${name}, which is not set.`, {
      fix: "Pass the emulator's connection env (lib/demo/emulator-process.ts spawnEmulator: info.env).",
    });
  return v;
};

/**
 * Signs the az CLI in to the emulator as the tool's service principal, in `configDir` only:
 *  1. `az cloud register` the emulator as a custom cloud and `az cloud set` it. Its Active Directory endpoint is the
 *     emulator's ADFS-style authority (`{host}/adfs`): MSAL Python validates any other authority it does not know by
 *     instance discovery against login.microsoftonline.com (unreachable offline), and az 2.45 has no setting to turn
 *     that off (`core.instance_discovery` came later, Azure/azure-cli#27494); for an authority ending in `adfs`, az
 *     builds the MSAL app without discovery (`_get_authority_url` in
 *     https://github.com/Azure/azure-cli/blob/azure-cli-2.45.0/src/azure-cli-core/azure/cli/core/auth/identity.py).
 *  2. `az login --service-principal`: the secret goes as `--password @<file>` (az replaces any `@file` argument with
 *     the file's content: `_expand_file_prefixed_files` in
 *     https://github.com/Azure/azure-cli/blob/azure-cli-2.45.0/src/azure-cli-core/azure/cli/core/commands/__init__.py),
 *     so it is never in argv; the file is 0600 in a private temporary folder and removed at once. az itself then keeps
 *     it in `{configDir}/service_principal_entries.json` (plaintext on Linux): remove `configDir` when done.
 */
export async function azSignIn(opts: { env: NodeJS.ProcessEnv; configDir: string; az?: string }): Promise<void> {
  const az = opts.az ?? (await findAz());
  if (!az) throw new AzCliError("the az CLI is not installed (no az on the PATH).");
  const clientId = required(opts.env, "AZURE_CLIENT_ID");
  const secret = required(opts.env, "AZURE_CLIENT_SECRET");
  const tenantId = required(opts.env, "AZURE_TENANT_ID");
  required(opts.env, "AZURE_RESOURCE_MANAGER_ENDPOINT");
  required(opts.env, "NODE_EXTRA_CA_CERTS");
  const endpoints = endpointsFromEnv(opts.env);
  mkdirSync(opts.configDir, { recursive: true, mode: 0o700 });
  const env = azEnv(opts.configDir, opts.env);

  const step = async (what: string, args: string[]): Promise<AzRun> => {
    const r = await runAz(az, args, env);
    if (r.exitCode !== 0)
      throw new AzCliError(`az ${what} failed (exit ${r.exitCode}): ${scrub(stderrTail(r.stderr), [secret])}`, {
        fix: `Run it by hand with AZURE_CONFIG_DIR=${opts.configDir} and --debug to see each request.`,
      });
    return r;
  };

  const cloud = [
    "--name",
    AZ_CLOUD_NAME,
    "--endpoint-resource-manager",
    endpoints.resourceManager,
    "--endpoint-active-directory",
    `${endpoints.authorityHost}/adfs`,
    // The ARM audience az asks tokens for (`resource_to_scopes` adds `/.default`): the cloud's, as ARM checks it.
    "--endpoint-active-directory-resource-id",
    `${endpoints.cloud.armAudience}/`,
    "--endpoint-active-directory-graph-resource-id",
    "https://graph.windows.net/",
  ];
  const registered = await runAz(az, ["cloud", "register", ...cloud], env);
  // A config dir signed in before already has the cloud: update its endpoints (the emulator's port changes).
  if (registered.exitCode !== 0) {
    if (!/already registered/i.test(registered.stderr))
      throw new AzCliError(
        `az cloud register failed (exit ${registered.exitCode}): ${scrub(stderrTail(registered.stderr), [secret])}`,
      );
    await step("cloud update", ["cloud", "update", ...cloud]);
  }
  await step("cloud set", ["cloud", "set", "--name", AZ_CLOUD_NAME]);

  const secretDir = mkdtempSync(join(tmpdir(), "easyauth-az-"));
  const secretFile = join(secretDir, "password");
  try {
    writeFileSync(secretFile, secret, { mode: 0o600 });
    await step("login --service-principal", [
      "login",
      "--service-principal",
      "--username",
      clientId,
      "--password",
      `@${secretFile}`,
      "--tenant",
      tenantId,
      "--output",
      "none",
    ]);
  } finally {
    rmSync(secretDir, { recursive: true, force: true });
  }
}
