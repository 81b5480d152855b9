import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClientSecretCredential } from "@azure/identity";
import { decodeJwt } from "jose";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { formatError } from "../../lib/cli/main.ts";
import { updateManifestCommand } from "../../lib/commands/update-manifest.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { emulatorEnv, startTestEmulator } from "../helpers/emulator.ts";
import { captureIo } from "../helpers/io.ts";

const SUB = "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2";
const WRITES = new Set(["POST", "PATCH", "PUT", "DELETE"]);

let emu: Emulator;
let dir: string;
let miId: string;

const admin = async <T>(path: string, body: unknown): Promise<T> => {
  const r = await fetch(`${emu.url}/_emulator/${path}`, { method: "POST", body: JSON.stringify(body) });
  expect(r.status).toBe(201);
  return (await r.json()) as T;
};

beforeAll(async () => {
  emu = await startTestEmulator();
  dir = mkdtempSync(join(tmpdir(), "assignments-"));
  await fetch(`${emu.url}/_emulator/graph/options`, { method: "PUT", body: JSON.stringify({ visibilityDelayMs: 0 }) });
  // A managed identity, and a caller client app with its service principal and a secret to sign in with.
  miId = (await admin<{ id: string }>("graph/managed-identities", { displayName: "func-batch" })).id;
  const run = updateManifestCommand;
  const io = captureIo(emulatorEnv(emu));
  const file = join(dir, "caller.yaml");
  writeFileSync(
    file,
    YAML.stringify({
      defaults: { subscriptionId: SUB, resourceGroup: "rg" },
      apps: [{ name: "caller", registration: { uniqueName: "caller-app" } }],
    }),
  );
  expect(await run(["--config", file, "--yes"], io)).toBe(0);
});
afterAll(() => emu?.close());

const fleet = (assignments: unknown): string => {
  const file = join(dir, `api-${Math.random().toString(36).slice(2)}.yaml`);
  const registration = {
    uniqueName: "greeting-api",
    appRoleAssignmentRequired: true,
    appRoles: [{ value: "Greeting.Call", allowedMemberTypes: ["Application"] }],
    assignments,
  };
  writeFileSync(
    file,
    YAML.stringify({
      defaults: { subscriptionId: SUB, resourceGroup: "rg" },
      apps: [{ name: "func-greeting", registration }],
    }),
  );
  return file;
};
const run = async (file: string, args: string[]) => {
  const io = captureIo(emulatorEnv(emu));
  const code = await updateManifestCommand(["--config", file, ...args], io).catch((e: unknown) => {
    io.stderr.write(formatError(e));
    return 1;
  });
  return { code, out: io.out(), err: io.err() };
};
const callerAppId = async (): Promise<string> => {
  const r = await fetch(`${emu.url}/_emulator/graph/state`);
  const state = (await r.json()) as { applications: Array<{ appId: string; uniqueName?: string }> };
  return state.applications.find((a) => a.uniqueName === "caller-app")!.appId;
};

describe("update-manifest assignments: 'assignment required, then assign the caller' (docs/contracts/graph.md §3.1) in one config block", () => {
  test("assigns the role to a client app and a managed identity; the caller then gets a token with the role; a second run writes nothing", async () => {
    const appId = await callerAppId();
    const secret = (
      await admin<{ secret: string }>("entra/clients", {
        clientId: appId,
        secret: "canary-caller-1",
      })
    ).secret;
    const credential = new ClientSecretCredential(emu.tenantId, appId, secret, {
      authorityHost: emu.url,
      disableInstanceDiscovery: true,
    });

    const file = fleet([
      { role: "Greeting.Call", appId },
      { role: "Greeting.Call", principalId: miId },
    ]);
    const first = await run(file, ["--yes"]);
    expect(first.err).not.toMatch(/failed/);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/Apply complete: 1 updated/);

    const api = (await (await fetch(`${emu.url}/_emulator/graph/state`)).json()) as {
      applications: Array<{ appId: string; uniqueName?: string }>;
    };
    const apiAppId = api.applications.find((a) => a.uniqueName === "greeting-api")!.appId;
    const token = await credential
      .getToken(`api://${apiAppId}/.default`)
      .catch(async () => credential.getToken(`${apiAppId}/.default`));
    expect(decodeJwt(token!.token).roles).toEqual(["Greeting.Call"]);

    emu.log.clear();
    const again = await run(file, ["--dry-run", "--detailed-exitcode"]);
    expect(again.code).toBe(0);
    expect(emu.log.list().filter((r) => r.service === "graph" && WRITES.has(r.method))).toEqual([]);
  });

  test("exact removes a service principal's assignment the config no longer lists; the caller is refused a token (AADSTS501051)", async () => {
    const appId = await callerAppId();
    const file = fleet({ mode: "exact", values: [{ role: "Greeting.Call", principalId: miId }] });
    const dry = await run(file, ["--dry-run", "--detailed-exitcode"]);
    expect(dry.code).toBe(2);
    expect(dry.out).toMatch(/- servicePrincipal\.appRoleAssignedTo\.Greeting\.Call → service principal/);
    expect((await run(file, ["--yes"])).code).toBe(0);

    const secret = (await admin<{ secret: string }>("entra/clients", { clientId: appId, secret: "canary-caller-2" }))
      .secret;
    const credential = new ClientSecretCredential(emu.tenantId, appId, secret, {
      authorityHost: emu.url,
      disableInstanceDiscovery: true,
    });
    const api = (await (await fetch(`${emu.url}/_emulator/graph/state`)).json()) as {
      applications: Array<{ appId: string; uniqueName?: string }>;
    };
    const apiAppId = api.applications.find((a) => a.uniqueName === "greeting-api")!.appId;
    await expect(credential.getToken(`${apiAppId}/.default`)).rejects.toThrow(/AADSTS501051/);
    expect((await run(file, ["--dry-run", "--detailed-exitcode"])).code).toBe(0);
  });
});
