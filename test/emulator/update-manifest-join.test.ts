import { startFleetFixture } from "../helpers/fleet-fixture.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { configureAuthCommand } from "../../lib/commands/configure-auth.ts";
import { updateManifestCommand } from "../../lib/commands/update-manifest.ts";
import { openSession } from "../../lib/azure/session.ts";
import { formatError } from "../../lib/cli/main.ts";
import { loadConfig } from "../../lib/config/load.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { registrationResolver } from "../../lib/resources/registration/resolve-facts.ts";
import { createGraphApi } from "../../lib/azure/graph-client.ts";
import { endpointsFromEnv } from "../../lib/azure/endpoints.ts";
import { credentialFor, toolArmClient } from "../helpers/clients.ts";
import { emulatorEnv } from "../helpers/emulator.ts";
import { captureIo } from "../helpers/io.ts";
import { RG, SUB, sitePath } from "../helpers/seeds.ts";

const world = {
  subscriptions: [
    {
      subscriptionId: SUB,
      resourceGroups: [
        { name: RG, sites: [{ name: "func-joined", slots: [{ name: "staging" }] }, { name: "func-v1reg" }] },
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
  apps: [
    {
      name: "func-joined",
      slots: ["staging"],
      registration: {
        uniqueName: "joined-api",
        scopes: [{ value: "Greeting.Read" }],
        requiredResourceAccess: [{ resource: "arm", scopes: ["user_impersonation"] }],
        adminConsent: true,
      },
      auth: {
        azureActiveDirectory: {
          clientId: "fromRegistration",
          tokenVersion: "fromRegistration",
          allowedAudiences: ["api://{appId}"],
        },
      },
    },
    {
      name: "func-v1reg",
      registration: { uniqueName: "v1-api", tokenVersion: 1 },
      auth: {
        azureActiveDirectory: {
          clientId: "fromRegistration",
          tokenVersion: "fromRegistration",
          allowedAudiences: ["api://{appId}"],
        },
      },
    },
    {
      name: "func-missing",
      registration: { uniqueName: "never-created-api" },
      auth: { azureActiveDirectory: { clientId: "fromRegistration" } },
    },
  ],
};

let emu: Emulator;
let config: string;
beforeAll(async () => {
  ({ emu, configFile: config } = await startFleetFixture("update-manifest-join", world, fleet));
});
afterAll(() => emu.close());

async function run(command: typeof updateManifestCommand, args: string[]) {
  const io = captureIo(emulatorEnv(emu));
  let code: number;
  try {
    code = await command(["--config", config, ...args], io);
  } catch (e) {
    io.stderr.write(formatError(e) + "\n");
    code = 1;
  }
  return { code, out: io.out(), err: io.err() };
}

interface AadDoc {
  properties: {
    identityProviders: {
      azureActiveDirectory: {
        registration: { clientId: string; openIdIssuer: string };
        validation: { allowedAudiences: string[] };
      };
    };
  };
}

describe("update-manifest, then configure-auth with fromRegistration", () => {
  test("Easy Auth of every slot ends with the registration's appId, audience api://{appId} and the issuer of its token version", async () => {
    const um = await run(updateManifestCommand, ["--yes", "--app", "func-[jv]*"]);
    expect(um.code, um.out + um.err).toBe(0);
    const ca = await run(configureAuthCommand, [
      "--yes",
      "--app",
      "func-[jv]*",
      "--backup-dir",
      join(tmpdir(), "join-backups"),
    ]);
    expect(ca.code, ca.out + ca.err).toBe(0);

    const graphApps = (await (await fetch(`${emu.url}/_emulator/graph/state`)).json()) as {
      applications: Array<{ uniqueName: string; appId: string }>;
    };
    const appId = (u: string) => graphApps.applications.find((a) => a.uniqueName === u)!.appId;
    const arm = toolArmClient(emu);
    for (const [site, slot, unique, issuer] of [
      ["func-joined", undefined, "joined-api", `https://login.microsoftonline.com/${emu.tenantId}/v2.0`],
      ["func-joined", "staging", "joined-api", `https://login.microsoftonline.com/${emu.tenantId}/v2.0`],
      ["func-v1reg", undefined, "v1-api", `https://sts.windows.net/${emu.tenantId}/`],
    ] as const) {
      const aad = (await arm.get<AadDoc>(`${sitePath(site, slot)}/config/authsettingsV2/list`)).body.properties
        .identityProviders.azureActiveDirectory;
      const id = appId(unique);
      expect(aad.registration.clientId).toBe(id);
      expect(aad.registration.openIdIssuer).toBe(issuer);
      expect(aad.validation.allowedAudiences).toEqual(unique === "joined-api" ? [`api://${id}`, id] : [`api://${id}`]);
    }
    // Both sides agree: a second run of each plans nothing.
    expect((await run(updateManifestCommand, ["--dry-run", "--detailed-exitcode", "--app", "func-[jv]*"])).code).toBe(
      0,
    );
    expect((await run(configureAuthCommand, ["--dry-run", "--detailed-exitcode", "--app", "func-[jv]*"])).code).toBe(0);
  });

  test("the lookup polls a registration created moments ago, and gives up on a missing one with a message naming the fix", async () => {
    const session = await openSession({}, emulatorEnv(emu));
    const graph = () => createGraphApi({ credential: session.credential, endpoints: session.endpoints });
    const apps = loadConfig(config, emulatorEnv(emu)).apps;

    // Created by someone else a moment ago, not yet visible to reads (eventual consistency).
    await fetch(`${emu.url}/_emulator/graph/options`, {
      method: "PUT",
      body: JSON.stringify({ visibilityDelayMs: 600 }),
    });
    const g = createGraphApi({ credential: credentialFor(emu), endpoints: endpointsFromEnv(emulatorEnv(emu)) });
    const created = await g.patch<{ appId: string }>(
      "/applications(uniqueName='fresh-api')",
      { displayName: "fresh", signInAudience: "AzureADMyOrg", api: { requestedAccessTokenVersion: 2 } },
      { Prefer: "create-if-missing" },
    );
    emu.log.clear();
    const fresh = { ...apps[0]!, registration: { uniqueName: "fresh-api" } };
    expect(await registrationResolver(graph)(fresh)).toEqual({ appId: created!.appId, tokenVersion: 2 });
    const statuses = emu.log
      .list()
      .filter((r) => r.service === "graph")
      .map((r) => r.status);
    expect(statuses[0]).toBe(404);
    expect(statuses.at(-1)).toBe(200);
    await fetch(`${emu.url}/_emulator/graph/options`, {
      method: "PUT",
      body: JSON.stringify({ visibilityDelayMs: 0 }),
    });

    const resolve = registrationResolver(graph, { retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 } });
    const app = apps.find((a) => a.name === "func-missing")!;
    emu.log.clear();
    await expect(resolve(app)).rejects.toThrow(/application\(uniqueName='never-created-api'\) does not exist/);
    expect(
      emu.log
        .list()
        .filter((r) => r.service === "graph")
        .map((r) => r.status),
    ).toEqual([404, 404, 404]);
    await expect(resolve(app).catch((e: { fix?: string }) => Promise.reject(new Error(e.fix)))).rejects.toThrow(
      /Run update-manifest for this app first/,
    );
  });
});
