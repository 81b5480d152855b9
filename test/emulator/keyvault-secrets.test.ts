import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ClientSecretCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import type { RestError } from "@azure/core-rest-pipeline";
import { startTestEmulator } from "../helpers/emulator.ts";
import type { Emulator } from "../../lib/emulator/index.ts";

let emu: Emulator;
let client: SecretClient;
beforeAll(async () => {
  // A small page size so that listings span several pages and the SDK has to follow nextLink.
  emu = await startTestEmulator({ keyVault: { pageSize: 2 } });
  const cred = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.url,
    disableInstanceDiscovery: true,
  });
  // The challenge names https://vault.azure.net, not a parent domain of 127.0.0.1 (docs/contracts/keyvault.md §2).
  client = new SecretClient(emu.url, cred, { disableChallengeResourceVerification: true });
});
afterAll(() => emu?.close());

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

async function restError(p: Promise<unknown>): Promise<RestError> {
  try {
    await p;
  } catch (e) {
    return e as RestError;
  }
  throw new Error("expected the call to fail");
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("set and get", () => {
  test("set creates a version; get latest and get by version return value, tags and contentType", async () => {
    const name = unique("publish");
    const tags = { keyName: "apim-20261123t0830z", site: "f1", slot: "production" };
    const first = await client.setSecret(name, "value-one", { tags, contentType: "text/plain" });
    expect(first.name).toBe(name);
    expect(first.value).toBe("value-one");
    expect(first.properties.version).toMatch(/^[0-9a-f]{32}$/);
    expect(first.properties.id).toBe(`${emu.url}/secrets/${name}/${first.properties.version}`);
    expect(first.properties.vaultUrl).toBe(emu.url);
    expect(first.properties.enabled).toBe(true);
    expect(first.properties.recoveryLevel).toBe("Recoverable+Purgeable");
    expect(first.properties.recoverableDays).toBe(90);
    expect(first.properties.createdOn).toBeInstanceOf(Date);

    const second = await client.setSecret(name, "value-two", { tags: { ...tags, keyName: "apim-next" } });
    expect(second.properties.version).not.toBe(first.properties.version);

    const current = await client.getSecret(name);
    expect(current.value).toBe("value-two");
    expect(current.properties.version).toBe(second.properties.version);
    expect(current.properties.tags).toEqual({ ...tags, keyName: "apim-next" });
    expect(current.properties.contentType).toBeUndefined();

    const old = await client.getSecret(name, { version: first.properties.version! });
    expect(old.value).toBe("value-one");
    expect(old.properties.tags).toEqual(tags);
    expect(old.properties.contentType).toBe("text/plain");
  });

  test("names are case-insensitive: another casing reaches the same secret", async () => {
    const name = unique("Mixed");
    await client.setSecret(name, "v1");
    await client.setSecret(name.toUpperCase(), "v2");
    const got = await client.getSecret(name.toLowerCase());
    expect(got.value).toBe("v2");
    expect(got.name).toBe(name);
    expect(await collect(client.listPropertiesOfSecretVersions(name))).toHaveLength(2);
  });

  test("notBefore and expiresOn round trip and do not block reads", async () => {
    const name = unique("dated");
    const expiresOn = new Date(Date.now() - 60_000);
    const notBefore = new Date(Date.now() - 3_600_000);
    await client.setSecret(name, "still-readable", { expiresOn, notBefore });
    const got = await client.getSecret(name);
    expect(got.value).toBe("still-readable");
    expect(got.properties.expiresOn?.getTime()).toBe(Math.floor(expiresOn.getTime() / 1000) * 1000);
    expect(got.properties.notBefore?.getTime()).toBe(Math.floor(notBefore.getTime() / 1000) * 1000);
  });

  test("unknown secret and unknown version are 404 SecretNotFound", async () => {
    const missing = await restError(client.getSecret(unique("missing")));
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe("SecretNotFound");
    const name = unique("known");
    await client.setSecret(name, "x");
    const badVersion = await restError(client.getSecret(name, { version: "0".repeat(32) }));
    expect(badVersion.statusCode).toBe(404);
    expect(badVersion.message).toContain(`${name}/${"0".repeat(32)}`);
  });
});

describe("names", () => {
  test.each([["under_score"], ["dot.name"], ["x".repeat(128)]])(
    "invalid name %s is refused with 400 BadParameter",
    async (bad) => {
      const e = await restError(client.setSecret(bad, "v"));
      expect(e.statusCode).toBe(400);
      expect(e.code).toBe("BadParameter");
      expect(e.message).toBe(`The request URI contains an invalid name: ${bad}`);
    },
  );

  test("127 characters, a leading digit and dashes are accepted", async () => {
    for (const ok of ["9".repeat(127), `1-${unique("d")}`]) {
      const s = await client.setSecret(ok, "v");
      expect(s.name).toBe(ok);
    }
  });
});

describe("listing", () => {
  test("list versions follows nextLink across pages and shows no values", async () => {
    const name = unique("paged");
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await client.setSecret(name, `v${i}`)).properties.version!);
    emu.log.clear();
    const listed = await collect(client.listPropertiesOfSecretVersions(name));
    expect(listed.map((p) => p.version).sort()).toEqual([...created].sort());
    // Listed by version id, not creation order, as the service does: clients must sort by createdOn themselves.
    expect(listed.map((p) => p.version)).toEqual([...created].sort());
    expect(listed.every((p) => p.name === name && p.id === `${emu.url}/secrets/${name}/${p.version}`)).toBe(true);
    expect(listed.some((p) => "value" in p)).toBe(false);
    const pages = emu.log.list().filter((r) => r.method === "GET" && r.path.endsWith(`/${name}/versions`));
    expect(pages.map((r) => r.status)).toEqual([200, 200, 200]);
  });

  test("list secrets shows each live secret once, without a version, with the current version's metadata", async () => {
    const a = unique("list-a");
    const b = unique("list-b");
    await client.setSecret(a, "1", { tags: { n: "1" } });
    await client.setSecret(a, "2", { tags: { n: "2" }, contentType: "application/x-key" });
    await client.setSecret(b, "x");
    const all = await collect(client.listPropertiesOfSecrets());
    const mine = all.filter((p) => p.name === a || p.name === b);
    expect(mine).toHaveLength(2);
    const pa = mine.find((p) => p.name === a)!;
    expect(pa.id).toBe(`${emu.url}/secrets/${a}`);
    expect(pa.version).toBeUndefined();
    expect(pa.tags).toEqual({ n: "2" });
    expect(pa.contentType).toBe("application/x-key");
  });
});

describe("update properties", () => {
  test("tags, contentType and expiry change; value and other versions do not", async () => {
    const name = unique("upd");
    const v1 = await client.setSecret(name, "one", { tags: { a: "1" } });
    const v2 = await client.setSecret(name, "two", { tags: { b: "2" } });
    const expiresOn = new Date(Date.now() + 86_400_000);
    const updated = await client.updateSecretProperties(name, v1.properties.version!, {
      tags: { a: "updated" },
      contentType: "text/plain",
      expiresOn,
    });
    expect(updated.tags).toEqual({ a: "updated" });
    expect(updated.contentType).toBe("text/plain");
    expect(updated.expiresOn?.getTime()).toBe(Math.floor(expiresOn.getTime() / 1000) * 1000);
    expect(updated.updatedOn!.getTime()).toBeGreaterThanOrEqual(updated.createdOn!.getTime());
    const again = await client.getSecret(name, { version: v1.properties.version! });
    expect(again.value).toBe("one");
    expect(again.properties.tags).toEqual({ a: "updated" });
    const latest = await client.getSecret(name);
    expect(latest.properties.version).toBe(v2.properties.version);
    expect(latest.properties.tags).toEqual({ b: "2" });
  });

  test("a disabled version answers 403 Forbidden on get, stays listed, and can be re-enabled", async () => {
    const name = unique("disable");
    const v1 = await client.setSecret(name, "old");
    const v2 = await client.setSecret(name, "new");
    await client.updateSecretProperties(name, v2.properties.version!, { enabled: false });

    const latest = await restError(client.getSecret(name));
    expect(latest.statusCode).toBe(403);
    expect(latest.code).toBe("Forbidden");
    expect(latest.message).toBe("Operation get is not allowed on a disabled secret.");
    const byVersion = await restError(client.getSecret(name, { version: v2.properties.version! }));
    expect(byVersion.statusCode).toBe(403);
    expect((await client.getSecret(name, { version: v1.properties.version! })).value).toBe("old");

    const versions = await collect(client.listPropertiesOfSecretVersions(name));
    expect(versions.find((p) => p.version === v2.properties.version)?.enabled).toBe(false);

    await client.updateSecretProperties(name, v2.properties.version!, { enabled: true });
    expect((await client.getSecret(name)).value).toBe("new");
  });
});

describe("delete", () => {
  test("delete soft-deletes: 404 on get, visible as deleted, name blocked until purged", async () => {
    const name = unique("del");
    const set = await client.setSecret(name, "gone", { tags: { k: "v" } });
    const poller = await client.beginDeleteSecret(name, { intervalInMs: 10 });
    const deleted = await poller.pollUntilDone();
    expect(deleted.recoveryId).toBe(`${emu.url}/deletedsecrets/${name}`);
    expect(deleted.properties.version).toBe(set.properties.version);
    expect(deleted.deletedOn).toBeInstanceOf(Date);
    expect(deleted.scheduledPurgeDate!.getTime() - deleted.deletedOn!.getTime()).toBe(90 * 86_400_000);
    expect(deleted.value).toBeUndefined();

    expect((await restError(client.getSecret(name))).statusCode).toBe(404);
    expect((await collect(client.listPropertiesOfSecrets())).some((p) => p.name === name)).toBe(false);
    expect((await client.getDeletedSecret(name)).properties.tags).toEqual({ k: "v" });
    expect((await collect(client.listDeletedSecrets())).map((d) => d.name)).toContain(name);

    const reuse = await restError(client.setSecret(name, "again"));
    expect(reuse.statusCode).toBe(409);
    expect(reuse.code).toBe("Conflict");
    expect(reuse.message).toContain("deleted but recoverable state");

    await client.purgeDeletedSecret(name);
    expect((await restError(client.getDeletedSecret(name))).statusCode).toBe(404);
    expect((await client.setSecret(name, "again")).value).toBe("again");
  });

  test("recover brings back every version", async () => {
    const name = unique("recover");
    const v1 = await client.setSecret(name, "a");
    await client.setSecret(name, "b");
    await (await client.beginDeleteSecret(name, { intervalInMs: 10 })).pollUntilDone();
    await (await client.beginRecoverDeletedSecret(name, { intervalInMs: 10 })).pollUntilDone();
    expect((await client.getSecret(name)).value).toBe("b");
    expect((await client.getSecret(name, { version: v1.properties.version! })).value).toBe("a");
  });

  test("deleting an unknown secret is 404 SecretNotFound", async () => {
    const e = await restError(client.beginDeleteSecret(unique("nope")));
    expect(e.statusCode).toBe(404);
    expect(e.code).toBe("SecretNotFound");
  });
});
