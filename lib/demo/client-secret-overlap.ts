import { ClientSecretCredential } from "@azure/identity";
import { createSecretClient } from "../azure/keyvault-client.ts";
import { Secret } from "../azure/secret.ts";
import { signInWithSecret } from "../azure/secret-sign-in.ts";

/**
 * The demo's proof of the overlap: every client secret Key Vault has published for an app (newest first, one per
 * password) is tried in a client-credentials token request as the registration. During the grace period the newest
 * two both sign in. Runs with the emulator's env (scripts/demo.ts); prints keyIds and versions, never a value.
 */
export interface OverlapOutcome {
  keyId: string;
  version: string;
  signsIn: boolean;
  why?: string;
}

function need(e: NodeJS.ProcessEnv, k: string): string {
  const v = e[k];
  if (!v) throw new Error(`${k} is not set: run this through scripts/demo.ts, which passes the emulator's env`);
  return v;
}

export async function checkOverlap(secretName: string, e: NodeJS.ProcessEnv = process.env): Promise<OverlapOutcome[]> {
  const authority = need(e, "AZURE_AUTHORITY_HOST");
  const tenantId = need(e, "AZURE_TENANT_ID");
  const tool = new ClientSecretCredential(tenantId, need(e, "AZURE_CLIENT_ID"), need(e, "AZURE_CLIENT_SECRET"), {
    authorityHost: authority,
    disableInstanceDiscovery: true,
  });
  const kv = createSecretClient(need(e, "AZURE_KEYVAULT_URL"), tool);
  const versions: { version: string; created: number; keyId: string; appId: string }[] = [];
  for await (const p of kv.listPropertiesOfSecretVersions(secretName)) {
    const keyId = p.tags?.credentialKeyId;
    const appId = p.tags?.registration;
    if (p.version && keyId && appId)
      versions.push({ version: p.version, created: p.createdOn?.getTime() ?? 0, keyId, appId });
  }
  versions.sort((a, b) => b.created - a.created);
  const out: OverlapOutcome[] = [];
  for (const v of versions.filter((x, i) => versions.findIndex((y) => y.keyId === x.keyId) === i)) {
    const value = new Secret((await kv.getSecret(secretName, { version: v.version })).value ?? "");
    const signsIn = await signInWithSecret(
      authority,
      tenantId,
      v.appId,
      value,
      "https://graph.microsoft.com/.default",
    ).then(
      () => ({ signsIn: true }),
      (err: Error) => ({ signsIn: false, why: /AADSTS\d+/.exec(err.message)?.[0] ?? "refused" }),
    );
    out.push({ keyId: v.keyId, version: v.version, ...signsIn });
  }
  return out;
}
