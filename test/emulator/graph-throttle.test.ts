import { afterAll, beforeAll, expect, test } from "vitest";
import type { Emulator } from "../../lib/emulator/index.ts";
import { credentialFor } from "../helpers/clients.ts";
import { startTestEmulator } from "../helpers/emulator.ts";

let emu: Emulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.close());

test("Graph answers 429 with Retry-After and the throttle headers once the application's units are spent", async () => {
  const r = await fetch(`${emu.url}/_emulator/throttle`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ spec: "", graph: "units=4:0.5,writes=100:1" }),
  });
  expect(r.status).toBe(200);
  const token = (await credentialFor(emu).getToken("https://graph.microsoft.com/.default"))!.token;
  const get = () => fetch(`${emu.url}/v1.0/applications`, { headers: { authorization: `Bearer ${token}` } });
  const first = await get();
  expect(first.status).toBe(200);
  expect(first.headers.get("x-ms-resource-unit")).toBe("2");
  expect((await get()).status).toBe(200);
  const refused = await get();
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  expect(refused.headers.get("x-ms-throttle-information")).toBe("ResourceUnitLimitExceeded");
  expect(refused.headers.get("x-ms-throttle-scope")).toMatch(/^Tenant_Application\/ResourceUnitLimit\//);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("TooManyRequests");
  await fetch(`${emu.url}/_emulator/throttle`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ spec: "", graph: "off" }),
  });
  expect((await get()).status).toBe(200);
});
