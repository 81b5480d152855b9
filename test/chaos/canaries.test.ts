import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { FaultInput } from "../../lib/emulator/faults.ts";
import { clientApp, mintToken } from "../emulator/data-plane-client.ts";
import { startScript } from "./lib/child.ts";
import { DEMO_CONFIG, trialDir, World, type SeedSite } from "./lib/world.ts";

/**
 * Secret canaries: the demo world with a unique canary in every secret it holds (app-setting values, function and
 * host keys, the classic auth client secret, the tool's own client secret), plus every key value the runs generate
 * and a bearer token handed to explain-token. Every command and output format runs as a child process with Azure SDK
 * logging at verbose and stack traces on; a test fails if a canary, a generated key value or any JWT appears in
 * stdout, stderr or any file a run wrote (plans, backups, SARIF, HTML, exports).
 */

const tag = randomUUID().slice(0, 8);
const CANARY = {
  appSetting: `canary-setting-${tag}-${randomUUID()}`,
  providerSecret: `canary-provider-secret-${tag}-${randomUUID()}`,
  functionKey: `canary-function-key-${tag}-${randomUUID()}`,
  hostKey: `canary-host-key-${tag}-${randomUUID()}`,
  v1ClientSecret: `canary-v1-secret-${tag}-${randomUUID()}`,
  clientSecret: `canary-client-secret-${tag}-${randomUUID()}`,
};
const JWT = /eyJ[\w-]{4,}\.eyJ[\w-]{4,}/;

interface CanaryRun {
  name: string;
  /** `{dir}`: the run's folder (every file in it is scanned); `{token}`: a live bearer token. */
  args: string[];
  /** Faults the run meets, for error paths: a truncated key listing that quotes key values, failing writes. */
  faults?: FaultInput[];
  /** SIGKILL the run once this many requests were made (crash output). */
  killAfter?: number;
}

const LISTKEYS_TRUNCATED: FaultInput = {
  kind: "answer",
  service: "arm",
  path: "/listkeys$",
  answer: { status: 200, body: `{"default":"${CANARY.functionKey}","apim":"${CANARY.hostKey}` },
};
const WRITES_FAIL: FaultInput = { kind: "status", status: 500, method: "PUT|PATCH", service: "arm" };

/** Every command and output format; adding a command or a format is one line. In order: they share one world. */
const RUNS: CanaryRun[] = [
  { name: "update-manifest", args: ["--dry-run"] },
  { name: "update-manifest", args: ["--yes", "--json", "--debug"] },
  { name: "configure-auth", args: ["--plan-out", "{dir}/auth.plan.json"] },
  { name: "configure-auth", args: ["--yes", "--backup-dir", "{dir}/backups", "--debug"] },
  { name: "configure-site", args: ["--yes", "--json"] },
  { name: "rotate-keys", args: ["--dry-run", "--json"] },
  { name: "rotate-keys", args: ["--yes", "--force", "--debug"] },
  { name: "rotate-keys", args: ["--yes", "--force", "--json"], faults: [LISTKEYS_TRUNCATED] },
  { name: "rotate-keys", args: ["--yes", "--force", "--debug"], killAfter: 25 },
  { name: "apply", args: ["--plan-out", "{dir}/apply.plan.json"] },
  { name: "apply", args: ["--yes", "--json", "--backup-dir", "{dir}/backups"], faults: [WRITES_FAIL] },
  { name: "apply", args: ["--yes", "--backup-dir", "{dir}/backups", "--debug"], faults: [LISTKEYS_TRUNCATED] },
  { name: "audit", args: ["--json", "--sarif", "{dir}/audit.sarif", "--html", "{dir}/audit.html"] },
  { name: "audit", args: [] },
  { name: "export", args: ["--out", "{dir}/export.yaml"] },
  { name: "export", args: [] },
  { name: "explain-token", args: ["{token}", "--app", "func-greeting", "--json"] },
  { name: "explain-token", args: ["{token}", "--app", "func-greeting", "--debug"] },
  { name: "restore", args: ["list", "--backup-dir", "{dir}/backups"] },
];

function plant(site: SeedSite): void {
  site.appSettings = {
    ...site.appSettings,
    CANARY_SETTING: CANARY.appSetting,
    ...(site.appSettings?.MICROSOFT_PROVIDER_AUTHENTICATION_SECRET
      ? { MICROSOFT_PROVIDER_AUTHENTICATION_SECRET: CANARY.providerSecret }
      : {}),
  };
  for (const f of Object.values(site.functions ?? {})) f.keys = { ...f.keys, legacy: CANARY.functionKey };
  site.hostKeys = { functionKeys: { ...site.hostKeys?.functionKeys, ops: CANARY.hostKey } };
  if (site.authV1) site.authV1.clientSecret = CANARY.v1ClientSecret;
  for (const slot of site.slots ?? []) plant(slot);
}

let world: World;
let dir: string;
const outputs: { run: string; where: string; text: string }[] = [];

/** Every file under `d`, recursively. */
function files(d: string): string[] {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** Every secret value "Azure" holds now: keys (generated ones too), app settings, published secrets. */
async function secretsNow(): Promise<string[]> {
  const [arm, vault] = await Promise.all([
    world.admin<{ sites: Record<string, unknown>[] }>("GET", "state?secrets=true"),
    world.vaultWithValues(),
  ]);
  const values: string[] = [];
  // Values under these members are secrets; a Key Vault reference (`@Microsoft.KeyVault(…)`) is only an address.
  const SECRET = /^(keys|functionKeys|systemKeys|masterKey|appSettings|clientSecret)$/;
  const walk = (v: unknown, inSecret = false): void => {
    if (typeof v === "string") {
      if (inSecret && v.length >= 16 && !v.startsWith("@Microsoft.KeyVault(")) values.push(v);
    } else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, inSecret || SECRET.test(k));
  };
  walk(arm.sites);
  for (const s of vault.secrets) for (const v of s.versions) if (v.value) values.push(v.value);
  return values;
}

beforeAll(async () => {
  world = await World.start({
    seed: (s) => s.subscriptions[0]!.resourceGroups[0]!.sites.forEach(plant),
    clientSecret: CANARY.clientSecret,
  });
  dir = trialDir("canaries");
});
afterAll(() => world?.close());

describe("secret canaries", () => {
  test(`${RUNS.length} runs of every command and format: no secret and no token in any output`, async () => {
    const seen = new Set<string>(Object.values(CANARY));
    // The canaries are in "Azure", where every command reads them.
    expect(await secretsNow()).toEqual(
      expect.arrayContaining([CANARY.appSetting, CANARY.providerSecret, CANARY.functionKey, CANARY.hostKey]),
    );
    for (const [i, r] of RUNS.entries()) {
      const label = `${i + 1}. ${r.name} ${r.args.join(" ")}${r.faults ? " (faults)" : ""}${r.killAfter ? " (killed)" : ""}`;
      const token = await mintToken(world.emu, { audience: "api://canary", client: clientApp(randomUUID()) });
      const args = r.args.map((a) => a.replaceAll("{dir}", dir).replaceAll("{token}", token));
      const argv = r.name === "explain-token" || r.name === "restore" ? args : ["--config", DEMO_CONFIG, ...args];
      await world.admin("DELETE", "faults");
      if (r.faults) await world.addFaults(r.faults);
      const before = (await world.requests()).length;
      const child = startScript(r.name, argv, { ...world.env, AZURE_LOG_LEVEL: "verbose", NO_COLOR: "1" });
      if (r.killAfter) {
        while ((await world.requests()).length < before + r.killAfter) await new Promise((s) => setTimeout(s, 20));
        child.kill();
      }
      const out = await child.exited;
      outputs.push(
        { run: label, where: "stdout", text: out.stdout },
        { run: label, where: "stderr", text: out.stderr },
      );
      for (const v of await secretsNow()) seen.add(v);
    }
    await world.admin("DELETE", "faults");
    for (const f of files(dir)) outputs.push({ run: "written file", where: f, text: readFileSync(f, "utf8") });

    const leaks: string[] = [];
    for (const o of outputs) {
      for (const s of seen) if (o.text.includes(s)) leaks.push(`${o.run} ${o.where}: a secret (${s.slice(0, 14)}…)`);
      const jwt = JWT.exec(o.text);
      if (jwt) leaks.push(`${o.run} ${o.where}: a JWT (${jwt[0].slice(0, 20)}…)`);
    }
    console.log(
      `canaries: ${Object.keys(CANARY).length} planted + ${seen.size - Object.keys(CANARY).length} generated secret values, ` +
        `${RUNS.length} runs, ${outputs.length} outputs scanned (${files(dir).length} files); ${leaks.length} leaks`,
    );
    expect(leaks, leaks.join("\n")).toEqual([]);
  });
});
