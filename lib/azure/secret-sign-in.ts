import { ClientSecretCredential } from "@azure/identity";
import { AzureRequestError } from "../errors.ts";
import { isMicrosoftAuthority } from "./credential.ts";
import { scrub } from "./redact.ts";
import type { Secret } from "./secret.ts";

/**
 * Proves a client secret works: a client-credentials token request as the registration itself, through
 * @azure/identity's ClientSecretCredential (what Easy Auth's own token requests amount to). A scope every app may
 * ask for (the cloud's Graph `/.default`) keeps the check about the secret, not about the API's role assignments.
 * The failure names Entra's AADSTS code (7000215 invalid secret, 7000222 expired), never the secret.
 */
export async function signInWithSecret(
  authorityHost: string,
  tenantId: string,
  appId: string,
  secret: Secret,
  scope: string,
): Promise<void> {
  const credential = new ClientSecretCredential(tenantId, appId, secret.reveal(), {
    authorityHost,
    disableInstanceDiscovery: !isMicrosoftAuthority(authorityHost),
  });
  try {
    await credential.getToken(scope);
  } catch (e) {
    const message = scrub(e instanceof Error ? e.message : String(e), [secret.reveal()]);
    const code = /AADSTS(\d+)/.exec(message)?.[1];
    throw new AzureRequestError(
      `a token request as ${appId} with the published client secret failed${code ? ` (AADSTS${code})` : ""}: ${message.split("\n")[0]}`,
      {
        service: "entra",
        status: undefined,
        code: code ? `AADSTS${code}` : undefined,
        method: "POST",
        url: authorityHost,
      },
      { retryable: false },
    );
  }
}
