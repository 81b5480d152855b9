import type { Emulator } from "./server.ts";
import { sitePathBase } from "./sites/host.ts";

export interface ConnectionInfo {
  env: Record<string, string>;
  endpoints: { authority: string; arm: string; graph: string; keyVault: string };
  admin: string;
  /**
   * The data plane for clients that cannot send `Host: {app}.azurewebsites.net`: replace `{app}` with the app's name
   * (or `{app}-{slot}`). Others connect to the emulator's port with that Host (docs/emulator.md, "Data plane").
   */
  hostBaseUrl: string;
  tenantId: string;
  subscriptionId: string;
  keyVaultUrl: string;
}

/** The one JSON line `scripts/emulator.ts` prints: everything a client needs, under the env names the tool reads (README.md, "Connecting to Azure"; docs/emulator.md). */
export function connectionInfo(emu: Emulator, caFile: string): ConnectionInfo {
  return {
    env: {
      AZURE_CLOUD: emu.cloud,
      AZURE_AUTHORITY_HOST: emu.url,
      AZURE_TENANT_ID: emu.tenantId,
      AZURE_CLIENT_ID: emu.clientId,
      AZURE_CLIENT_SECRET: emu.clientSecret,
      AZURE_SUBSCRIPTION_ID: emu.subscriptionId,
      AZURE_RESOURCE_MANAGER_ENDPOINT: emu.url,
      MICROSOFT_GRAPH_ENDPOINT: emu.url,
      AZURE_KEYVAULT_URL: emu.url,
      NODE_EXTRA_CA_CERTS: caFile,
    },
    endpoints: { authority: emu.url, arm: emu.url, graph: `${emu.url}/v1.0`, keyVault: emu.url },
    admin: `${emu.url}/_emulator`,
    hostBaseUrl: sitePathBase(emu.url, "{app}"),
    tenantId: emu.tenantId,
    subscriptionId: emu.subscriptionId,
    keyVaultUrl: emu.url,
  };
}
