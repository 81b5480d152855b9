import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ClientSecretCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { startTestEmulator } from "../helpers/emulator.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { VaultState } from "../../lib/emulator/keyvault/index.ts";

let emu: Emulator;
let client: SecretClient;
const state = new VaultState();
beforeAll(async () => {
  emu = await startTestEmulator({ keyVault: { state } });
  const cred = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.url,
    disableInstanceDiscovery: true,
  });
  client = new SecretClient(emu.url, cred, { disableChallengeResourceVerification: true });
  await client.setSecret("warm-up", "v"); // completes the challenge so later logs show only the calls under test
});
afterAll(() => emu?.close());

test("an injected 429 with Retry-After is retried by the SDK after the delay, then succeeds", async () => {
  await client.setSecret("retry-me", "after-throttle");
  emu.faults.add({
    service: "keyvault",
    method: "GET",
    path: "^/secrets/retry-me",
    kind: "status",
    status: 429,
    retryAfter: 1,
    times: 1,
  });
  emu.log.clear();
  const started = Date.now();
  const got = await client.getSecret("retry-me");
  expect(got.value).toBe("after-throttle");
  expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  expect(emu.log.list().map((r) => `${r.method} ${r.status}`)).toEqual(["GET 429", "GET 200"]);
});

test("the injected 429 is in Key Vault's shape with Retry-After", async () => {
  emu.faults.add({
    service: "keyvault",
    path: "^/secrets/raw-429",
    kind: "status",
    status: 429,
    retryAfter: 3,
    times: 1,
  });
  const res = await fetch(`${emu.url}/secrets/raw-429?api-version=7.5`);
  expect(res.status).toBe(429);
  expect(res.headers.get("retry-after")).toBe("3");
  expect(await res.json()).toEqual({
    error: {
      code: "Throttled",
      message:
        "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached",
    },
  });
});

test("a not-persisted fault answers the write but keeps nothing", async () => {
  const v1 = await client.setSecret("np", "kept");
  emu.faults.add({ service: "keyvault", method: "PUT", path: "^/secrets/np", kind: "not-persisted", times: 1 });
  const lost = await client.setSecret("np", "lost");
  expect(lost.value).toBe("lost");
  const now = await client.getSecret("np");
  expect(now.value).toBe("kept");
  expect(now.properties.version).toBe(v1.properties.version);
});

test("the state view lists names, versions, tags and attributes but never a value unless asked", async () => {
  const canary = `canary-${randomUUID()}`;
  const set = await client.setSecret("canary", canary, { tags: { site: "f1" }, contentType: "text/plain" });
  const plain = await fetch(`${emu.url}/_emulator/keyvault/state`);
  const text = await plain.text();
  expect(plain.status).toBe(200);
  expect(text).not.toContain(canary);
  const view = JSON.parse(text) as {
    secrets: {
      name: string;
      versions: {
        version: string;
        tags: Record<string, string>;
        contentType: string;
        attributes: { enabled: boolean };
        value?: string;
      }[];
    }[];
  };
  const entry = view.secrets.find((s) => s.name === "canary");
  expect(entry?.versions).toEqual([
    expect.objectContaining({
      version: set.properties.version,
      tags: { site: "f1" },
      contentType: "text/plain",
      attributes: expect.objectContaining({ enabled: true }),
    }),
  ]);
  expect(entry?.versions[0]).not.toHaveProperty("value");

  const asked = await (await fetch(`${emu.url}/_emulator/keyvault/state?secrets=true`)).text();
  expect(asked).toContain(canary);
});

test("admin requests are not logged and the generic state view does not carry vault values", async () => {
  const canary = `canary-${randomUUID()}`;
  await client.setSecret("canary-2", canary);
  emu.log.clear();
  await fetch(`${emu.url}/_emulator/keyvault/state`);
  expect(emu.log.list()).toEqual([]);
  expect(await (await fetch(`${emu.url}/_emulator/state`)).text()).not.toContain(canary);
});

test("a state object passed in is the vault's state: seeded secrets are served, writes are visible", async () => {
  state.addVersion("seeded", { value: "from-test", tags: { origin: "seed" } });
  const got = await client.getSecret("seeded");
  expect(got.value).toBe("from-test");
  expect(got.properties.tags).toEqual({ origin: "seed" });
  await client.setSecret("seeded", "from-client");
  expect(state.get("seeded")?.versions.map((v) => v.value)).toEqual(["from-test", "from-client"]);
});
