import { afterAll, beforeAll, expect, test } from "vitest";
import { ClientSecretCredential } from "@azure/identity";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import type { RestError } from "@azure/core-rest-pipeline";
import { SecretClient } from "@azure/keyvault-secrets";
import { startTestEmulator } from "../helpers/emulator.ts";
import type { Emulator } from "../../lib/emulator/index.ts";

let emu: Emulator;
let cred: ClientSecretCredential;
beforeAll(async () => {
  emu = await startTestEmulator();
  cred = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.url,
    disableInstanceDiscovery: true,
  });
});
afterAll(() => emu?.close());

const vaultToken = async () => (await cred.getToken("https://vault.azure.net/.default")).token;

// The test workers trust the shared test CA through NODE_EXTRA_CA_CERTS (test/helpers/global-setup.ts).
async function raw(path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  const res = await fetch(`${emu.url}${path}`, {
    method: init.method ?? "GET",
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    json: (text ? JSON.parse(text) : undefined) as { error?: { code: string; message: string } } | undefined,
  };
}

test("the SDK's first request is the token-less probe: 401 with the challenge, then the real request succeeds", async () => {
  const client = new SecretClient(emu.url, cred, { disableChallengeResourceVerification: true });
  emu.log.clear();
  await client.setSecret("challenge-probe", "v");
  await client.getSecret("challenge-probe");
  const kv = emu.log.list().filter((r) => r.service === "keyvault");
  expect(kv.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
    "PUT /secrets/challenge-probe 401",
    "PUT /secrets/challenge-probe 200",
    "GET /secrets/challenge-probe/ 200",
  ]);
  expect(kv[1]!.apiVersion).toBe("2025-07-01");
});

test("without a token: 401, the WWW-Authenticate challenge the SDK parses, and Key Vault's error body", async () => {
  const r = await raw("/secrets/anything?api-version=7.5");
  expect(r.status).toBe(401);
  expect(r.headers.get("www-authenticate")).toBe(
    `Bearer authorization="${emu.url}/${emu.tenantId}", resource="https://vault.azure.net"`,
  );
  expect(r.json).toEqual({
    error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer or PoP token." },
  });
});

test("without verification turned off, the SDK refuses a challenge whose resource is not a parent domain of the vault", async () => {
  const client = new SecretClient(emu.url, cred);
  await expect(client.getSecret("x")).rejects.toThrow(/does not match the requested domain/);
});

test("a token for the ARM audience is refused with 401 AKV10022, both raw and through the SDK", async () => {
  const armToken = (await cred.getToken("https://management.azure.com/.default")).token;
  const r = await raw("/secrets?api-version=7.5", { token: armToken });
  expect(r.status).toBe(401);
  expect(r.json?.error?.code).toBe("Unauthorized");
  expect(r.json?.error?.message).toBe(
    "AKV10022: Invalid audience. Expected https://vault.azure.net or cfa8b339-82a2-471a-a3c9-0fc0be7a4093, found: https://management.azure.com.",
  );
  expect(r.headers.get("www-authenticate")).toContain('resource="https://vault.azure.net"');

  // A credential that ignores the scope the challenge asks for, as a misconfigured caller would.
  const armOnly: TokenCredential = {
    getToken: (): Promise<AccessToken | null> => cred.getToken("https://management.azure.com/.default"),
  };
  const client = new SecretClient(emu.url, armOnly, { disableChallengeResourceVerification: true });
  let err: RestError | undefined;
  await client.getSecret("challenge-probe").catch((e: RestError) => (err = e));
  expect(err?.statusCode).toBe(401);
  expect(err?.message).toContain("AKV10022");
});

test("the trailing-slash vault audience is refused, as the service refuses it", async () => {
  const slashToken = (await cred.getToken("https://vault.azure.net//.default")).token;
  const r = await raw("/secrets?api-version=7.5", { token: slashToken });
  expect(r.status).toBe(401);
  expect(r.json?.error?.message).toContain("found: https://vault.azure.net/.");
});

test("a tampered token is refused", async () => {
  const token = await vaultToken();
  const r = await raw("/secrets?api-version=7.5", { token: `${token.slice(0, -4)}AAAA` });
  expect(r.status).toBe(401);
  expect(r.json?.error?.code).toBe("Unauthorized");
});

test("api-version is required and must be one the service knows", async () => {
  const token = await vaultToken();
  const missing = await raw("/secrets", { token });
  expect(missing.status).toBe(400);
  expect(missing.json?.error?.code).toBe("BadParameter");
  const unknown = await raw("/secrets?api-version=7.9", { token });
  expect(unknown.status).toBe(400);
  expect(unknown.json?.error?.message).toBe(
    "The specified version (7.9) is not recognized. Consider using the latest supported version (2025-07-01).",
  );
  const ok = await raw("/secrets?api-version=7.4", { token });
  expect(ok.status).toBe(200);
});

test("an older service version chosen by the client works end to end", async () => {
  const client = new SecretClient(emu.url, cred, { disableChallengeResourceVerification: true, serviceVersion: "7.4" });
  emu.log.clear();
  expect((await client.setSecret("old-api", "v")).value).toBe("v");
  expect(
    emu.log
      .list()
      .filter((r) => r.status === 200)
      .map((r) => r.apiVersion),
  ).toEqual(["7.4"]);
});

test("raw set body errors are 400 BadParameter in Key Vault's envelope", async () => {
  const token = await vaultToken();
  const noValue = await raw("/secrets/raw-body?api-version=7.5", { method: "PUT", token, body: { contentType: "x" } });
  expect(noValue.status).toBe(400);
  expect(noValue.json?.error?.code).toBe("BadParameter");
  const tooManyTags = await raw("/secrets/raw-body?api-version=7.5", {
    method: "PUT",
    token,
    body: { value: "v", tags: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, "x"])) },
  });
  expect(tooManyTags.status).toBe(400);
  const bigValue = await raw("/secrets/raw-body?api-version=7.5", {
    method: "PUT",
    token,
    body: { value: "x".repeat(25 * 1024 + 1) },
  });
  expect(bigValue.status).toBe(400);
  const badMax = await raw("/secrets?api-version=7.5&maxresults=26", { token });
  expect(badMax.status).toBe(400);
  const ok = await raw("/secrets/raw-body?api-version=7.5", {
    method: "PUT",
    token,
    body: { value: "v", attributes: { enabled: true, created: 1 } },
  });
  expect(ok.status).toBe(200);
});
