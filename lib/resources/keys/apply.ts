import { VerificationError } from "../../errors.ts";
import type { KeyVaultSecrets, SecretVersion } from "../../azure/keyvault-client.ts";
import type { Secret } from "../../azure/secret.ts";
import type { TargetRef } from "../../pipeline/model.ts";
import type { KeyApi } from "./arm-keys.ts";
import { findKey, type KeyMap } from "./listkeys.ts";
import type { RotationPlan } from "./plan.ts";
import type { KeyPolicy } from "./policy.ts";
import { choosesValue, holdValue, newKeyValue, yieldToOtherRun } from "./own-value.ts";
import { publish, verifyPublished } from "./publish.ts";

export interface ApplyKeyContext {
  api: KeyApi;
  kv: KeyVaultSecrets;
  policy: KeyPolicy;
  target: TargetRef;
  secretName: string;
  /** The scope's keys as observed (values of existing keys to publish). */
  keys: KeyMap;
  now: () => Date;
}

/**
 * Runs a rotation plan's steps in order: create/renew → read back → publish → verify → delete. Deletes run only after
 * the verify step of the same plan (or when the newest key was already verified at observe time): an error anywhere
 * stops the sequence, so an old key is never deleted while the new one is unpublished. Returns one line per step done.
 */
export async function applyRotation(ctx: ApplyKeyContext, plan: RotationPlan): Promise<string[]> {
  const { api, kv, policy, secretName } = ctx;
  const done: string[] = [];
  let fresh: { name: string; value: Secret } | undefined;
  let written: { version: SecretVersion; value: Secret; name: string } | undefined;
  for (const step of plan.steps) {
    switch (step.kind) {
      case "create":
      case "renew": {
        const before = findKey(ctx.keys, step.name)?.value.reveal();
        const own = choosesValue(policy) ? newKeyValue() : undefined;
        const status = await api.create(policy, step.name, own);
        if (step.kind === "create" && status === 200) await yieldToOtherRun(api, kv, policy, secretName, step.name);
        // Never trust the PUT response for the value (the CLI redacts it, and a retried value-less PUT regenerates
        // it): the value is what listkeys says now (docs/contracts/arm.md §7.8).
        const got = own
          ? await holdValue(api, policy, step.name, own)
          : findKey(await api.scopeKeys(policy), step.name);
        if (!got || (step.kind === "renew" && got.value.reveal() === before)) {
          throw new VerificationError(
            `${step.name} was written (HTTP ${status}) but listkeys does not show ${step.kind === "renew" ? "a new value" : "it"}; nothing was published or deleted`,
            [step.name],
            {
              fix: "Run again: the next run publishes the key if it appears, or starts over if it never does.",
            },
          );
        }
        fresh = got;
        done.push(`${step.kind === "create" ? "created" : "renewed"} ${got.name}`);
        break;
      }
      case "publish": {
        const value = step.fresh ? fresh?.value : findKey(ctx.keys, step.name)?.value;
        if (!value)
          throw new VerificationError(`no value read for ${step.name}; nothing was published`, [step.name], {
            fix: "Run again.",
          });
        const version = await publish(kv, secretName, value, policy, ctx.target, step.name, step.createdAt, ctx.now());
        written = { version, value, name: step.name };
        done.push(`published ${step.name} to ${secretName} (version ${version.version.slice(0, 8)})`);
        break;
      }
      case "verify": {
        if (!written) throw new VerificationError(`nothing was published to verify for ${step.name}`, [step.name]);
        await verifyPublished(kv, secretName, written.version, written.value, written.name);
        // Key Vault holding the value proves only half: another run may have replaced the key on the app since it was
        // read back (two rotations planning the same physical name), and callers would then hold a refused value.
        // A value this run chose is put back (the other run stops after its one PUT); a generated one cannot be.
        if (choosesValue(policy)) await holdValue(api, policy, written.name, written.value);
        else if (findKey(await api.scopeKeys(policy), written.name)?.value.reveal() !== written.value.reveal())
          throw new VerificationError(
            `${written.name} on the app no longer holds the value just published (another writer replaced it); nothing was deleted`,
            [written.name],
            { fix: "Run again: the next run publishes the key the app holds." },
          );
        done.push(`verified`);
        break;
      }
      case "delete": {
        const existed = await api.remove(policy, step.name);
        done.push(existed ? `deleted ${step.name} (${step.why})` : `${step.name} was already gone`);
        break;
      }
    }
  }
  return done;
}
