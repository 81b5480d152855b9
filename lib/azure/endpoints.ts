import { CLOUDS, type Cloud, resolveCloud } from "./clouds.ts";

/**
 * Service endpoints: the cloud's (lib/azure/clouds.ts, docs/clouds.md), each overridden by the env names in README.md
 * ("Connecting to Azure").
 */
export interface Endpoints {
  /** The cloud whose audiences and issuers apply, whatever host the endpoints name. */
  cloud: Cloud;
  authorityHost: string;
  resourceManager: string;
  graph: string;
  /** ARM token audience scope. */
  armScope: string;
  graphScope: string;
  keyVaultScope: string;
  /** Key Vault DNS suffix of the cloud (vault.azure.net, vault.usgovcloudapi.net, vault.azure.cn). */
  keyVaultSuffix: string;
}

const trim = (u: string): string => u.replace(/\/+$/, "");

/**
 * The endpoints of `cloud` (default: the one `AZURE_CLOUD` or an endpoint variable names, else public Azure), with
 * AZURE_AUTHORITY_HOST, AZURE_RESOURCE_MANAGER_ENDPOINT and MICROSOFT_GRAPH_ENDPOINT overriding the hosts.
 */
export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env, cloud?: Cloud): Endpoints {
  const c = cloud ?? resolveCloud({}, env).cloud;
  return {
    cloud: c,
    authorityHost: trim(env.AZURE_AUTHORITY_HOST || c.authorityHost),
    resourceManager: trim(env.AZURE_RESOURCE_MANAGER_ENDPOINT || c.resourceManager),
    graph: trim(env.MICROSOFT_GRAPH_ENDPOINT || c.graph),
    // The token audiences stay the cloud's even when an endpoint is an emulator or proxy.
    armScope: `${c.armAudience}/.default`,
    graphScope: `${c.graph}/.default`,
    keyVaultScope: `${c.keyVaultAudience}/.default`,
    keyVaultSuffix: c.keyVaultSuffix,
  };
}

const GRAPH_HOSTS = Object.values(CLOUDS).map((c) => new URL(c.graph).hostname.toLowerCase());

/** True when the Graph host is not a Microsoft one, so the Graph client must be told to attach tokens to it. */
export function isCustomHost(url: string): boolean {
  return !GRAPH_HOSTS.includes(new URL(url).hostname.toLowerCase());
}
