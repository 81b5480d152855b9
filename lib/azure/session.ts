import type { TokenCredential } from "@azure/core-auth";
import { createArmClient, type ArmClient } from "./arm-client.ts";
import { resolveCloud, type ResolvedCloud } from "./clouds.ts";
import { createCredential, describePrincipal, parseAuthKind, type PrincipalInfo } from "./credential.ts";
import { endpointsFromEnv, type Endpoints } from "./endpoints.ts";
import { ArmLimiter } from "./limiter.ts";

export interface Session {
  /** The cloud the run talks to, and where that choice came from (`--cloud`, AZURE_CLOUD, az, …). */
  cloud: ResolvedCloud;
  endpoints: Endpoints;
  credential: TokenCredential;
  principal: PrincipalInfo;
  arm: ArmClient;
  tenantId: string;
}

/**
 * Credential (explicit --auth), the cloud (--cloud, AZURE_CLOUD, or az's with --auth cli) and its endpoints with the
 * env's overrides, and the ARM client with one limiter shared by all workers.
 */
export async function openSession(
  flags: { auth?: string; cloud?: string },
  env: NodeJS.ProcessEnv = process.env,
  service: "arm" | "graph" = "arm",
): Promise<Session> {
  const kind = parseAuthKind(flags.auth);
  const cloud = resolveCloud({ cloud: flags.cloud, auth: kind }, env);
  const endpoints = endpointsFromEnv(env, cloud.cloud);
  const credential = createCredential(kind, endpoints, env);
  // The principal is read from a token for the service the command talks to (its token is cached for the run).
  const principal = await describePrincipal(
    kind,
    credential,
    service === "graph" ? endpoints.graphScope : endpoints.armScope,
  );
  const arm = createArmClient({ credential, endpoints, limiter: new ArmLimiter() });
  return { cloud, endpoints, credential, principal, arm, tenantId: env.AZURE_TENANT_ID ?? principal.tenantId ?? "" };
}
