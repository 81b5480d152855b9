import { readdirSync, statSync, writeFileSync } from "node:fs";
import { startFleetFixture } from "../helpers/fleet-fixture.ts";
import { jsonOutputValidator } from "../helpers/contract.ts";
import { join } from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { configureAuthCommand } from "../../lib/commands/configure-auth.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { formatError } from "../../lib/cli/main.ts";
import { getPath } from "../../lib/azure/json.ts";
import { toolArmClient } from "../helpers/clients.ts";
import { emulatorEnv } from "../helpers/emulator.ts";
import { captureIo } from "../helpers/io.ts";
import { RG, SUB, sitePath } from "../helpers/seeds.ts";

const CLIENT = "4b2d6f8a-1c3e-4a5b-9d7f-0e2c4a6b8d10";
const world = {
  subscriptions: [
    {
      subscriptionId: SUB,
      resourceGroups: [
        {
          name: RG,
          sites: [
            { name: "func-a", slots: [{ name: "staging" }] },
            {
              name: "func-b",
              authV2: {
                platform: { enabled: true },
                identityProviders: {
                  azureActiveDirectory: {
                    enabled: true,
                    login: { loginParameters: ["response_type=code id_token", "scope=openid email"] },
                  },
                  customOpenIdConnectProviders: { okta: { enabled: true, registration: { clientId: "okta" } } },
                },
                futureSection: { keepMe: true },
              },
            },
            { name: "func-v1", authV1: { enabled: true, clientId: CLIENT, clientSecret: "canary-v1-secret-5f2a9c" } },
            { name: "func-file", authV2: { platform: { enabled: true, configFilePath: "auth.json" } } },
          ],
        },
      ],
    },
  ],
};

const fleet = {
  defaults: {
    subscriptionId: SUB,
    resourceGroup: RG,
    auth: { requireAuthentication: true, unauthenticatedClientAction: "Return401" },
  },
  apps: ["func-a", "func-b", "func-v1", "func-file"].map((name) => ({
    name,
    ...(name === "func-a" ? { slots: ["staging"] } : {}),
    auth: {
      tokenStore: true,
      azureActiveDirectory: {
        clientId: CLIENT,
        clientSecretSettingName: "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET",
        loginParameters: ["scope=openid profile https://management.azure.com/user_impersonation"],
        allowedAudiences: ["api://{appId}"],
      },
    },
  })),
};

let emu: Emulator;
let dir: string;
let configFile: string;

beforeAll(async () => {
  ({ emu, dir, configFile } = await startFleetFixture("configure-auth", world, fleet));
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.log.clear();
  emu.faults.clear();
});

async function run(args: string[], opts: { tty?: boolean; answer?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const io = captureIo(opts.env ?? emulatorEnv(emu), opts);
  let code: number;
  try {
    code = await configureAuthCommand(["--config", configFile, "--backup-dir", join(dir, "backups"), ...args], io);
  } catch (e) {
    io.stderr.write(formatError(e) + "\n");
    code = 1;
  }
  return { code, out: io.out(), err: io.err() };
}

const armCalls = () => emu.log.list().filter((r) => r.service === "arm");
const writes = () => armCalls().filter((r) => r.method !== "GET");

describe("configure-auth against the emulator", () => {
  test("bad config: clear message, exit 1, and no request at all", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, YAML.stringify({ apps: [{ name: "x", auth: { unauthenticatedClientAction: "Nope" } }] }));
    const io = captureIo(emulatorEnv(emu));
    const err = await configureAuthCommand(["--config", bad], io).catch((e: unknown) => e);
    expect(formatError(err)).toMatch(/apps\[0\]\.auth\.unauthenticatedClientAction/);
    expect(emu.log.list()).toEqual([]);
  });

  test("dry run plans changes, makes read-only ARM calls, exits 2 with --detailed-exitcode", async () => {
    const r = await run(["--dry-run", "--detailed-exitcode"]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/~ func-a {2}authsettingsV2/);
    expect(r.out).toMatch(/! func-v1 .*skipped: app uses classic \(V1\)/);
    expect(r.out).toMatch(/! func-file .*skipped: auth settings come from a file/);
    expect(r.out).toMatch(
      /^Plan: 0 to add, \d+ to change, 0 to destroy \(\d+ unchanged\)\. Fields: \d+ to add, \d+ to change, 0 to remove, \d+ unchanged\. \(2 skipped\)$/m,
    );
    // Reads plus the configVersion POSTs (only for targets with changes); no PUT, no DELETE.
    expect(armCalls().filter((c) => c.method === "PUT" || c.method === "DELETE")).toEqual([]);
    expect(r.out + r.err).not.toContain("canary-v1-secret");
  });

  test("non-interactive without --yes refuses and writes nothing", async () => {
    const r = await run([]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/stdin is not a terminal/);
    expect(writes().filter((w) => w.method === "PUT")).toEqual([]);
  });

  test("apply: a change costs GET, POST configVersion, GET (another writer?), PUT, GET; unknown fields and the custom provider survive; backups are 0600", async () => {
    const r = await run(["--yes", "--app", "func-b"]);
    expect(r.code).toBe(0);
    expect(armCalls().map((c) => `${c.method} ${c.path.split("/func-b")[1]}`)).toEqual([
      "GET /config/authsettingsV2/list",
      "POST /config/authsettings/list",
      "GET /config/authsettingsV2/list",
      "PUT /config/authsettingsV2",
      "GET /config/authsettingsV2/list",
    ]);
    const doc = (
      await toolArmClient(emu).get<{ properties: Record<string, unknown> }>(
        `${sitePath("func-b")}/config/authsettingsV2/list`,
      )
    ).body.properties;
    expect(doc.futureSection).toEqual({ keepMe: true });
    expect(getPath(doc, ["identityProviders", "customOpenIdConnectProviders"])).toEqual({
      okta: { enabled: true, registration: { clientId: "okta" } },
    });
    expect(getPath(doc, ["identityProviders", "azureActiveDirectory", "login", "loginParameters"])).toEqual([
      "response_type=code id_token",
      "scope=openid email profile https://management.azure.com/user_impersonation",
    ]);
    const backups = readdirSync(join(dir, "backups"));
    expect(backups.some((b) => b.includes("func-b"))).toBe(true);
    for (const b of backups) expect(statSync(join(dir, "backups", b)).mode & 0o777).toBe(0o600);
  });

  test("second run: --dry-run --detailed-exitcode exits 0, zero writes, one read per app and slot", async () => {
    await run(["--yes"]);
    emu.log.clear();
    const r = await run(["--dry-run", "--detailed-exitcode", "--app", "func-[ab]"]);
    expect(r.code).toBe(0);
    expect(writes()).toEqual([]);
    expect(armCalls().length).toBe(3); // func-a, func-a/staging, func-b
    expect(r.out).toMatch(
      /Plan: 0 to add, 0 to change, 0 to destroy \(\d+ unchanged\)\. Fields: 0 to add, 0 to change, 0 to remove, \d+ unchanged\./,
    );
  });

  test("'200 but not persisted' is reported as an error naming the field", async () => {
    const api = toolArmClient(emu);
    await api.put(`${sitePath("func-a", "staging")}/config/authsettingsV2`, { properties: {} });
    emu.faults.add({
      service: "arm",
      method: "PUT",
      path: "slots/staging/config/authsettingsV2$",
      kind: "not-persisted",
      dropPaths: ["login.tokenStore"],
      times: 1,
    });
    const r = await run(["--yes", "--app", "func-a", "--slot", "staging"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /failed +func-a\/staging authsettingsV2: the service answered 200 but did not keep: login\.tokenStore\.enabled/,
    );
  });

  test("a write between plan and apply is detected (saved plan) and nothing is overwritten", async () => {
    const api = toolArmClient(emu);
    await api.put(`${sitePath("func-a")}/config/authsettingsV2`, { properties: {} });
    const planFile = join(dir, "a.plan.json");
    expect((await run(["--dry-run", "--app", "func-a", "--slot", "production", "--plan-out", planFile])).code).toBe(0);
    expect(statSync(planFile).mode & 0o777).toBe(0o600);
    // Someone else writes the document after the plan was made.
    await api.put(`${sitePath("func-a")}/config/authsettingsV2`, {
      properties: { platform: { enabled: false }, marker: "other writer" },
    });
    emu.log.clear();
    const r = await run(["--plan", planFile, "--app", "func-a", "--slot", "production"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/saved plan is stale/);
    expect(writes().filter((w) => w.method === "PUT")).toEqual([]);
    const doc = (
      await api.get<{ properties: Record<string, unknown> }>(`${sitePath("func-a")}/config/authsettingsV2/list`)
    ).body.properties;
    expect(doc.marker).toBe("other writer");
  });

  test("after a prompt the document is re-read, and a concurrent writer stops the write", async () => {
    const api = toolArmClient(emu);
    await api.put(`${sitePath("func-a")}/config/authsettingsV2`, { properties: {} });
    const io = captureIo(emulatorEnv(emu), { tty: true });
    io.confirm = async () => {
      await api.put(`${sitePath("func-a")}/config/authsettingsV2`, {
        properties: { marker: "written during the prompt" },
      });
      return true;
    };
    const code = await configureAuthCommand(
      ["--config", configFile, "--backup-dir", join(dir, "backups"), "--app", "func-a", "--slot", "production"],
      io,
    );
    expect(code).toBe(1);
    expect(io.out()).toMatch(/changed since it was planned/);
    const doc = (
      await api.get<{ properties: Record<string, unknown> }>(`${sitePath("func-a")}/config/authsettingsV2/list`)
    ).body.properties;
    // The other writer's document as the service stores it (its defaults filled in), with nothing of the tool's.
    expect(doc.marker).toBe("written during the prompt");
    expect(doc.platform).toBeUndefined();
  });

  test("--migrate-v1 migrates the V1 app; --json prints one versioned document", async () => {
    const r = await run(["--yes", "--json", "--app", "func-v1", "--migrate-v1"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { formatVersion: number; results: { target: string; outcome: string }[] };
    expect(out.formatVersion).toBe(1);
    const validate = jsonOutputValidator();
    expect(validate(out), JSON.stringify(validate.errors)).toBe(true);
    expect(out.results).toEqual([{ target: "func-v1", resource: "authsettingsV2", outcome: "updated" }]);
    const v = await toolArmClient(emu).post<{ properties: { configVersion: string } }>(
      `${sitePath("func-v1")}/config/authsettings/list`,
    );
    expect(v.body.properties.configVersion).toBe("v2");
    expect(r.out + r.err).not.toContain("canary-v1-secret");
  });

  test("--check-app-settings reports a missing client-secret setting by name, never printing values", async () => {
    await toolArmClient(emu).put(`${sitePath("func-a")}/config/appsettings`, {
      properties: { OTHER: "canary-appsetting-value-91c3" },
    });
    const r = await run(["--dry-run", "--app", "func-a", "--slot", "production", "--check-app-settings"]);
    expect(r.out).toMatch(
      /app setting 'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET' \(clientSecretSettingName\) does not exist/,
    );
    expect(r.out + r.err).not.toContain("canary-appsetting-value");
    expect(armCalls().some((c) => c.path.endsWith("/config/appsettings/list"))).toBe(true);
  });

  test("one failing app does not stop the others", async () => {
    const api = toolArmClient(emu);
    await api.put(`${sitePath("func-a")}/config/authsettingsV2`, { properties: {} });
    await api.put(`${sitePath("func-b")}/config/authsettingsV2`, { properties: {} });
    emu.faults.add({
      service: "arm",
      method: "PUT",
      path: "sites/func-a/config/authsettingsV2$",
      kind: "status",
      status: 400,
      code: "BadRequest",
    });
    const r = await run(["--yes", "--app", "func-[ab]", "--slot", "production"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/failed +func-a authsettingsV2/);
    expect(r.out).toMatch(/updated +func-b authsettingsV2/);
  });
});
