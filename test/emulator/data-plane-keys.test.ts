import { readFileSync } from "node:fs";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Emulator } from "../../lib/emulator/index.ts";
import { toolArmClient } from "../helpers/clients.ts";
import { startTestEmulator } from "../helpers/emulator.ts";
import { RG, SUB, sitePath } from "../helpers/seeds.ts";
import { bearer, callHost, clientApp, mintToken } from "./data-plane-client.ts";

// Function keys on the data plane, read live from the ARM state: what rotation's overlap looks like to a caller.

let emu: Emulator;
beforeAll(async () => {
  emu = await startTestEmulator({
    seed: {
      subscriptions: [
        {
          subscriptionId: SUB,
          resourceGroups: [
            {
              name: RG,
              sites: [
                {
                  name: "func-keys",
                  functions: {
                    orders: { keys: { partner: "partner-key-value-0001" }, respond: { body: "orders" } },
                    other: { keys: { own: "other-function-key-0001" }, respond: { body: "other" } },
                    purge: { authLevel: "admin", respond: { body: "purged" } },
                    ping: { authLevel: "anonymous", respond: { body: "pong" } },
                  },
                  hostKeys: { functionKeys: { apim: "host-function-key-0001" } },
                },
              ],
            },
          ],
        },
      ],
    },
  });
});
afterAll(() => emu.close());

const HOST = "func-keys.azurewebsites.net";
const app = () => emu.arm.site(SUB, RG, "func-keys")!;
const call = (path: string, headers: Record<string, string> = {}) => callHost(emu, HOST, path, { headers });
const withKey = (path: string, key: string) => call(path, { "x-functions-key": key });
const keyDecision = (r: { headers: Record<string, string> }) => r.headers["x-emulator-key-decision"];

describe("authLevel function", () => {
  test("a key of the function, by header or ?code=, answers 200", async () => {
    const r = await withKey("/api/orders", "partner-key-value-0001");
    expect([r.status, r.body, keyDecision(r)]).toEqual([200, "orders", "function-key:partner"]);
    const q = await call("/api/orders?code=partner-key-value-0001");
    expect([q.status, keyDecision(q)]).toEqual([200, "function-key:partner"]);
  });

  test("a host function key and the master key answer 200", async () => {
    expect(keyDecision(await withKey("/api/orders", "host-function-key-0001"))).toBe("host-key:apim");
    expect(keyDecision(await withKey("/api/orders", app().hostKeys.masterKey))).toBe("master-key");
  });

  test("a wrong key, another function's key or no key: 401 with an empty body", async () => {
    for (const [r, why] of [
      [await withKey("/api/orders", "not-a-key"), "wrong"],
      [await withKey("/api/orders", "other-function-key-0001"), "wrong"],
      [await call("/api/orders"), "missing"],
    ] as const) {
      expect([r.status, r.body, keyDecision(r)]).toEqual([401, "", why]);
    }
  });

  test("authLevel anonymous needs no key; authLevel admin needs the master key", async () => {
    expect((await call("/api/ping")).status).toBe(200);
    const fnKey = await withKey("/api/purge", "host-function-key-0001");
    expect([fnKey.status, keyDecision(fnKey)]).toEqual([401, "admin-needs-master"]);
    expect((await withKey("/api/purge", app().hostKeys.masterKey)).status).toBe(200);
  });
});

describe("the host's /admin API", () => {
  test("/admin/* needs the master key", async () => {
    expect((await call("/admin/host/status")).status).toBe(401);
    expect((await withKey("/admin/host/status", "host-function-key-0001")).status).toBe(401);
    expect((await withKey("/admin/host/status", "partner-key-value-0001")).status).toBe(401);
    const ok = await withKey("/admin/host/status", app().hostKeys.masterKey);
    expect([ok.status, JSON.parse(ok.body).state]).toEqual([200, "Running"]);
    const fn = await withKey("/admin/functions/orders", app().hostKeys.masterKey);
    expect(JSON.parse(fn.body)).toMatchObject({ name: "orders", authLevel: "function" });
  });
});

describe("keys are read live from ARM", () => {
  const keys = `${sitePath("func-keys")}/functions/orders/keys`;

  test("a key deleted through ARM answers 401 at once", async () => {
    const arm = toolArmClient(emu);
    await arm.put(`${keys}/doomed`, { properties: { name: "doomed", value: "doomed-key-value-0001" } });
    expect((await withKey("/api/orders", "doomed-key-value-0001")).status).toBe(200);
    await arm.delete(`${keys}/doomed`);
    const r = await withKey("/api/orders", "doomed-key-value-0001");
    expect([r.status, keyDecision(r)]).toEqual([401, "wrong"]);
  });

  test("rotation overlap: old and new key both 200 during the grace period, only the new one after", async () => {
    const arm = toolArmClient(emu);
    await arm.put(`${keys}/apim-20260101t0000z`, { properties: { name: "apim-20260101t0000z" } });
    await arm.put(`${keys}/apim-20260201t0000z`, { properties: { name: "apim-20260201t0000z" } });
    const listed = (await arm.post<Record<string, string>>(`${sitePath("func-keys")}/functions/orders/listkeys`)).body;
    const [oldKey, newKey] = [listed["apim-20260101t0000z"]!, listed["apim-20260201t0000z"]!];
    expect((await withKey("/api/orders", oldKey)).status).toBe(200);
    expect((await withKey("/api/orders", newKey)).status).toBe(200);
    await arm.delete(`${keys}/apim-20260101t0000z`);
    expect((await withKey("/api/orders", oldKey)).status).toBe(401);
    expect(keyDecision(await withKey("/api/orders", newKey))).toBe("function-key:apim-20260201t0000z");
  });

  test("a host key deleted through ARM stops working too", async () => {
    const arm = toolArmClient(emu);
    await arm.put(`${sitePath("func-keys")}/host/default/functionKeys/temp`, {
      properties: { name: "temp", value: "temporary-host-key-0001" },
    });
    expect((await withKey("/api/orders", "temporary-host-key-0001")).status).toBe(200);
    await arm.delete(`${sitePath("func-keys")}/host/default/functionKeys/temp`);
    expect((await withKey("/api/orders", "temporary-host-key-0001")).status).toBe(401);
  });
});

describe("Easy Auth first, then the key", () => {
  test("the demo seed's greeting: a key and a Greeting.Read token → 200; a key alone → the function's 403", async () => {
    const demo = await startTestEmulator({ seed: YAML.parse(readFileSync("config/demo-seed.yaml", "utf8")) });
    try {
      const site = demo.arm.sites.get([...demo.arm.sites.keys()].find((k) => k.endsWith("/func-greeting"))!)!;
      const apiId = "6b0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f";
      const key = site.functions.get("greeting")!.keys.default!;
      const host = "func-greeting.azurewebsites.net";
      // Easy Auth not configured yet (the demo configures it): the key alone lets the request in, and the
      // function refuses a caller it cannot see.
      const keyOnly = await callHost(demo, host, "/api/greeting", { headers: { "x-functions-key": key } });
      expect([keyOnly.status, keyOnly.headers["x-emulator-function-decision"]]).toEqual([403, "no-caller"]);
      site.authV2 = {
        platform: { enabled: true },
        globalValidation: { requireAuthentication: true, unauthenticatedClientAction: "Return401" },
        identityProviders: {
          azureActiveDirectory: {
            enabled: true,
            registration: { clientId: apiId, openIdIssuer: `https://login.microsoftonline.com/${demo.tenantId}/v2.0` },
            validation: { allowedAudiences: [`api://${apiId}`] },
          },
        },
      };
      const token = await mintToken(demo, {
        audience: apiId,
        client: clientApp(crypto.randomUUID()),
        claims: { scp: "Greeting.Read" },
      });
      const noKey = await callHost(demo, host, "/api/greeting", { headers: bearer(token) });
      expect([
        noKey.status,
        noKey.headers["x-emulator-auth-decision"],
        noKey.headers["x-emulator-key-decision"],
      ]).toEqual([401, "passed", "missing"]);
      const ok = await callHost(demo, host, "/api/greeting", { headers: { ...bearer(token), "x-functions-key": key } });
      expect(ok.status).toBe(200);
      expect(ok.body).toBe(
        "Hello, world. You were able to access this because you provided a valid access token with the Greeting.Read scope as a claim.",
      );
      const noToken = await callHost(demo, host, "/api/greeting", { headers: { "x-functions-key": key } });
      expect([noToken.status, noToken.headers["x-emulator-key-decision"]]).toEqual([401, "not-evaluated"]);
    } finally {
      await demo.close();
    }
  });
});
