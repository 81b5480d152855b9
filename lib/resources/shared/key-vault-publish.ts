import { VerificationError } from "../../errors.ts";
import type { KeyVaultSecrets, SecretVersion } from "../../azure/keyvault-client.ts";
import type { Secret } from "../../azure/secret.ts";

/**
 * Publishing a credential as a Key Vault secret version, shared by the kinds that rotate one (function keys, the Easy
 * Auth client secret). The tags on each version are the Key Vault half of the rotation state: which credential it
 * holds, created and published when, so any run can tell what was published without a local file.
 */
export const MANAGED_BY = "easyauth-fleet";

/** A tag holding a time, or undefined when absent or not a date. */
export function tagDate(v: string | undefined): Date | undefined {
  const d = v ? new Date(v) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
}

/**
 * When a version was published, for grace periods: the later of the vault's own `created` and the publishing run's
 * clock (the `publishedOn` tag). The vault's time cannot be moved back by a skewed runner, and the runner's time is
 * the clock the planner compares with (and the one tests inject), so neither can end a grace period early.
 */
export function publishedAt(s: Pick<SecretVersion, "createdOn" | "tags">): Date | undefined {
  const times = [s.createdOn, tagDate(s.tags.publishedOn)].filter((d): d is Date => d !== undefined);
  return times.length ? new Date(Math.max(...times.map((d) => d.getTime()))) : undefined;
}

/** What the planners need of a current version: its id, value and times; each kind adds the tag naming its credential. */
export function currentVersion(s: SecretVersion) {
  return {
    state: "found" as const,
    version: s.version,
    // The grace period runs from the later of the vault's `created` and the publishing run's clock.
    publishedAt: publishedAt(s),
    createdOn: tagDate(s.tags.createdOn),
    value: s.value,
  };
}

/** Writes a new version holding `value`, stamped `publishedOn` and `managedBy` over the caller's tags. */
export function publishVersion(
  kv: KeyVaultSecrets,
  secretName: string,
  value: Secret,
  tags: Record<string, string>,
  contentType: string,
  now: Date,
): Promise<SecretVersion> {
  return kv.set(secretName, value, {
    tags: { ...tags, publishedOn: now.toISOString(), managedBy: MANAGED_BY },
    contentType,
  });
}

/**
 * Reads the version just written, by its id, and checks its value and the tag naming the credential (a 200 is not
 * proof the write was kept). `what` names the credential in the message; `fix` says what the next run does.
 */
export async function verifyVersion(
  kv: KeyVaultSecrets,
  secretName: string,
  written: SecretVersion,
  expected: Secret,
  tag: { name: string; value: string },
  what: string,
  fix: string,
): Promise<void> {
  const got = await kv.version(secretName, written.version);
  const wrong = [
    ...(got.value.reveal() !== expected.reveal() ? ["value"] : []),
    ...(got.tags[tag.name] !== tag.value ? [`tags.${tag.name}`] : []),
  ];
  if (wrong.length)
    throw new VerificationError(
      `secret ${secretName} version ${written.version} does not hold ${what} (${wrong.join(", ")} differ)`,
      wrong,
      { fix },
    );
}
