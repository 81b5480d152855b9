import {
  AzureCliCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type TokenCredential,
} from "@azure/identity";
import { UsageError } from "../errors.ts";
import { MICROSOFT_AUTHORITY_HOSTS } from "./clouds.ts";
import type { Endpoints } from "./endpoints.ts";
import { checkTenant, explainingCredential } from "./sign-in-errors.ts";

export const AUTH_KINDS = ["env", "cli", "managed-identity", "workload-identity", "default"] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

export function parseAuthKind(value: string | undefined): AuthKind {
  const v = value ?? "env";
  if ((AUTH_KINDS as readonly string[]).includes(v)) return v as AuthKind;
  throw new UsageError(`Unknown --auth '${v}'.`, { fix: `Use one of: ${AUTH_KINDS.join(", ")}.` });
}

/** True for each cloud's own authority (https, default port): MSAL's instance discovery knows those. */
export const isMicrosoftAuthority = (authorityHost: string): boolean => {
  const u = new URL(authorityHost);
  return u.protocol === "https:" && !u.port && MICROSOFT_AUTHORITY_HOSTS.includes(u.hostname.toLowerCase());
};

/**
 * The credential the user chose with `--auth`; never a silent fallback (`default` is the SDK's chain, chosen
 * explicitly). For a non-Microsoft authority (the emulator, a sovereign proxy) instance discovery is turned off,
 * because MSAL would otherwise ask login.microsoftonline.com to validate it.
 */
export function createCredential(
  kind: AuthKind,
  endpoints: Endpoints,
  env: NodeJS.ProcessEnv = process.env,
): TokenCredential {
  // A tenant that is neither a GUID nor a domain is refused here, before MSAL builds an authority URL from it.
  checkTenant(env.AZURE_TENANT_ID);
  // Tokens are never sent in clear text; @azure/identity refuses it too, but names neither the variable nor the fix.
  if (!/^https:\/\//i.test(endpoints.authorityHost))
    throw new UsageError(`AZURE_AUTHORITY_HOST '${endpoints.authorityHost}' is not an https:// URL.`, {
      fix: "Use the cloud's https login host (https://login.microsoftonline.com), or unset AZURE_AUTHORITY_HOST.",
    });
  return explainingCredential(baseCredential(kind, endpoints, env), endpoints.authorityHost, env.AZURE_TENANT_ID);
}

function baseCredential(kind: AuthKind, endpoints: Endpoints, env: NodeJS.ProcessEnv): TokenCredential {
  const common = {
    authorityHost: endpoints.authorityHost,
    disableInstanceDiscovery: !isMicrosoftAuthority(endpoints.authorityHost),
  };
  switch (kind) {
    case "env": {
      // The same variables EnvironmentCredential reads, taken from the env given (not only process.env).
      const {
        AZURE_TENANT_ID: tenant,
        AZURE_CLIENT_ID: client,
        AZURE_CLIENT_SECRET: secret,
        AZURE_CLIENT_CERTIFICATE_PATH: cert,
      } = env;
      if (tenant && client && secret) return new ClientSecretCredential(tenant, client, secret, common);
      if (tenant && client && cert)
        return new ClientCertificateCredential(tenant, client, { certificatePath: cert }, common);
      throw new UsageError(
        "--auth env needs AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH) in the environment.",
        {
          fix: "Export them, or choose another --auth (cli, managed-identity, workload-identity, default).",
        },
      );
    }
    case "cli":
      return new AzureCliCredential({ tenantId: env.AZURE_TENANT_ID });
    case "managed-identity":
      return env.AZURE_CLIENT_ID
        ? new ManagedIdentityCredential({ clientId: env.AZURE_CLIENT_ID })
        : new ManagedIdentityCredential();
    case "workload-identity":
      return new WorkloadIdentityCredential({
        ...common,
        tenantId: env.AZURE_TENANT_ID,
        clientId: env.AZURE_CLIENT_ID,
        tokenFilePath: env.AZURE_FEDERATED_TOKEN_FILE,
      });
    case "default":
      return new DefaultAzureCredential(common);
  }
}

export interface PrincipalInfo {
  auth: AuthKind;
  tenantId?: string;
  objectId?: string;
  appId?: string;
  name?: string;
}

/** Who the tool runs as, read from the claims of an access token (never printed itself). */
export async function describePrincipal(
  kind: AuthKind,
  credential: TokenCredential,
  scope: string,
): Promise<PrincipalInfo> {
  const token = await credential.getToken(scope);
  const payload = token?.token.split(".")[1];
  if (!payload) return { auth: kind };
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  const s = (k: string) => (typeof claims[k] === "string" ? (claims[k] as string) : undefined);
  return {
    auth: kind,
    tenantId: s("tid"),
    objectId: s("oid"),
    appId: s("appid") ?? s("azp"),
    name: s("upn") ?? s("app_displayname") ?? s("name"),
  };
}

export function formatPrincipal(p: PrincipalInfo): string {
  const who = p.name ?? (p.appId ? `app ${p.appId}` : "unknown principal");
  return `${who}${p.objectId ? ` (object ${p.objectId})` : ""} via --auth ${p.auth}`;
}
