import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../lib/config/load.ts";
import { fleetDoc, fleetYaml, AUTH } from "./world.ts";
import { SUB } from "../helpers/seeds.ts";

const dir = mkdtempSync(join(tmpdir(), "bad-input-accepted-"));
const file = (name: string, content: string | Buffer) => {
  const f = join(dir, name);
  writeFileSync(f, content);
  return f;
};
const env = { AZURE_SUBSCRIPTION_ID: SUB };

// Inputs that look odd but are valid: each is read exactly as its plain-YAML twin.
describe("accepted on purpose", () => {
  const plain = loadConfig(file("plain.yaml", fleetYaml(AUTH)), env);

  test("JSON instead of YAML: JSON is YAML 1.2, so a JSON config is read as it is", () => {
    const json = loadConfig(file("fleet.json", JSON.stringify(fleetDoc(AUTH), null, 2)), env);
    expect(json.apps).toEqual(plain.apps);
  });

  test("a UTF-8 byte-order mark (what Windows editors write) is dropped, not an error", () => {
    const bom = loadConfig(
      file("bom.yaml", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(fleetYaml(AUTH))])),
      env,
    );
    expect(bom.apps).toEqual(plain.apps);
  });

  test("aliases within the limit still work (a shared block written once)", () => {
    const yaml = `defaults: {subscriptionId: ${SUB}, resourceGroup: rg-api}\nx-auth: &auth {requireAuthentication: true}\napps:\n  - {name: func-a, auth: *auth}\n  - {name: func-b, auth: *auth}\n`;
    // `x-auth` is not a config field: the alias is fine, the unknown field is reported as such.
    expect(() => loadConfig(file("alias.yaml", yaml), env)).toThrow(/problem/);
    const ok = `defaults: {subscriptionId: ${SUB}, resourceGroup: rg-api}\napps:\n  - {name: func-a, auth: &auth {requireAuthentication: true}}\n  - {name: func-b, auth: *auth}\n`;
    expect(loadConfig(file("alias-ok.yaml", ok), env).apps.map((a) => a.auth?.requireAuthentication)).toEqual([
      true,
      true,
    ]);
  });

  test("durations at the edges: 1s and 3650d are accepted", () => {
    const keys = (maxAge: string, grace: string) =>
      fleetYaml({
        keys: { vaultUrl: "https://kv.vault.azure.net", maxAge, grace, rotate: [{ name: "apim", scope: "host" }] },
      });
    expect(loadConfig(file("d1.yaml", keys("3650d", "4h30m")), env).apps[0]!.keys?.maxAge).toBe("3650d");
    expect(loadConfig(file("d2.yaml", keys("2s", "1s")), env).apps[0]!.keys?.grace).toBe("1s");
  });
});
