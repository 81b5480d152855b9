import { writeFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getPath } from "../../lib/azure/json.ts";
import { formatError } from "../../lib/cli/main.ts";
import { configureAuthCommand } from "../../lib/commands/configure-auth.ts";
import { rotateKeysCommand } from "../../lib/commands/rotate-keys.ts";
import { updateManifestCommand } from "../../lib/commands/update-manifest.ts";
import type { Emulator, EmulatedCloudName } from "../../lib/emulator/index.ts";
import { credentialFor, toolArmClient } from "../helpers/clients.ts";
import { emulatorEnv } from "../helpers/emulator.ts";
import { startFleetFixture } from "../helpers/fleet-fixture.ts";
import { captureIo } from "../helpers/io.ts";
import { RG, SUB, sitePath } from "../helpers/seeds.ts";

// Written out here, not taken from lib/azure/clouds.ts, so the table is checked against the public values
// (docs/clouds.md names the source of each).
const CLOUDS: Record<
  EmulatedCloudName,
  { v2: (t: string) => string; v1: (t: string) => string; arm: string; graph: string; vault: string }
> = {
  AzureCloud: {
    v2: (t) => `https://login.microsoftonline.com/${t}/v2.0`,
    v1: (t) => `https://sts.windows.net/${t}/`,
    arm: "https://management.azure.com",
    graph: "https://graph.microsoft.com",
    vault: "https://vault.azure.net",
  },
  AzureUSGovernment: {
    v2: (t) => `https://login.microsoftonline.us/${t}/v2.0`,
    v1: (t) => `https://sts.windows.net/${t}/`,
    arm: "https://management.usgovcloudapi.net",
    graph: "https://graph.microsoft.us",
    vault: "https://vault.usgovcloudapi.net",
  },
  AzureChinaCloud: {
    v2: (t) => `https://login.chinacloudapi.cn/${t}/v2.0`,
    v1: (t) => `https://sts.chinacloudapi.cn/${t}/`,
    arm: "https://management.chinacloudapi.cn",
    graph: "https://microsoftgraph.chinacloudapi.cn",
    vault: "https://vault.azure.cn",
  },
};

const CLIENT = "4b2d6f8a-1c3e-4a5b-9d7f-0e2c4a6b8d10";
const world = {
  subscriptions: [
    {
      subscriptionId: SUB,
      resourceGroups: [
        {
          name: RG,
          sites: [
            { name: "func-v2", functions: { greeting: { keys: { default: "canary-cloud-default" } } } },
            { name: "func-v1" },
          ],
        },
      ],
    },
  ],
};
const authFleet = {
  defaults: { subscriptionId: SUB, resourceGroup: RG },
  apps: [
    { name: "func-v2", auth: { azureActiveDirectory: { clientId: CLIENT, tokenVersion: 2 } } },
    { name: "func-v1", auth: { azureActiveDirectory: { clientId: CLIENT, tokenVersion: 1 } } },
  ],
};
const manifestFleet = (cloud: string) => ({
  defaults: { subscriptionId: SUB, resourceGroup: RG },
  apps: [
    {
      name: "func-v2",
      registration: {
        uniqueName: `greeting-${cloud.toLowerCase()}`,
        displayName: `greeting (${cloud})`,
        scopes: [
          {
            value: "Greeting.Read",
            adminConsentDisplayName: "Read API Greetings",
            adminConsentDescription: "Allows the user to see greetings from the API.",
          },
        ],
      },
    },
  ],
});
const keysFleet = {
  defaults: { subscriptionId: SUB, resourceGroup: RG, keys: { vaultUrl: "fromEnv" } },
  apps: [{ name: "func-v2", keys: { rotate: [{ name: "apim", scope: "function", function: "greeting" }] } }],
};

type Cmd = typeof configureAuthCommand;
async function run(cmd: Cmd, emu: Emulator, args: string[], env: NodeJS.ProcessEnv = emulatorEnv(emu)) {
  const io = captureIo(env);
  let code: number;
  try {
    code = await cmd(args, io);
  } catch (e) {
    io.stderr.write(formatError(e) + "\n");
    code = 1;
  }
  return { code, out: io.out(), err: io.err() };
}

const peekAud = (token: string) =>
  (JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as { aud: string; iss: string }).aud;

describe.each(Object.keys(CLOUDS) as EmulatedCloudName[])("end to end in %s mode", (cloud) => {
  const want = CLOUDS[cloud];
  let emu: Emulator;
  let dir: string;
  let authFile: string;
  const file = (name: string, body: unknown) => {
    const f = join(dir, name);
    writeFileSync(f, YAML.stringify(body));
    return f;
  };

  beforeAll(async () => {
    ({ emu, dir, configFile: authFile } = await startFleetFixture(`clouds-${cloud}`, world, authFleet, { cloud }));
  });
  afterAll(() => emu.close());

  test("the emulator issues and accepts this cloud's audiences, and names AZURE_CLOUD", async () => {
    expect(emulatorEnv(emu).AZURE_CLOUD).toBe(cloud);
    const cred = credentialFor(emu);
    for (const resource of [want.arm, want.graph, want.vault])
      expect(peekAud((await cred.getToken(`${resource}/.default`))!.token)).toBe(resource);
    // ARM accepts its own audience and refuses another cloud's.
    const other = cloud === "AzureCloud" ? CLOUDS.AzureUSGovernment.arm : CLOUDS.AzureCloud.arm;
    const tokenFor = async (aud: string) => (await cred.getToken(`${aud}/.default`).catch(() => undefined))?.token;
    const call = async (token: string | undefined) =>
      fetch(`${emu.url}/subscriptions?api-version=2022-12-01`, { headers: { authorization: `Bearer ${token}` } });
    expect((await call(await tokenFor(want.arm))).status).toBe(200);
    // Another cloud's ARM is no resource of this tenant: Entra refuses the token (AADSTS500011).
    expect(await tokenFor(other)).toBeUndefined();
  });

  test("configure-auth plans and writes this cloud's openIdIssuer (v2 and v1)", async () => {
    const dry = await run(configureAuthCommand, emu, ["--config", authFile, "--dry-run", "--json"]);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain(want.v2(emu.tenantId));
    expect(dry.out).toContain(want.v1(emu.tenantId));
    const r = await run(configureAuthCommand, emu, [
      "--config",
      authFile,
      "--yes",
      "--backup-dir",
      join(dir, "backups"),
    ]);
    expect(r.code, r.err).toBe(0);
    const issuer = async (app: string) =>
      getPath(
        (await toolArmClient(emu).get<{ properties: unknown }>(`${sitePath(app)}/config/authsettingsV2/list`)).body
          .properties,
        ["identityProviders", "azureActiveDirectory", "registration", "openIdIssuer"],
      );
    expect(await issuer("func-v2")).toBe(want.v2(emu.tenantId));
    expect(await issuer("func-v1")).toBe(want.v1(emu.tenantId));
  });

  test("--cloud naming another cloud than the emulator's fails at sign-in (wrong audience)", async () => {
    emu.log.clear();
    const wrong = cloud === "AzureCloud" ? "AzureChinaCloud" : "AzureCloud";
    const r = await run(configureAuthCommand, emu, ["--config", authFile, "--dry-run", "--cloud", wrong]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/AADSTS500011/);
    expect(emu.log.list().filter((x) => x.service === "arm")).toEqual([]);
  });

  test("update-manifest creates the registration through this cloud's Graph audience", async () => {
    const r = await run(updateManifestCommand, emu, ["--config", file("manifest.yaml", manifestFleet(cloud)), "--yes"]);
    expect(r.code, r.err + r.out).toBe(0);
    const graphWrites = emu.log.list().filter((x) => x.service === "graph" && x.method !== "GET");
    expect(graphWrites.length).toBeGreaterThan(0);
    expect(graphWrites.every((x) => x.status < 400)).toBe(true);
  });

  test("rotate-keys publishes through this cloud's Key Vault audience", async () => {
    emu.log.clear();
    const r = await run(rotateKeysCommand, emu, ["--config", file("keys.yaml", keysFleet), "--yes"]);
    expect(r.code, r.err + r.out).toBe(0);
    const kv = emu.log.list().filter((x) => x.service === "keyvault");
    expect(kv.some((x) => x.method === "PUT" && x.status === 200)).toBe(true);
    expect(r.out + r.err).not.toContain("canary-cloud-default");
  });
});
