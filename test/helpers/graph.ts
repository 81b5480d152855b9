import { Client, GraphError } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";
import type { TokenCredential } from "@azure/identity";
import type { Emulator } from "../../lib/emulator/index.ts";
import { credentialFor } from "./clients.ts";

/** The real Graph client wired to the emulator: over https it attaches tokens only for customHosts (hostname, no port). */
export function graphClientFor(emu: Emulator, opts: { credential?: TokenCredential; scopes?: string[] } = {}): Client {
  return Client.initWithMiddleware({
    baseUrl: emu.url,
    defaultVersion: "v1.0",
    customHosts: new Set([new URL(emu.url).hostname]),
    authProvider: new TokenCredentialAuthenticationProvider(opts.credential ?? credentialFor(emu), {
      scopes: opts.scopes ?? ["https://graph.microsoft.com/.default"],
    }),
  });
}

/** The GraphError a call fails with; fails the test if the call succeeds. */
export async function graphError(call: Promise<unknown>): Promise<GraphError> {
  const outcome = await call.then(
    (v) => new Error(`expected a GraphError, got ${JSON.stringify(v)}`),
    (e: unknown) => e,
  );
  if (!(outcome instanceof GraphError)) throw outcome;
  return outcome;
}
