import { createGraphApi, type GraphApi } from "../azure/graph-client.ts";
import { keyVaultFactory, type KeyVaultSecrets } from "../azure/keyvault-client.ts";
import type { Session } from "../azure/session.ts";
import { packageVersion } from "../cli/version.ts";
import type { FlagValues, RunContext, RunTuning } from "../pipeline/contract.ts";

/** What tests may replace; a real run uses the clock, the Key Vault client and the default back-offs. */
export interface RunOverrides extends Partial<RunTuning> {
  now?: () => Date;
  keyVault?: (vaultUrl: string) => KeyVaultSecrets;
}

/** The one way every command builds a run's context from its session: clients, tenant, cloud, clock and knobs. */
export function runContextOf(
  session: Session,
  flags: FlagValues,
  env: NodeJS.ProcessEnv,
  overrides: RunOverrides = {},
): RunContext {
  let graph: GraphApi | undefined;
  const { now, keyVault, ...tuning } = overrides;
  return {
    arm: session.arm,
    // Created on first use: a command that never talks to Graph never signs in to it.
    graph: () => (graph ??= createGraphApi({ credential: session.credential, endpoints: session.endpoints, env })),
    keyVault: keyVault ?? keyVaultFactory(session.credential),
    tenantId: session.tenantId,
    // The cloud as resolved (flag, AZURE_CLOUD or az), so kinds plan with its issuers.
    cloud: session.cloud.cloud,
    flags,
    now: now ?? (() => new Date()),
    tuning,
    toolVersion: packageVersion(),
  };
}
