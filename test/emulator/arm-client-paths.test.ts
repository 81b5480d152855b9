import { afterAll, beforeAll, expect, test } from "vitest";
import { armPath } from "../../lib/azure/arm-client.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { toolArmClient } from "../helpers/clients.ts";
import { startTestEmulator } from "../helpers/emulator.ts";
import { RG, SUB, smallWorld } from "../helpers/seeds.ts";

let emu: Emulator;
beforeAll(async () => {
  emu = await startTestEmulator({ seed: smallWorld() });
});
afterAll(() => emu.close());

test("key names are percent-encoded once per path segment (docs/contracts/arm.md §2.3)", async () => {
  const keyPath = armPath(
    "subscriptions",
    SUB,
    "resourceGroups",
    RG,
    "providers",
    "Microsoft.Web",
    "sites",
    "func-orders",
    "functions",
    "greeting",
    "keys",
    "a b",
  );
  expect(keyPath.endsWith("/keys/a%20b")).toBe(true);
  const arm = toolArmClient(emu);
  expect((await arm.put(keyPath, { properties: { name: "a b" } })).status).toBe(201);
  const listed = await arm.post<Record<string, string>>(
    armPath(
      "subscriptions",
      SUB,
      "resourceGroups",
      RG,
      "providers",
      "Microsoft.Web",
      "sites",
      "func-orders",
      "functions",
      "greeting",
      "listkeys",
    ),
  );
  expect(Object.keys(listed.body)).toContain("a b");
  expect(emu.log.list().at(-2)?.path).toMatch(/\/keys\/a%20b$/);
});
