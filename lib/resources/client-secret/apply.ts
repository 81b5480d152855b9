import type { ArmClient } from "../../azure/arm-client.ts";
import type { GraphApi } from "../../azure/graph-client.ts";
import { getPath } from "../../azure/json.ts";
import type { KeyVaultSecrets } from "../../azure/keyvault-client.ts";
import { retrying } from "../../azure/retry.ts";
import { Secret } from "../../azure/secret.ts";
import { signInWithSecret } from "../../azure/secret-sign-in.ts";
import { sitePath, type TargetRef } from "../../azure/targets.ts";
import { VerificationError } from "../../errors.ts";
import { writeBackup, type BackupMeta } from "../../pipeline/backup.ts";
import { targetLabel } from "../../pipeline/model.ts";
import { publishVersion, verifyVersion } from "../shared/key-vault-publish.ts";
import { setAppSetting } from "./app-settings.ts";
import type { ClientSecretObserved } from "./observe.ts";
import type { SecretPlan } from "./plan.ts";
import type { ClientSecretPolicy } from "./policy.ts";
import { keyVaultReference } from "./reference.ts";
import { yieldToOtherPassword } from "./concurrent-add.ts";
import { removePassword } from "./remove-password.ts";

export const CONTENT_TYPE = "application/vnd.easyauth-fleet.client-secret";

export interface VerifyRetry {
  attempts: number;
  delayMs(attempt: number): number;
}

export interface ApplySecretContext {
  arm: ArmClient;
  graph: GraphApi;
  kv: KeyVaultSecrets;
  policy: ClientSecretPolicy;
  vaultUrl: string;
  appName: string;
  tenantId: string;
  authorityHost: string;
  /** A scope any app may request a client-credentials token for (the cloud's Graph `/.default`). */
  tokenScope: string;
  observed: ClientSecretObserved;
  now: () => Date;
  log: (line: string) => void;
  backup: { dir: string; meta: BackupMeta };
  verifyRetry: VerifyRetry;
}

interface Current {
  version: string;
  value: Secret;
}

class Unresolved extends Error {}

/** `configreferences` for the setting must say Resolved, at exactly `version` (Initialized while App Service reads it). */
async function checkResolved(ctx: ApplySecretContext, site: TargetRef, settingName: string, version: string) {
  const path = `${sitePath(site)}/config/configreferences/appsettings/${encodeURIComponent(settingName)}`;
  await retrying(
    async () => {
      const body = (await ctx.arm.get<unknown>(path)).body;
      const status = getPath(body, ["properties", "status"]);
      const got = getPath(body, ["properties", "activeVersion"]) ?? getPath(body, ["properties", "secretVersion"]);
      if (status !== "Resolved" || got !== version)
        throw new Unresolved(
          `${targetLabel(site)}: ${settingName} ${status === "Resolved" ? `resolves version ${String(got)}, not ${version}` : `does not resolve (${String(status)}: ${String(getPath(body, ["properties", "details"]) ?? "")})`}`,
        );
    },
    {
      attempts: ctx.verifyRetry.attempts,
      retryable: (e): e is Unresolved => e instanceof Unresolved,
      delayMs: (a) => ctx.verifyRetry.delayMs(a),
      onRetry: (e) => ctx.log(`${e.message}; reading again`),
    },
  ).catch((e: unknown) => {
    if (!(e instanceof Unresolved)) throw e;
    throw new VerificationError(`${e.message}; no password was removed`, [settingName], {
      fix: "Give the app's managed identity read access to the secret (Key Vault Secrets User), check the vault and secret exist, then run again.",
    });
  });
}

/**
 * Runs the plan's steps in order: add → publish → read back → point each site → verify → remove. An error anywhere
 * stops the sequence, so no password is removed before the sites reference, and resolve, a secret that signs in.
 * The new password's text exists only inside this function (as a Secret) between addPassword and Key Vault.
 */
export async function applySecretPlan(ctx: ApplySecretContext, plan: SecretPlan): Promise<string[]> {
  const { graph, kv, policy, observed } = ctx;
  const done: string[] = [];
  const pub = observed.published.state === "found" ? observed.published : undefined;
  let current: Current | undefined = pub ? { version: pub.version, value: pub.value } : undefined;
  let keyId = pub?.keyId;
  const appPath = `/applications/${plan.appObjectId}`;
  const tags = (credentialKeyId: string | undefined) => ({
    app: ctx.appName,
    registration: plan.appId ?? "",
    ...(credentialKeyId ? { credentialKeyId } : {}),
    createdOn: ctx.now().toISOString(),
  });
  const publish = async (value: Secret, credentialKeyId: string | undefined) => {
    const written = await publishVersion(kv, policy.secretName, value, tags(credentialKeyId), CONTENT_TYPE, ctx.now());
    await verifyVersion(
      kv,
      policy.secretName,
      written,
      value,
      { name: "app", value: ctx.appName },
      "the client secret",
      "Run again: the version is published again before any setting points at it.",
    );
    return written;
  };
  const backedUp = new Set<string>();
  for (const step of plan.steps) {
    switch (step.kind) {
      case "add": {
        ctx.log(`${ctx.appName}: addPassword '${step.displayName}' on ${plan.appId}`);
        // No retry: a POST retried after a lost answer would make a second password (docs/contracts/graph.md §5.4).
        const made = await graph.postOnce<{ keyId: string; secretText: string }>(`${appPath}/addPassword`, {
          passwordCredential: { displayName: step.displayName, endDateTime: step.endDateTime },
        });
        await yieldToOtherPassword(
          graph,
          { appId: plan.appId!, appObjectId: plan.appObjectId!, observed: observed.application?.passwords ?? [] },
          made.keyId,
          ctx.log,
          ctx.appName,
        );
        const value = new Secret(made.secretText);
        const written = await publish(value, made.keyId);
        current = { version: written.version, value };
        keyId = made.keyId;
        done.push(
          `added password ${made.keyId}`,
          `published ${policy.secretName} (version ${written.version.slice(0, 8)})`,
        );
        break;
      }
      case "migrate": {
        const site = observed.sites.find((s) => targetLabel(s.ref) === targetLabel(step.from));
        if (!site?.plain) throw new VerificationError(`no plain value read on ${targetLabel(step.from)}`, ["value"]);
        const written = await publish(site.plain, step.keyId);
        current = { version: written.version, value: site.plain };
        keyId = step.keyId;
        done.push(`copied the plain setting to ${policy.secretName} (version ${written.version.slice(0, 8)})`);
        break;
      }
      case "point": {
        const version = step.version ?? current?.version;
        if (!version) throw new VerificationError("no published version to point the setting at", [step.settingName]);
        const key = targetLabel(step.site);
        if (!backedUp.has(key)) {
          const before = observed.sites.find((s) => targetLabel(s.ref) === key);
          // The setting's name and reference only: a plain value is the secret and is never written anywhere.
          writeBackup(
            ctx.backup.dir,
            step.site,
            "appsetting",
            { settingName: step.settingName, held: before?.kind ?? "absent", reference: before?.reference ?? null },
            ctx.backup.meta,
          );
          backedUp.add(key);
        }
        const ref = keyVaultReference(ctx.vaultUrl, policy.secretName, version);
        const changed = await setAppSetting(ctx.arm, step.site, step.settingName, ref, ctx.log);
        done.push(
          `${key}: ${step.settingName} ${changed ? "→" : "already"} Key Vault reference (version ${version.slice(0, 8)})`,
        );
        break;
      }
      case "verify": {
        if (!current) throw new VerificationError("nothing published to verify", ["version"]);
        for (const s of plan.sites) await checkResolved(ctx, s.ref, s.settingName, current.version);
        await signInWithSecret(ctx.authorityHost, ctx.tenantId, plan.appId!, current.value, ctx.tokenScope).catch(
          (e: unknown) => {
            throw new VerificationError(
              `${e instanceof Error ? e.message : String(e)}; no password was removed`,
              ["passwordCredentials"],
              {
                fix: "Run again; if it persists, check the registration's passwords (a password removed outside the tool?).",
              },
            );
          },
        );
        done.push(
          `verified (references resolve; a token request with the secret${keyId ? ` of ${keyId}` : ""} succeeds)`,
        );
        break;
      }
      case "remove": {
        done.push(await removePassword(graph, plan.appObjectId!, step, ctx.log, ctx.appName));
        break;
      }
    }
  }
  return done;
}
