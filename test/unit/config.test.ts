import { readFileSync } from "node:fs";
import YAML from "yaml";
import { describe, expect, test } from "vitest";
import { ConfigError } from "../../lib/errors.ts";
import { fleetJsonSchemaText } from "../../lib/config/json-schema.ts";
import { fieldReferenceMarkdown } from "../../lib/config/field-reference.ts";
import { loadConfig, validateConfig } from "../../lib/config/load.ts";

const SUB = "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2";
const errorOf = (f: () => unknown): ConfigError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
};

describe("config validation", () => {
  test("every error is reported with its path", () => {
    const e = errorOf(() =>
      validateConfig(
        {
          apps: [
            { name: "ok-app", resourceGroup: "rg" },
            {
              name: "bad name!",
              resourceGroup: "rg",
              auth: {
                unauthenticatedClientAction: "Return402",
                azureActiveDirectory: { clientId: "nope", allowedAudiences: [""], loginParameters: ["scope"] },
              },
            },
            { name: "x", resourceGroup: "rg", auth: { tokenstore: true } },
          ],
        },
        "fleet.yaml",
        { AZURE_SUBSCRIPTION_ID: SUB },
      ),
    );
    const text = e.issues.join("\n");
    expect(text).toMatch(/^apps\[1\]\.name: /m);
    expect(text).toMatch(/^apps\[1\]\.auth\.unauthenticatedClientAction: /m);
    expect(text).toMatch(/^apps\[1\]\.auth\.azureActiveDirectory\.clientId: must be a GUID/m);
    expect(text).toMatch(/^apps\[1\]\.auth\.azureActiveDirectory\.allowedAudiences\[0\]: /m);
    expect(text).toMatch(/^apps\[1\]\.auth\.azureActiveDirectory\.loginParameters\[0\]: must be key=value/m);
    expect(text).toMatch(/^apps\[2\]\.auth: unknown field 'tokenstore'/m);
    expect(e.issues.length).toBe(6);
  });

  test("cross-checks run after the schema: duplicates, missing addresses, {appId} without clientId, fromRegistration without registration", () => {
    const e = errorOf(() =>
      validateConfig(
        {
          apps: [
            { name: "a", resourceGroup: "rg", slots: ["staging", "Staging"] },
            { name: "A", resourceGroup: "RG" },
            { name: "b" },
            { name: "c", resourceGroup: "rg", auth: { azureActiveDirectory: { allowedAudiences: ["api://{appId}"] } } },
            { name: "d", resourceGroup: "rg", auth: { azureActiveDirectory: { clientId: "fromRegistration" } } },
          ],
        },
        "fleet.yaml",
        {},
      ),
    );
    const text = e.issues.join("\n");
    expect(text).toMatch(/apps\[0\]\.subscriptionId: missing/);
    expect(text).toMatch(/apps\[0\]\.slots: 'Staging' is listed twice/);
    expect(text).toMatch(/apps\[2\]\.resourceGroup: missing/);
    expect(text).toMatch(/apps\[3\].*'\{appId\}' is used but clientId is not set/);
    expect(text).toMatch(/apps\[4\].*'fromRegistration' needs a registration block/);
  });

  test("the same app twice (case-insensitive, as ARM names are) is an error", () => {
    const e = errorOf(() =>
      validateConfig(
        {
          defaults: { subscriptionId: SUB },
          apps: [
            { name: "a", resourceGroup: "rg" },
            { name: "A", resourceGroup: "RG" },
          ],
        },
        "f.yaml",
        {},
      ),
    );
    expect(e.issues).toEqual(["apps[1]: same app as apps[0] (RG/A); list each app once"]);
  });

  test("defaults merge under app auth field by field; apps without auth get none", () => {
    const c = validateConfig(
      {
        defaults: {
          subscriptionId: SUB,
          resourceGroup: "rg",
          auth: { requireAuthentication: true, azureActiveDirectory: { tokenVersion: 1 } },
        },
        apps: [
          { name: "a", auth: { azureActiveDirectory: { clientId: "4b2d6f8a-1c3e-4a5b-9d7f-0e2c4a6b8d10" } } },
          { name: "b" },
        ],
      },
      "f.yaml",
      {},
    );
    expect(c.apps[0]!.auth).toMatchObject({
      enabled: true,
      requireAuthentication: true,
      azureActiveDirectory: { tokenVersion: 1, clientId: "4b2d6f8a-1c3e-4a5b-9d7f-0e2c4a6b8d10", enabled: true },
    });
    expect(c.apps[1]!.auth).toBeUndefined();
  });

  test("asking for ARM and Graph scopes together is flagged", () => {
    const c = validateConfig(
      {
        defaults: { subscriptionId: SUB, resourceGroup: "rg" },
        apps: [
          {
            name: "a",
            auth: {
              tokenStore: true,
              azureActiveDirectory: {
                clientSecretSettingName: "S",
                loginParameters: ["scope=openid https://management.azure.com/user_impersonation User.Read"],
              },
            },
          },
        ],
      },
      "f.yaml",
      {},
    );
    expect(c.warnings.join("\n")).toMatch(/one audience/);
  });

  test("unreadable file and invalid YAML get clear errors", () => {
    expect(errorOf(() => loadConfig("/nonexistent/fleet.yaml")).message).toMatch(/Cannot read config file/);
    expect(() => YAML.parse("apps: [")).toThrow();
  });

  test("the shipped example and demo configs validate", () => {
    expect(loadConfig("config/fleet.example.yaml", {}).apps.length).toBeGreaterThan(2);
    expect(loadConfig("config/demo.yaml", {}).apps.length).toBeGreaterThanOrEqual(4);
  });

  test("config/schema.json is generated from the zod schema (run `npm run schema` when this fails)", () => {
    expect(readFileSync("config/schema.json", "utf8")).toBe(fleetJsonSchemaText());
    expect(readFileSync("docs/configuration-reference.md", "utf8")).toBe(fieldReferenceMarkdown());
  });
});
