/**
 * The Azure clouds the emulator can impersonate (`startEmulator({ cloud })`, `scripts/emulator.ts --cloud`): the
 * token audiences each one's ARM, Graph and Key Vault accept, and the issuers its Entra writes into tokens. The
 * emulator's own small table (it imports nothing from the tool); the tool's is lib/azure/clouds.ts, and both follow
 * docs/clouds.md. Retired clouds (Azure Germany) are not offered.
 */
export const EMULATED_CLOUDS = ["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"] as const;
export type EmulatedCloudName = (typeof EMULATED_CLOUDS)[number];

export interface EmulatedCloud {
  name: EmulatedCloudName;
  /** Entra authority host: v2 issuers are `{authority}/{tenant}/v2.0`. */
  authority: string;
  /** Host of v1 issuers: `{sts}/{tenant}/`. */
  sts: string;
  /** Graph host, as discovery documents name it (`msgraph_host`). */
  graphHost: string;
  /** `cloud_instance_name` of the discovery documents. */
  instanceName: string;
  /** Audiences ARM accepts (the resource manager endpoint and the classic management.core one, with and without `/`). */
  arm: string[];
  /** Audiences Graph accepts. */
  graph: string[];
  /** Audiences Entra issues for Key Vault (the data plane itself accepts only `vaultResource` and the app id). */
  vault: string[];
  /** The resource Key Vault's challenge names; the SDK asks for `{vaultResource}/.default`. */
  vaultResource: string;
}

const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
const KEY_VAULT_APP_ID = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093";
const both = (...urls: string[]) => urls.flatMap((u) => [u, `${u}/`]);

export const EMULATED_CLOUD_TABLE: Record<EmulatedCloudName, EmulatedCloud> = {
  AzureCloud: {
    name: "AzureCloud",
    authority: "https://login.microsoftonline.com",
    sts: "https://sts.windows.net",
    graphHost: "graph.microsoft.com",
    instanceName: "microsoftonline.com",
    arm: both("https://management.azure.com", "https://management.core.windows.net"),
    graph: [...both("https://graph.microsoft.com"), GRAPH_APP_ID],
    vault: [...both("https://vault.azure.net"), KEY_VAULT_APP_ID],
    vaultResource: "https://vault.azure.net",
  },
  AzureUSGovernment: {
    name: "AzureUSGovernment",
    authority: "https://login.microsoftonline.us",
    // US Government v1 tokens still carry sts.windows.net (docs/clouds.md).
    sts: "https://sts.windows.net",
    graphHost: "graph.microsoft.us",
    instanceName: "microsoftonline.us",
    arm: both("https://management.usgovcloudapi.net", "https://management.core.usgovcloudapi.net"),
    graph: [...both("https://graph.microsoft.us"), GRAPH_APP_ID],
    vault: [...both("https://vault.usgovcloudapi.net"), KEY_VAULT_APP_ID],
    vaultResource: "https://vault.usgovcloudapi.net",
  },
  AzureChinaCloud: {
    name: "AzureChinaCloud",
    authority: "https://login.chinacloudapi.cn",
    sts: "https://sts.chinacloudapi.cn",
    graphHost: "microsoftgraph.chinacloudapi.cn",
    instanceName: "partner.microsoftonline.cn",
    arm: both("https://management.chinacloudapi.cn", "https://management.core.chinacloudapi.cn"),
    graph: [...both("https://microsoftgraph.chinacloudapi.cn"), GRAPH_APP_ID],
    vault: [...both("https://vault.azure.cn"), KEY_VAULT_APP_ID],
    vaultResource: "https://vault.azure.cn",
  },
};

/** The cloud for a name as `az cloud list` prints it (case-insensitive); throws for any other. */
export function emulatedCloud(name: string = "AzureCloud"): EmulatedCloud {
  const hit = EMULATED_CLOUDS.find((c) => c.toLowerCase() === name.toLowerCase());
  if (!hit) throw new Error(`Unknown cloud '${name}': use one of ${EMULATED_CLOUDS.join(", ")}.`);
  return EMULATED_CLOUD_TABLE[hit];
}
