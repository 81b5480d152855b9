import { WRITING_OPTIONS, type CommandIo } from "../cli/common.ts";
import { prepareRun, signIn } from "../cli/writing-command.ts";
import { UsageError } from "../azure/errors.ts";
import { keyVaultFactory, type KeyVaultSecrets } from "../azure/keyvault-client.ts";
import { DEFAULT_HOST_RETRY, type HostRetryOptions } from "../keys/host-retry.ts";
import { keyWork, rotateKeysSpec } from "../keys/rotate.ts";
import { runReconcile } from "../plan/run-command.ts";

export const rotateKeysCli = {
  name: "rotate-keys",
  summary:
    "Rotate function and host keys with an overlap window: create a new key (server-generated value), publish it to Key Vault,\n" +
    "verify it, and delete older keys once the grace period has passed. State is read from Azure on every run.",
  options: {
    ...WRITING_OPTIONS,
    force: { type: "boolean", description: "Rotate every selected key now, whatever its age" },
    revoke: { type: "string", valueName: "physical-name", description: "Emergency: replace this key now and delete it once the new one is published (no grace)" },
    "allow-no-overlap": { type: "boolean", description: "Allow renewing _master and other '_' keys in place (their old value dies at once)" },
  },
  examples: [
    "tsx scripts/rotate-keys.ts --config config/fleet.yaml --dry-run",
    "tsx scripts/rotate-keys.ts --config config/fleet.yaml --yes --json --auth workload-identity",
    "tsx scripts/rotate-keys.ts --config config/fleet.yaml --app func-greeting --force",
    "tsx scripts/rotate-keys.ts --config config/fleet.yaml --revoke apim-20261123t0830z --yes",
  ],
} as const;

/** What tests may replace; the script uses the real clock and the default back-off. */
export interface RotateKeysOverrides {
  now?: () => Date;
  hostRetry?: HostRetryOptions;
  keyVault?: (vaultUrl: string) => KeyVaultSecrets;
}

const PHYSICAL_OR_KEY_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,127}$/;

/** rotate-keys from argv to exit code (the script only adds the process). */
export async function rotateKeysCommand(argv: string[], io: CommandIo, overrides: RotateKeysOverrides = {}): Promise<number> {
  const run = prepareRun(rotateKeysCli, argv, io, (flags) => {
    if (flags.revoke !== undefined && !PHYSICAL_OR_KEY_NAME.test(flags.revoke)) {
      throw new UsageError(`--revoke '${flags.revoke}' is not a key name.`, { fix: "Pass the physical key name as listed by --dry-run, e.g. --revoke apim-20261123t0830z." });
    }
  });
  if (!run) return 0;
  const { flags, apps, options } = run;
  // Vault URLs are resolved before any network call too.
  const work = keyWork(apps, flags.slot, io.env);
  const { session, header } = await signIn(rotateKeysCli, flags, io, work.map((w) => w.target.subscriptionId));
  const spec = rotateKeysSpec(
    work,
    {
      arm: session.arm,
      keyVault: overrides.keyVault ?? keyVaultFactory(session.credential),
      now: overrides.now ?? (() => new Date()),
      force: flags.force,
      revoke: flags.revoke,
      allowNoOverlap: flags["allow-no-overlap"],
      concurrency: options.concurrency,
      hostRetry: overrides.hostRetry ?? DEFAULT_HOST_RETRY,
    },
    header,
  );
  return runReconcile(spec, options);
}
