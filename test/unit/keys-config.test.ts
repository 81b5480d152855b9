import { describe, expect, test } from "vitest";
import { ConfigError } from "../../lib/errors.ts";
import { validateConfig } from "../../lib/config/load.ts";
import { keyPolicies, secretNameFor, vaultUrlFor } from "../../lib/resources/keys/policy.ts";
import { keyWork } from "../../lib/resources/keys/index.ts";

const SUB = "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2";
const VAULT = "https://kv-apis.vault.azure.net";
const env = { AZURE_SUBSCRIPTION_ID: SUB };

const issues = (doc: unknown): string[] => {
  try {
    validateConfig(doc, "fleet.yaml", env);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  return [];
};

const fleet = (keys: unknown, extra: Record<string, unknown> = {}) => ({
  defaults: { resourceGroup: "rg", keys: { vaultUrl: VAULT } },
  apps: [{ name: "func-a", slots: ["staging"], keys, ...extra }],
});

describe("keys config", () => {
  test("a valid policy: defaults merged under the app, grace 4h30m and maxAge 30d by default, one secret per slot", () => {
    const loaded = validateConfig(
      fleet({
        maxAge: "7d",
        rotate: [
          { name: "apim", scope: "function", function: "greeting" },
          { name: "partner", scope: "host", slots: ["production"], grace: "6h" },
        ],
      }),
      "f.yaml",
      env,
    );
    expect(loaded.warnings).toEqual([]);
    const [apim, partner] = keyPolicies(loaded.apps[0]!);
    expect(apim).toMatchObject({
      logical: "apim",
      maxAgeMs: 7 * 86_400_000,
      graceMs: 4.5 * 3_600_000,
      slots: [undefined, "staging"],
      vaultUrl: VAULT,
    });
    expect(partner).toMatchObject({ graceMs: 6 * 3_600_000, slots: [undefined], hostKeyType: "functionKeys" });
    const t = { subscriptionId: SUB, resourceGroup: "rg", name: "func-a" };
    expect(secretNameFor(apim!, t)).toBe("func-a-production-greeting-apim");
    expect(secretNameFor(apim!, { ...t, slot: "staging" })).toBe("func-a-staging-greeting-apim");
    expect(secretNameFor(partner!, t)).toBe("func-a-production-host-partner");
    expect(keyWork(loaded.apps, undefined, {}).map((w) => w.secretName)).toEqual([
      "func-a-production-greeting-apim",
      "func-a-staging-greeting-apim",
      "func-a-production-host-partner",
    ]);
    expect(keyWork(loaded.apps, "staging", {}).map((w) => w.secretName)).toEqual(["func-a-staging-greeting-apim"]);
  });

  test("every problem is reported with its path and the fix", () => {
    const rotate = [
      { name: "bad_name", scope: "function", function: "greeting" },
      { name: "_master", scope: "host" },
      { name: "apim", scope: "function" },
      { name: "partner", scope: "host", function: "greeting", slots: ["qa"] },
      { name: "fixed", scope: "host", secretName: "one-secret-{nope}" },
      { name: "tagged", scope: "host", tags: { keyName: "x" } },
    ];
    const doc = (r: unknown[]) => ({
      defaults: { resourceGroup: "rg" },
      apps: [{ name: "func-a", slots: ["staging"], keys: { rotate: r } }],
    });
    // Schema errors are reported first (with their paths); the cross-checks run once the shapes are right.
    expect(issues(doc([...rotate.slice(0, 5), { ...rotate[5], maxAge: "soon" }])).join("\n")).toMatch(
      /^apps\[0\]\.keys\.rotate\[5\]\.maxAge: must be a duration/m,
    );
    const text = issues(doc(rotate)).join("\n");
    expect(text).toMatch(/^apps\[0\]\.keys\.rotate\[0\]\.name: 'bad_name' must be 1-41 letters/m);
    expect(text).toMatch(/^apps\[0\]\.keys\.rotate\[0\]: no Key Vault target; set keys\.vaultUrl/m);
    expect(text).toMatch(/^apps\[0\]\.keys\.rotate\[1\]\.name: '_master' starts with '_'.*set renewInPlace: true/m);
    expect(text).toMatch(/^apps\[0\]\.keys\.rotate\[2\]\.function: scope 'function' needs the function name/m);
    expect(text).toMatch(/^apps\[0\]\.keys\.rotate\[3\]\.function: a host key belongs to no function/m);
    expect(text).toMatch(/^apps\[0\]\.keys\.rotate\[3\]\.slots: 'qa' is not 'production' nor a slot/m);
    expect(text).toMatch(/^apps\[0\]\.keys\.rotate\[4\]\.secretName: unknown placeholder \{nope\}/m);
    expect(text).toMatch(/^apps\[0\]\.keys\.rotate\[4\]\.secretName: 2 slots would share one secret/m);
    expect(text).toMatch(/^apps\[0\]\.keys\.rotate\[5\]\.tags: keyName is set by the tool/m);
  });

  test("unknown fields are refused (strict), and secret names must be unique across the fleet", () => {
    expect(issues(fleet({ rotate: [{ name: "apim", scope: "host", maxage: "1d" }] })).join("\n")).toMatch(
      /apps\[0\]\.keys\.rotate\[0\]: unknown field 'maxage'/,
    );
    const dup = issues({
      defaults: { resourceGroup: "rg", keys: { vaultUrl: VAULT } },
      apps: [
        { name: "func-a", keys: { rotate: [{ name: "apim", scope: "host", secretName: "shared-apim" }] } },
        { name: "func-b", keys: { rotate: [{ name: "apim", scope: "host", secretName: "shared-apim" }] } },
      ],
    });
    expect(dup.join("\n")).toMatch(
      /apps\[1\]\.keys\.rotate\[0\]\.secretName: 'shared-apim' is also used by apps\[0\]\.keys\.rotate\[0\]/,
    );
  });

  test("_master with renewInPlace is accepted; a short grace and 'default' in replaces are warned about", () => {
    const loaded = validateConfig(
      fleet({
        rotate: [
          { name: "_master", scope: "host", renewInPlace: true },
          { name: "apim", scope: "function", function: "greeting", grace: "1h", replaces: ["default"] },
        ],
      }),
      "f.yaml",
      env,
    );
    const text = loaded.warnings.join("\n");
    expect(text).toMatch(/rotate\[1\]\.grace: 1h is shorter than API Management's 4 h Key Vault refresh/);
    expect(text).toMatch(/rotate\[1\]\.replaces: 'default' will be deleted/);
    expect(keyPolicies(loaded.apps[0]!)[0]).toMatchObject({ hostKeyType: "masterKey", renewInPlace: true });
  });

  test("vaultUrl 'fromEnv' needs AZURE_KEYVAULT_URL at run time, before any call", () => {
    const loaded = validateConfig(
      {
        ...fleet({ rotate: [{ name: "apim", scope: "host" }] }),
        defaults: { resourceGroup: "rg", keys: { vaultUrl: "fromEnv" } },
      },
      "f.yaml",
      env,
    );
    const p = keyPolicies(loaded.apps[0]!)[0]!;
    expect(() => vaultUrlFor(p, {})).toThrow(/AZURE_KEYVAULT_URL is not set/);
    expect(vaultUrlFor(p, { AZURE_KEYVAULT_URL: "https://127.0.0.1:8443/" })).toBe("https://127.0.0.1:8443");
  });

  test("a selection without keys.rotate is a usage error naming the fix", () => {
    const loaded = validateConfig({ defaults: { resourceGroup: "rg" }, apps: [{ name: "func-a" }] }, "f.yaml", env);
    expect(() => keyWork(loaded.apps, undefined, {})).toThrow(/No key to rotate/);
  });
});
