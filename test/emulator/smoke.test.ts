import { afterAll, beforeAll, expect, test } from "vitest";
import { ClientSecretCredential } from "@azure/identity";
import { WebSiteManagementClient } from "@azure/arm-appservice";
import { createWebSiteManagement } from "@azure/arm-appservice/api";
import { startTestEmulator } from "../helpers/emulator.ts";
import type { Emulator } from "../../lib/emulator/index.ts";

let emu: Emulator;
beforeAll(async () => {
  emu = await startTestEmulator({
    seed: {
      subscriptions: [
        {
          subscriptionId: "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2",
          resourceGroups: [{ name: "rg1", sites: [{ name: "f1", functions: { hello: {} } }] }],
        },
      ],
    },
  });
});
afterAll(() => emu.close());

test("smoke", async () => {
  const cred = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.url,
    disableInstanceDiscovery: true,
  });
  const client = new WebSiteManagementClient(cred, emu.subscriptionId, {
    endpoint: emu.url,
    credentials: { scopes: ["https://management.azure.com/.default"] },
  });
  const sites = [];
  for await (const s of client.webApps.list()) sites.push(s.name);
  expect(sites).toEqual(["f1"]);
  const ctx = createWebSiteManagement(cred, emu.subscriptionId, {
    endpoint: emu.url,
    credentials: { scopes: ["https://management.azure.com/.default"] },
  });
  const r = await ctx
    .path(
      `/subscriptions/${emu.subscriptionId}/resourceGroups/rg1/providers/Microsoft.Web/sites/f1/functions/hello/keys/new-key`,
    )
    .put({
      queryParameters: { "api-version": "2025-05-01" },
      contentType: "application/json",
      body: { properties: { name: "new-key" } },
    });
  expect(r.status).toBe("201");
  console.log(emu.log.list());
});
