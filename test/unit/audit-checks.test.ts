import { describe, expect, test } from "vitest";
import { CHECKS } from "../../lib/audit/checks/index.ts";
import { MI_SETTING_NAME } from "../../lib/resources/client-secret/policy.ts";
import { broken, CASES, healthy } from "./audit-fixtures.ts";

// Each check fires on a fixture with its problem and stays silent on the healthy fleet, area by area.
const AREAS = [...new Set(CHECKS.map((c) => c.definition.area))];

describe.each(AREAS)("%s checks", (area) => {
  const checks = CHECKS.filter((c) => c.definition.area === area);
  test.each(checks.map((c) => [c.definition.id, c] as const))("%s is silent on the healthy fleet", (_id, check) => {
    expect(check.run(healthy())).toEqual([]);
  });

  test.each(checks.map((c) => [c.definition.id, CASES[c.definition.id]?.problem ?? "(no case)", c] as const))(
    "%s fires on: %s",
    (id, _problem, check) => {
      const found = check.run(broken(id));
      expect(found.length).toBeGreaterThan(0);
      for (const f of found) {
        expect(f.checkId).toBe(id);
        expect(f.severity).toBe(check.definition.severity);
        expect(f.fix).toBe(check.definition.fix);
        expect(f.message.length).toBeGreaterThan(0);
      }
    },
  );
});

test("EA030 is silent when Easy Auth signs in with a managed identity: that setting holds a client id, no secret", () => {
  const o = healthy();
  const site = o.sites[0]!;
  const aad = (site.auth!.identityProviders as { azureActiveDirectory: { registration: Record<string, unknown> } })
    .azureActiveDirectory;
  aad.registration.clientSecretSettingName = MI_SETTING_NAME;
  site.appSettings = [{ name: MI_SETTING_NAME, keyVaultReference: false }];
  const ea030 = CHECKS.find((c) => c.definition.id === "EA030")!;
  expect(ea030.run(o)).toEqual([]);
  // The same plain setting under another name is the secret itself.
  aad.registration.clientSecretSettingName = "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET";
  site.appSettings = [{ name: "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET", keyVaultReference: false }];
  expect(ea030.run(o).map((f) => f.checkId)).toEqual(["EA030"]);
});
