import { ClientAssertionCredential, ClientSecretCredential } from "@azure/identity";
import type { Emulator } from "../../lib/emulator/index.ts";

/** What a client-credentials sign-in to Graph gets: "ok", or the AADSTS code (else the message) it was refused with. */
function outcome(credential: ClientSecretCredential | ClientAssertionCredential): Promise<string> {
  return credential.getToken("https://graph.microsoft.com/.default").then(
    () => "ok",
    (e: Error) => /AADSTS\d+/.exec(e.message)?.[0] ?? e.message,
  );
}

const options = (emu: Emulator) => ({ authorityHost: emu.url, disableInstanceDiscovery: true });

/** Signs in as the application `appId` with a client secret. */
export const signInWithSecret = (emu: Emulator, appId: string, secret: string): Promise<string> =>
  outcome(new ClientSecretCredential(emu.tenantId, appId, secret, options(emu)));

/** Signs in as the application `appId` with a client assertion (a managed identity's token, as Easy Auth does). */
export const signInWithAssertion = (emu: Emulator, appId: string, assertion: string): Promise<string> =>
  outcome(new ClientAssertionCredential(emu.tenantId, appId, async () => assertion, options(emu)));
