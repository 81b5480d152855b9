import type { KeyVaultSecrets, LatestSecret, SecretVersion } from "../../azure/keyvault-client.ts";
import type { Secret } from "../../azure/secret.ts";
import type { TargetRef } from "../../pipeline/model.ts";
import { currentVersion, MANAGED_BY, publishVersion, verifyVersion } from "../shared/key-vault-publish.ts";
import type { Published } from "./plan.ts";
import { PRODUCTION, type KeyPolicy } from "./policy.ts";

export { MANAGED_BY };
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
  return { ...currentVersion(latest.secret), keyName: latest.secret.tags.keyName };
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
  return publishVersion(
    kv,
    secretName,
    value,
    versionTags(p, target, keyName, createdAt, now),
    CONTENT_TYPE[p.scope],
    now,
  );
}

/** Reads the version just written, by its id, and checks value and keyName tag (a 200 is not proof the write was kept). */
export function verifyPublished(
  kv: KeyVaultSecrets,
  secretName: string,
  written: SecretVersion,
  expected: Secret,
  keyName: string,
): Promise<void> {
  return verifyVersion(
    kv,
    secretName,
    written,
    expected,
    { name: "keyName", value: keyName },
    `${keyName}; old keys were not deleted`,
    "Run again: the next run publishes the key again before it deletes anything.",
  );
}
