import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { AzureRequestError, ToolError, UsageError } from "../errors.ts";
import { safeErrorText } from "./redact.ts";

// A tenant is its GUID or one of its domain names (contoso.onmicrosoft.com):
// https://learn.microsoft.com/en-us/entra/identity-platform/msal-client-application-configuration#authority
const TENANT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)$/i;

/** Refuses a tenant that is neither a GUID nor a domain before MSAL turns it into an authority URL. */
export function checkTenant(tenant: string | undefined, variable = "AZURE_TENANT_ID"): void {
  if (tenant === undefined || TENANT.test(tenant)) return;
  throw new UsageError(`${variable} '${tenant}' is neither a tenant GUID nor a domain name.`, {
    fix: `Set ${variable} to the directory (tenant) ID GUID, e.g. from 'az account show --query tenantId'.`,
  });
}

/**
 * MSAL's error codes, which reach users as bare `endpoints_resolution_error` or `network_error`, in words with the
 * fix (https://aka.ms/msal.js.errors, the page MSAL's messages link to;
 * https://learn.microsoft.com/en-us/entra/msal/javascript/browser/handle-errors-and-exceptions): the first when the
 * tenant's OpenID configuration cannot be read (an unknown tenant), the second when the token endpoint answers
 * something that is not JSON (an HTML page from a proxy, a wrong AZURE_AUTHORITY_HOST); AADSTS7000215 is a wrong
 * client secret (https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes).
 */
export function explainSignInError(e: unknown, authorityHost: string, tenant: string | undefined): Error {
  if (e instanceof ToolError) return e;
  const text = e instanceof Error ? e.message : String(e);
  const host = new URL(authorityHost).host;
  const on = `${host}${tenant ? ` (tenant ${tenant})` : ""}`;
  const details = { service: "entra" as const, status: undefined, code: undefined, method: "POST", url: authorityHost };
  if (/endpoints_resolution_error/i.test(text))
    return new UsageError(
      `Sign-in failed: ${on} has no OpenID configuration for this tenant (endpoints_resolution_error: the tenant is unknown there, or the host does not answer).`,
      { fix: "Check AZURE_TENANT_ID (the tenant GUID) and AZURE_AUTHORITY_HOST (the cloud's login host, https)." },
    );
  if (/network_error|Network request failed/i.test(text))
    return new AzureRequestError(
      `Sign-in failed: the token endpoint of ${on} did not answer with JSON (network_error: an HTML page or a dropped connection).`,
      details,
      {
        retryable: false,
        fix: "Check AZURE_AUTHORITY_HOST and any proxy between here and it (HTTPS_PROXY), then run again.",
      },
    );
  if (/AADSTS7000215/.test(text))
    return new UsageError(`Sign-in failed: ${on} refused the client secret (AADSTS7000215).`, {
      fix: "Set AZURE_CLIENT_SECRET to the secret's value (not its ID), or create a new secret for the app.",
    });
  if (/AADSTS700016|AADSTS90002/.test(text))
    return new UsageError(
      `Sign-in failed: ${on} knows no such application or tenant (${/AADSTS\d+/.exec(text)![0]}).`,
      {
        fix: "Check AZURE_CLIENT_ID and AZURE_TENANT_ID belong together.",
      },
    );
  if (/AADSTS500011/.test(text))
    return new UsageError(
      `Sign-in failed: ${on} has no resource for the requested audience (AADSTS500011): it belongs to another cloud, or to no app in this tenant.`,
      { fix: "Check --cloud (or AZURE_CLOUD) and the endpoint variables name the same cloud (docs/clouds.md)." },
    );
  const why = safeErrorText(e, host);
  if (/ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT|fetch failed|certificate/i.test(`${text} ${why}`))
    return new AzureRequestError(`Sign-in failed: cannot reach ${on}: ${why}`, details, {
      retryable: false,
      fix: "Check AZURE_AUTHORITY_HOST (https, reachable) and HTTPS_PROXY, then run again.",
    });
  // Entra's error codes are not secret and name the cause (reference-error-codes, above): keep the one it sent.
  const code = /AADSTS\d+/.exec(text)?.[0];
  return new UsageError(`Sign-in failed at ${on}${code && !why.includes(code) ? ` (${code})` : ""}: ${why}`, {
    fix: 'Check the AZURE_* sign-in variables and --auth (docs/runbook.md, "Credentials").',
  });
}

/** The credential with every sign-in error explained (every client that asks it for a token gets the same words). */
export function explainingCredential(
  inner: TokenCredential,
  authorityHost: string,
  tenant: string | undefined,
): TokenCredential {
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      try {
        return await inner.getToken(scopes, options);
      } catch (e) {
        // MSAL says endpoints_resolution_error both for an unknown tenant and for a host that does not answer: one
        // read of the discovery document tells them apart, so the message names the real cause.
        const unreachable = /endpoints_resolution_error/i.test(String(e))
          ? await probe(authorityHost, tenant)
          : undefined;
        throw explainSignInError(unreachable ?? e, authorityHost, tenant);
      }
    },
  };
}

/** The connection error of reading the tenant's OpenID discovery document, or undefined when the host answers. */
async function probe(authorityHost: string, tenant: string | undefined): Promise<Error | undefined> {
  const url = `${authorityHost.replace(/\/+$/, "")}/${encodeURIComponent(tenant ?? "common")}/v2.0/.well-known/openid-configuration`;
  try {
    await fetch(url, { signal: AbortSignal.timeout(5000) });
    return undefined;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}
