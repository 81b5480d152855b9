import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { azCliCloud, CLOUD_NAMES, CLOUDS, issuerFor, parseCloudName, resolveCloud } from "../../lib/azure/clouds.ts";
import { endpointsFromEnv, isCustomHost } from "../../lib/azure/endpoints.ts";
import { WRITING_OPTIONS } from "../../lib/cli/common.ts";
import { formatError } from "../../lib/cli/main.ts";
import { emulatedCloud, EMULATED_CLOUDS } from "../../lib/emulator/index.ts";
import { ownedFields } from "../../lib/resources/auth/owned-fields.ts";

const T = "7e3a0f1c-5b2d-4c8e-9a61-0d4f2b8c6e11";
const error = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return formatError(e);
  }
  throw new Error("expected an error");
};

describe("the cloud table (docs/clouds.md)", () => {
  test("names as az cloud list prints them; Germany is gone", () => {
    expect(CLOUD_NAMES).toEqual(["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"]);
    expect(EMULATED_CLOUDS).toEqual(CLOUD_NAMES);
  });

  test.each([
    [
      "AzureCloud",
      "https://login.microsoftonline.com",
      "https://management.azure.com",
      "https://graph.microsoft.com",
      "vault.azure.net",
    ],
    [
      "AzureUSGovernment",
      "https://login.microsoftonline.us",
      "https://management.usgovcloudapi.net",
      "https://graph.microsoft.us",
      "vault.usgovcloudapi.net",
    ],
    [
      "AzureChinaCloud",
      "https://login.chinacloudapi.cn",
      "https://management.chinacloudapi.cn",
      "https://microsoftgraph.chinacloudapi.cn",
      "vault.azure.cn",
    ],
  ] as const)("%s: endpoints, scopes and Key Vault suffix", (name, authority, arm, graph, vault) => {
    const e = endpointsFromEnv({}, CLOUDS[name]);
    expect(e).toMatchObject({
      authorityHost: authority,
      resourceManager: arm,
      graph,
      armScope: `${arm}/.default`,
      graphScope: `${graph}/.default`,
      keyVaultScope: `https://${vault}/.default`,
      keyVaultSuffix: vault,
    });
    expect(e.cloud.name).toBe(name);
    // The emulator's own table agrees on every audience.
    const emu = emulatedCloud(name);
    expect(emu.arm).toContain(arm);
    expect(emu.graph).toContain(graph);
    expect(emu.vaultResource).toBe(`https://${vault}`);
    expect(emu.authority).toBe(authority);
  });

  test("Easy Auth issuers: {authority}/{tenant}/v2.0 and the cloud's v1 sts host", () => {
    expect(issuerFor(CLOUDS.AzureCloud, 2, T)).toBe(`https://login.microsoftonline.com/${T}/v2.0`);
    expect(issuerFor(CLOUDS.AzureCloud, 1, T)).toBe(`https://sts.windows.net/${T}/`);
    expect(issuerFor(CLOUDS.AzureUSGovernment, 2, T)).toBe(`https://login.microsoftonline.us/${T}/v2.0`);
    expect(issuerFor(CLOUDS.AzureUSGovernment, 1, T)).toBe(`https://sts.windows.net/${T}/`);
    expect(issuerFor(CLOUDS.AzureChinaCloud, 2, T)).toBe(`https://login.chinacloudapi.cn/${T}/v2.0`);
    expect(issuerFor(CLOUDS.AzureChinaCloud, 1, T)).toBe(`https://sts.chinacloudapi.cn/${T}/`);
  });

  test("the auth kind's openIdIssuer follows the context's cloud (public when none)", () => {
    const auth = { enabled: true, azureActiveDirectory: { enabled: true } } as never;
    const issuer = (cloud?: (typeof CLOUDS)[keyof typeof CLOUDS]) =>
      ownedFields(auth, { tenantId: T, tokenVersion: 2, ...(cloud ? { cloud } : {}) })
        .find((f) => f.path.join(".").endsWith("openIdIssuer"))!
        .desired(undefined);
    expect(issuer()).toBe(`https://login.microsoftonline.com/${T}/v2.0`);
    expect(issuer(CLOUDS.AzureChinaCloud)).toBe(`https://login.chinacloudapi.cn/${T}/v2.0`);
  });

  test("every Microsoft Graph host is known to the SDK; any other host is custom", () => {
    for (const n of CLOUD_NAMES) expect(isCustomHost(CLOUDS[n].graph)).toBe(false);
    expect(isCustomHost("https://127.0.0.1:8443")).toBe(true);
    expect(isCustomHost("https://graph.microsoft.de")).toBe(true);
  });
});

describe("choosing the cloud", () => {
  test("names are case-insensitive; unknown and retired ones are refused with the list", () => {
    expect(parseCloudName("azureusgovernment", "--cloud")).toBe("AzureUSGovernment");
    expect(error(() => parseCloudName("AzureGermanCloud", "--cloud"))).toMatch(/closed in 2021/);
    expect(error(() => parseCloudName("Mars", "AZURE_CLOUD"))).toMatch(
      /AZURE_CLOUD names an unknown cloud 'Mars'[\s\S]*AzureCloud, AzureUSGovernment, AzureChinaCloud/,
    );
  });

  test("--cloud, then AZURE_CLOUD, then an endpoint variable's known host, then AzureCloud", () => {
    const none = () => undefined;
    expect(resolveCloud({ cloud: "AzureChinaCloud" }, { AZURE_CLOUD: "AzureUSGovernment" }, none)).toMatchObject({
      cloud: { name: "AzureChinaCloud" },
      source: "--cloud",
    });
    expect(resolveCloud({}, { AZURE_CLOUD: "AzureUSGovernment" }, none).source).toBe("AZURE_CLOUD");
    expect(resolveCloud({}, { AZURE_AUTHORITY_HOST: "https://login.microsoftonline.us/" }, none)).toMatchObject({
      cloud: { name: "AzureUSGovernment" },
      source: "AZURE_AUTHORITY_HOST",
    });
    expect(
      resolveCloud({}, { AZURE_AUTHORITY_HOST: "https://login.partner.microsoftonline.cn" }, none).cloud.name,
    ).toBe("AzureChinaCloud");
    expect(resolveCloud({}, { AZURE_AUTHORITY_HOST: "https://127.0.0.1:8443" }, none)).toMatchObject({
      cloud: { name: "AzureCloud" },
      source: "default",
    });
  });

  test("explicit endpoint variables override the cloud's hosts; audiences stay the cloud's", () => {
    const e = endpointsFromEnv({
      AZURE_CLOUD: "AzureUSGovernment",
      AZURE_AUTHORITY_HOST: "https://127.0.0.1:8443/",
      AZURE_RESOURCE_MANAGER_ENDPOINT: "https://127.0.0.1:8443",
      MICROSOFT_GRAPH_ENDPOINT: "https://proxy.example:9000",
    });
    expect(e).toMatchObject({
      authorityHost: "https://127.0.0.1:8443",
      resourceManager: "https://127.0.0.1:8443",
      graph: "https://proxy.example:9000",
      armScope: "https://management.usgovcloudapi.net/.default",
      graphScope: "https://graph.microsoft.us/.default",
      keyVaultScope: "https://vault.usgovcloudapi.net/.default",
    });
  });

  test("--auth cli: az's active cloud from [cloud] name in $AZURE_CONFIG_DIR/config", () => {
    const dir = mkdtempSync(join(tmpdir(), "azcfg-"));
    const env = { AZURE_CONFIG_DIR: dir };
    expect(azCliCloud(env)).toBeUndefined();
    writeFileSync(join(dir, "config"), "[core]\noutput = json\n\n[cloud]\nname = AzureChinaCloud\n");
    expect(azCliCloud(env)).toBe("AzureChinaCloud");
    expect(resolveCloud({ auth: "cli" }, env)).toMatchObject({
      cloud: { name: "AzureChinaCloud" },
      source: "az cloud",
    });
    // Only with --auth cli: another credential does not ask az.
    expect(resolveCloud({ auth: "env" }, env).cloud.name).toBe("AzureCloud");
    // A flag naming another cloud than az's is refused before sign-in: az's token would be for the wrong cloud.
    expect(error(() => resolveCloud({ auth: "cli", cloud: "AzureUSGovernment" }, env))).toMatch(
      /--cloud says AzureUSGovernment, but the az CLI is set to cloud 'AzureChinaCloud'[\s\S]*az cloud set --name AzureUSGovernment/,
    );
    // A cloud registered with `az cloud register` (the emulator's) leaves the choice to the endpoint variables.
    writeFileSync(join(dir, "config"), "[cloud]\nname = Emulator\n");
    expect(resolveCloud({ auth: "cli" }, env).cloud.name).toBe("AzureCloud");
  });

  test("--cloud is a flag of every writing command", () => {
    expect(WRITING_OPTIONS.cloud).toMatchObject({ type: "string" });
  });
});
