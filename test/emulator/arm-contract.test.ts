import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ArmClient } from "../../lib/azure/arm-client.ts";
import { AzureRequestError } from "../../lib/errors.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { errorsOf, webSchemas } from "../helpers/contract.ts";
import { toolArmClient } from "../helpers/clients.ts";
import { startTestEmulator } from "../helpers/emulator.ts";
import { sitePath, smallWorld } from "../helpers/seeds.ts";

// Closed schemas: the emulator may not answer with fields the spec does not define (top-level resource envelopes
// stay open because ARM adds `location`, which ProxyOnlyResource lacks).
const schema = webSchemas({ closed: true });
let emu: Emulator;
let arm: ArmClient;

beforeAll(async () => {
  emu = await startTestEmulator({ seed: smallWorld() });
  arm = toolArmClient(emu);
});
afterAll(() => emu.close());

function expectValid(definition: string, body: unknown) {
  const v = schema(definition);
  expect(v(body), errorsOf(v)).toBe(true);
}

describe("Microsoft.Web responses match the published spec (2024-11-01 extract)", () => {
  test("GET authsettingsV2/list → SiteAuthSettingsV2", async () => {
    const r = await arm.get(`${sitePath("func-orders")}/config/authsettingsV2/list`);
    expectValid("SiteAuthSettingsV2", r.body);
    expect(r.body).toMatchObject({
      id: `${sitePath("func-orders")}/config/authsettingsV2`,
      name: "authsettingsV2",
      location: "westeurope",
    });
  });

  test("GET authsettingsV2 (without secrets) → SiteAuthSettingsV2, also for a slot", async () => {
    expectValid("SiteAuthSettingsV2", (await arm.get(`${sitePath("func-orders")}/config/authsettingsV2`)).body);
    expectValid(
      "SiteAuthSettingsV2",
      (await arm.get(`${sitePath("func-orders", "staging")}/config/authsettingsV2/list`)).body,
    );
  });

  test("V1 app seen through V2 → SiteAuthSettingsV2 (the projection invents no fields)", async () => {
    expectValid("SiteAuthSettingsV2", (await arm.get(`${sitePath("func-legacy")}/config/authsettingsV2/list`)).body);
  });

  test("POST authsettings/list → SiteAuthSettings with configVersion", async () => {
    const r = await arm.post<{ properties: { configVersion: string } }>(
      `${sitePath("func-legacy")}/config/authsettings/list`,
    );
    // The service returns every V1 field, null when unset; the spec does not mark them nullable, so the nulls are
    // checked here and the rest against the spec.
    const props = r.body.properties as Record<string, unknown>;
    const unset = Object.keys(props).filter((k) => props[k] === null);
    expect(unset).toContain("issuer");
    expectValid("SiteAuthSettings", {
      ...r.body,
      properties: Object.fromEntries(Object.entries(props).filter(([, v]) => v !== null)),
    });
    expect(r.body.properties.configVersion).toBe("v1");
  });

  test("GET functions → FunctionEnvelopeCollection", async () => {
    expectValid("FunctionEnvelopeCollection", (await arm.get(`${sitePath("func-orders")}/functions`)).body);
  });

  test("POST host/default/listkeys → HostKeys", async () => {
    expectValid("HostKeys", (await arm.post(`${sitePath("func-orders")}/host/default/listkeys`)).body);
  });

  test("PUT key: the response is resource-shaped, its properties are a KeyInfo (the spec says flat KeyInfo; docs/contracts/arm.md §2.2)", async () => {
    const r = await arm.put<{ properties: unknown }>(
      `${sitePath("func-orders")}/functions/greeting/keys/contract-key`,
      { properties: { name: "contract-key" } },
    );
    expect(r.status).toBe(201);
    expectValid("KeyInfo", r.body.properties);
  });

  test("POST functions/{fn}/listkeys: a flat map of strings, not the spec's StringDictionary (azure-rest-api-specs#11401)", async () => {
    const r = await arm.post<Record<string, unknown>>(`${sitePath("func-orders")}/functions/greeting/listkeys`);
    expect(Object.keys(r.body).sort()).toEqual(expect.arrayContaining(["default", "partner"]));
    for (const v of Object.values(r.body)) expect(typeof v).toBe("string");
    expect(r.body).not.toHaveProperty("properties");
  });

  test("ARM errors → DefaultErrorResponse; key-route errors use the legacy shape (docs/contracts/arm.md §3)", async () => {
    const missing = await fetch(`${emu.url}${sitePath("nope")}?api-version=2025-05-01`);
    expect(missing.status).toBe(401); // no token: ARM's auth check comes first
    const err = await arm.get(sitePath("nope")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AzureRequestError);
    expect((err as AzureRequestError).code).toBe("ResourceNotFound");
    const legacy = await arm
      .delete(`${sitePath("func-orders")}/functions/greeting/keys/_system`)
      .catch((e: unknown) => e as AzureRequestError);
    expect(legacy).toMatchObject({ status: 400, code: "BadRequest" });
    expect((legacy as Error).message).toContain("Invalid key name.");
  });
});
