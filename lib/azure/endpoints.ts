/** Service endpoints, from the env names in README.md ("Connecting to Azure"), defaulting to public Azure. */
export interface Endpoints {
  authorityHost: string;
  resourceManager: string;
  graph: string;
  /** ARM token audience scope. */
  armScope: string;
  graphScope: string;
  keyVaultScope: string;
}

const trim = (u: string): string => u.replace(/\/+$/, "");

export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env): Endpoints {
  return {
    authorityHost: trim(env.AZURE_AUTHORITY_HOST || "https://login.microsoftonline.com"),
    resourceManager: trim(env.AZURE_RESOURCE_MANAGER_ENDPOINT || "https://management.azure.com"),
    graph: trim(env.MICROSOFT_GRAPH_ENDPOINT || "https://graph.microsoft.com"),
    // The token audience stays the public-cloud one even when the endpoint is an emulator or proxy.
    armScope: "https://management.azure.com/.default",
    graphScope: "https://graph.microsoft.com/.default",
    keyVaultScope: "https://vault.azure.net/.default",
  };
}

/** True when the Graph host is not a Microsoft one, so the Graph client must be told to attach tokens to it. */
export function isCustomHost(url: string): boolean {
  return !/(^|\.)(graph\.microsoft\.(com|us|de)|microsoftgraph\.chinacloudapi\.cn)$/i.test(new URL(url).hostname);
}
