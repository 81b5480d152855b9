import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../errors.ts";

/** The Azure clouds, named as `az cloud list` prints them. Retired clouds (Azure Germany, closed 2021) are not offered. */
export const CLOUD_NAMES = ["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];

/** One cloud's endpoints and token audiences (docs/clouds.md gives the public source of each value). */
export interface Cloud {
  name: CloudName;
  /** Entra authority host; also the host of v2 issuers (`{authorityHost}/{tenant}/v2.0`). */
  authorityHost: string;
  /** Host of v1 issuers (`{stsHost}/{tenant}/`). */
  stsHost: string;
  resourceManager: string;
  /** ARM token audience (scope `{armAudience}/.default`). */
  armAudience: string;
  /** Graph endpoint, also its token audience. */
  graph: string;
  /** Key Vault DNS suffix: vaults are `https://{name}.{keyVaultSuffix}`. */
  keyVaultSuffix: string;
  /** Key Vault token audience. */
  keyVaultAudience: string;
}

export const CLOUDS: Record<CloudName, Cloud> = {
  AzureCloud: {
    name: "AzureCloud",
    authorityHost: "https://login.microsoftonline.com",
    stsHost: "https://sts.windows.net",
    resourceManager: "https://management.azure.com",
    armAudience: "https://management.azure.com",
    graph: "https://graph.microsoft.com",
    keyVaultSuffix: "vault.azure.net",
    keyVaultAudience: "https://vault.azure.net",
  },
  AzureUSGovernment: {
    name: "AzureUSGovernment",
    authorityHost: "https://login.microsoftonline.us",
    // v1 tokens of US Government tenants still carry sts.windows.net (docs/clouds.md).
    stsHost: "https://sts.windows.net",
    resourceManager: "https://management.usgovcloudapi.net",
    armAudience: "https://management.usgovcloudapi.net",
    graph: "https://graph.microsoft.us",
    keyVaultSuffix: "vault.usgovcloudapi.net",
    keyVaultAudience: "https://vault.usgovcloudapi.net",
  },
  AzureChinaCloud: {
    name: "AzureChinaCloud",
    authorityHost: "https://login.chinacloudapi.cn",
    stsHost: "https://sts.chinacloudapi.cn",
    resourceManager: "https://management.chinacloudapi.cn",
    armAudience: "https://management.chinacloudapi.cn",
    graph: "https://microsoftgraph.chinacloudapi.cn",
    keyVaultSuffix: "vault.azure.cn",
    keyVaultAudience: "https://vault.azure.cn",
  },
};

/** Authority hosts that are Microsoft's own (instance discovery stays on for them): each cloud's, and China's alias. */
export const MICROSOFT_AUTHORITY_HOSTS: readonly string[] = [
  ...CLOUD_NAMES.map((n) => new URL(CLOUDS[n].authorityHost).hostname),
  "login.partner.microsoftonline.cn",
];

/** The v1 and v2 issuers of a tenant in a cloud, as Easy Auth's openIdIssuer names them. */
export function issuerFor(cloud: Cloud, tokenVersion: 1 | 2, tenantId: string): string {
  return tokenVersion === 2 ? `${cloud.authorityHost}/${tenantId}/v2.0` : `${cloud.stsHost}/${tenantId}/`;
}

const RETIRED = /^azuregermancloud$/i;

/** A cloud by name (case-insensitive, as az accepts it); `from` says where the name came from, for the message. */
export function parseCloudName(value: string, from: string): CloudName {
  const hit = CLOUD_NAMES.find((n) => n.toLowerCase() === value.trim().toLowerCase());
  if (hit) return hit;
  throw new UsageError(
    RETIRED.test(value.trim())
      ? `${from} names AzureGermanCloud, which was closed in 2021.`
      : `${from} names an unknown cloud '${value}'.`,
    {
      fix: `Use one of: ${CLOUD_NAMES.join(", ")}. For any other cloud, set AZURE_AUTHORITY_HOST, AZURE_RESOURCE_MANAGER_ENDPOINT and MICROSOFT_GRAPH_ENDPOINT (docs/clouds.md).`,
    },
  );
}

/**
 * The active cloud of the az CLI, read offline from `[cloud] name` in `$AZURE_CONFIG_DIR/config` (default
 * `~/.azure/config`, where `az cloud set` writes it); undefined when the file or the key is absent (az's default,
 * AzureCloud, then applies).
 */
export function azCliCloud(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = join(env.AZURE_CONFIG_DIR || join(homedir(), ".azure"), "config");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  let section = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const head = /^\[(.+)\]$/.exec(line);
    if (head) section = head[1]!.trim().toLowerCase();
    else if (section === "cloud") {
      const kv = /^name\s*[=:]\s*(.*)$/i.exec(line);
      if (kv?.[1]) return kv[1].trim();
    }
  }
  return undefined;
}

/** The cloud whose own host an explicit endpoint variable names (a real sovereign endpoint), if any. */
function cloudOfEndpoints(env: NodeJS.ProcessEnv): { name: CloudName; from: string } | undefined {
  const vars = [
    ["AZURE_AUTHORITY_HOST", (c: Cloud) => [c.authorityHost]],
    ["AZURE_RESOURCE_MANAGER_ENDPOINT", (c: Cloud) => [c.resourceManager]],
    ["MICROSOFT_GRAPH_ENDPOINT", (c: Cloud) => [c.graph]],
  ] as const;
  for (const [name, hosts] of vars) {
    const value = env[name];
    if (!value) continue;
    let host: string;
    try {
      host = new URL(value).hostname.toLowerCase();
    } catch {
      continue;
    }
    if (name === "AZURE_AUTHORITY_HOST" && host === "login.partner.microsoftonline.cn")
      return { name: "AzureChinaCloud", from: name };
    const hit = CLOUD_NAMES.find((n) => hosts(CLOUDS[n]).some((u) => new URL(u).hostname === host));
    if (hit) return { name: hit, from: name };
  }
  return undefined;
}

export interface ResolvedCloud {
  cloud: Cloud;
  /** Where the choice came from: `--cloud`, `AZURE_CLOUD`, `az cloud`, an endpoint variable, or `default`. */
  source: string;
}

/**
 * The cloud a run talks to: `--cloud`, else `AZURE_CLOUD`, else (with `--auth cli`) az's active cloud when it is one
 * of these (a cloud registered with `az cloud register`, such as the emulator's, is left to the endpoint variables),
 * else the cloud whose host an explicit endpoint variable names, else AzureCloud. With `--auth cli`, az must be on the
 * same cloud: its token would be refused otherwise, so a mismatch is reported before any sign-in.
 */
export function resolveCloud(
  flags: { cloud?: string; auth?: string },
  env: NodeJS.ProcessEnv = process.env,
  readAzCloud: (env: NodeJS.ProcessEnv) => string | undefined = azCliCloud,
): ResolvedCloud {
  const azName = flags.auth === "cli" ? readAzCloud(env) : undefined;
  const az = CLOUD_NAMES.find((n) => n.toLowerCase() === azName?.trim().toLowerCase());
  let resolved: ResolvedCloud;
  if (flags.cloud) resolved = { cloud: CLOUDS[parseCloudName(flags.cloud, "--cloud")], source: "--cloud" };
  else if (env.AZURE_CLOUD)
    resolved = { cloud: CLOUDS[parseCloudName(env.AZURE_CLOUD, "AZURE_CLOUD")], source: "AZURE_CLOUD" };
  else if (az) return { cloud: CLOUDS[az], source: "az cloud" };
  else {
    const inferred = cloudOfEndpoints(env);
    resolved = inferred
      ? { cloud: CLOUDS[inferred.name], source: inferred.from }
      : { cloud: CLOUDS.AzureCloud, source: "default" };
  }
  if (az && az !== resolved.cloud.name)
    throw new UsageError(`${resolved.source} says ${resolved.cloud.name}, but the az CLI is set to cloud '${az}'.`, {
      fix: `Run 'az cloud set --name ${resolved.cloud.name}' and 'az login', or drop ${resolved.source}.`,
    });
  return resolved;
}
