import { VerificationError } from "../../errors.ts";
import type { KeyVaultSecrets, LatestSecret, SecretVersion } from "../../azure/keyvault-client.ts";
import type { Secret } from "../../azure/secret.ts";
import type { TargetRef } from "../../pipeline/model.ts";
import type { Published } from "./plan.ts";
import { PRODUCTION, type KeyPolicy } from "./policy.ts";

export const MANAGED_BY = "easyauth-fleet";
export const CONTENT_TYPE = { function: "azure-functions/function-key", host: "azure-functions/host-key" } as const;

/**
 * Tags on every published version: they are the Key Vault half of the rotation state (which physical key a version
 * holds, for which app, slot and function, created when), so any run can tell what was published without a local file.
 */
export function versionTags(
  p: KeyPolicy,
  target: TargetRef,
  keyName: string,
  createdAt: Date,
  publishedAt: Date,
): Record<string, string> {
  return {
    ...p.tags,
    keyName,
    logicalKey: p.logical,
    site: target.name,
    slot: target.slot ?? PRODUCTION,
    ...(p.functionName ? { function: p.functionName } : {}),
    scope: p.scope,
    createdOn: createdAt.toISOString(),
    publishedOn: publishedAt.toISOString(),
    managedBy: MANAGED_BY,
  };
}

/** The planner's view of the current version; reading it with its value is also the check that it still verifies. */
export function toPublished(latest: LatestSecret): Published {
  if (latest.state !== "found") return latest;
  const s = latest.secret;
  const createdOn = tagDate(s.tags.createdOn);
  // The grace period runs from the later of the vault's own `created` and the publishing run's clock (publishedOn):
  // the vault's time cannot be moved back by a skewed runner, and the runner's time is the clock the planner compares
  // with (and the one tests inject), so neither can end the grace period early.
  const times = [s.createdOn, tagDate(s.tags.publishedOn)].filter((d): d is Date => d !== undefined);
  return {
    state: "found",
    version: s.version,
    keyName: s.tags.keyName,
    publishedAt: times.length ? new Date(Math.max(...times.map((d) => d.getTime()))) : undefined,
    createdOn,
    value: s.value,
  };
}

function tagDate(v: string | undefined): Date | undefined {
  const d = v ? new Date(v) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
}

/** Writes a new version holding `value`. */
export function publish(
  kv: KeyVaultSecrets,
  secretName: string,
  value: Secret,
  p: KeyPolicy,
  target: TargetRef,
  keyName: string,
  createdAt: Date,
  now: Date,
): Promise<SecretVersion> {
  return kv.set(secretName, value, {
    tags: versionTags(p, target, keyName, createdAt, now),
    contentType: CONTENT_TYPE[p.scope],
  });
}

/** Reads the version just written, by its id, and checks value and keyName tag (a 200 is not proof the write was kept). */
export async function verifyPublished(
  kv: KeyVaultSecrets,
  secretName: string,
  written: SecretVersion,
  expected: Secret,
  keyName: string,
): Promise<void> {
  const got = await kv.version(secretName, written.version);
  const wrong = [
    ...(got.value.reveal() !== expected.reveal() ? ["value"] : []),
    ...(got.tags.keyName !== keyName ? ["tags.keyName"] : []),
  ];
  if (wrong.length) {
    throw new VerificationError(
      `secret ${secretName} version ${written.version} does not hold ${keyName} (${wrong.join(", ")} differ); old keys were not deleted`,
      wrong,
      {
        fix: "Run again: the next run publishes the key again before it deletes anything.",
      },
    );
  }
}
