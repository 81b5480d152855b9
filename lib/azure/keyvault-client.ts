import type { TokenCredential } from "@azure/core-auth";
import { SecretClient, type KeyVaultSecret } from "@azure/keyvault-secrets";
import { AzureRequestError } from "../errors.ts";
import { fixForStatus } from "./error-body.ts";
import { isRecord } from "./json.ts";
import { redactUrl, safeErrorText, scrub } from "./redact.ts";
import { Secret } from "./secret.ts";

/** One secret version as the tool holds it: the value only as a Secret. */
export interface SecretVersion {
  name: string;
  version: string;
  value: Secret;
  tags: Record<string, string>;
  contentType?: string;
  createdOn?: Date;
}

export type LatestSecret = { state: "found"; secret: SecretVersion } | { state: "absent" } | { state: "disabled" };

/** The few Key Vault secret operations rotate-keys needs; values go in and come out as Secret. */
export interface KeyVaultSecrets {
  readonly vaultUrl: string;
  latest(name: string): Promise<LatestSecret>;
  version(name: string, version: string): Promise<SecretVersion>;
  set(name: string, value: Secret, opts: { tags: Record<string, string>; contentType: string }): Promise<SecretVersion>;
}

// The vault domains of each cloud (lib/azure/clouds.ts; Azure Germany is retired); the SDK checks that the
// challenge's resource is a parent domain of these.
const AZURE_VAULT_HOST = /\.vault\.(azure\.net|azure\.cn|usgovcloudapi\.net)$/i;

/**
 * A SecretClient for `vaultUrl`. @azure/keyvault-secrets refuses a challenge whose resource (https://vault.azure.net)
 * is not a parent domain of the vault host, so for any other host (the emulator on 127.0.0.1, a proxy) that check
 * is turned off; for real vaults it stays on (docs/contracts/keyvault.md §2). Retries are the SDK's own (429 with
 * Retry-After, 5xx).
 */
export function createSecretClient(vaultUrl: string, credential: TokenCredential): SecretClient {
  const host = new URL(vaultUrl).hostname;
  return new SecretClient(vaultUrl, credential, { disableChallengeResourceVerification: !AZURE_VAULT_HOST.test(host) });
}

function toVersion(s: KeyVaultSecret): SecretVersion {
  return {
    name: s.name,
    version: s.properties.version ?? "",
    value: new Secret(s.value ?? ""),
    tags: { ...(s.properties.tags ?? {}) },
    contentType: s.properties.contentType,
    createdOn: s.properties.createdOn,
  };
}

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  message?: string;
  details?: unknown;
  request?: { url?: string };
  response?: { headers?: { get(name: string): string | undefined } };
}

const innerCode = (e: RestErrorLike): string | undefined => {
  const err = isRecord(e.details) ? e.details.error : undefined;
  const inner = isRecord(err) ? (err.innerError ?? err.innererror) : undefined;
  return isRecord(inner) && typeof inner.code === "string" ? inner.code : undefined;
};

/** Key Vault errors as AzureRequestError (status, code, request id), with any value the tool holds scrubbed from the text. */
function wrap(e: unknown, method: string, url: string, secrets: string[]): AzureRequestError {
  const r = (isRecord(e) ? e : {}) as RestErrorLike;
  // Allow-listed text only (a parse error quotes the body, which holds the secret value), then scrubbed as well.
  const message = scrub(safeErrorText(e, new URL(url).host), secrets);
  const unreadable = r.code === "PARSE_ERROR";
  const fix =
    r.statusCode === 403
      ? "The signed-in principal needs secret get and set on this vault: the Key Vault Secrets Officer role, or an access policy (docs/permissions.md)."
      : fixForStatus(unreadable ? 200 : r.statusCode, "the vault URL (keys.vaultUrl, AZURE_KEYVAULT_URL)");
  return new AzureRequestError(
    `Key Vault ${method} ${redactUrl(url)}: ${r.statusCode ?? "no response"}${r.code ? ` ${r.code}` : ""}: ${message}`,
    {
      service: "keyvault",
      status: r.statusCode,
      code: innerCode(r) ?? r.code,
      method,
      url: redactUrl(url),
      requestId: r.response?.headers?.get("x-ms-request-id"),
    },
    fix ? { fix } : {},
  );
}

export function keyVaultSecrets(client: SecretClient): KeyVaultSecrets {
  const vaultUrl = client.vaultUrl.replace(/\/+$/, "");
  const url = (name: string, version = "") =>
    `${vaultUrl}/secrets/${encodeURIComponent(name)}${version ? `/${version}` : ""}`;
  return {
    vaultUrl,
    async latest(name) {
      try {
        return { state: "found", secret: toVersion(await client.getSecret(name)) };
      } catch (e) {
        const err = wrap(e, "GET", url(name), []);
        if (err.status === 404) return { state: "absent" };
        // A disabled current version answers 403 with inner code SecretDisabled (azure-sdk-for-js#24756): readers
        // such as APIM cannot use it, so for rotation it counts as "nothing valid published".
        if (err.status === 403 && (err.code === "SecretDisabled" || /disabled secret/i.test(err.message)))
          return { state: "disabled" };
        throw err;
      }
    },
    async version(name, version) {
      try {
        return toVersion(await client.getSecret(name, { version }));
      } catch (e) {
        throw wrap(e, "GET", url(name, version), []);
      }
    },
    async set(name, value, opts) {
      try {
        return toVersion(
          await client.setSecret(name, value.reveal(), { tags: opts.tags, contentType: opts.contentType }),
        );
      } catch (e) {
        throw wrap(e, "PUT", url(name), [value.reveal()]);
      }
    },
  };
}

/** One client per vault URL, shared by every key published there. */
export function keyVaultFactory(credential: TokenCredential): (vaultUrl: string) => KeyVaultSecrets {
  const clients = new Map<string, KeyVaultSecrets>();
  return (vaultUrl) => {
    const k = vaultUrl.toLowerCase().replace(/\/+$/, "");
    const c = clients.get(k) ?? keyVaultSecrets(createSecretClient(vaultUrl, credential));
    clients.set(k, c);
    return c;
  };
}
