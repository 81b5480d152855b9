import { randomBytes } from "node:crypto";
import { RefusedError, VerificationError } from "../../errors.ts";
import type { KeyVaultSecrets } from "../../azure/keyvault-client.ts";
import { Secret } from "../../azure/secret.ts";
import type { KeyApi } from "./arm-keys.ts";
import { findKey, type ListedKey } from "./listkeys.ts";
import type { KeyPolicy } from "./policy.ts";

/**
 * Key values this run chooses itself. With its own value a run can tell whose value the app holds, which is what two
 * rotations racing on the same physical name need (both plan `apim-<minute>`, and a value-less PUT by the second
 * silently regenerates the first's key), and a retried PUT no longer regenerates the value (docs/contracts/arm.md
 * §7.8). System keys are the exception: only their extension may set a value
 * (learn.microsoft.com/azure/azure-functions/function-keys-how-to, "Understand keys"), so those stay value-less.
 */
export const choosesValue = (p: KeyPolicy): boolean => !(p.scope === "host" && p.hostKeyType === "systemKeys");

/** 40 random bytes, as the Functions host makes its own, in the URL-safe alphabet callers put in `?code=`. */
export const newKeyValue = (): Secret => new Secret(randomBytes(40).toString("base64url"));

const ATTEMPTS = 3;

/**
 * Makes the app hold `value` under `name` and returns once listkeys shows it: the PUT is sent again when another
 * writer replaced it since (a run that lost the race stops after its one PUT, so this settles). Bounded. → the key
 * as listed.
 */
export async function holdValue(api: KeyApi, p: KeyPolicy, name: string, value: Secret): Promise<ListedKey> {
  for (let attempt = 1; ; attempt++) {
    const listed = findKey(await api.scopeKeys(p), name);
    if (listed?.value.reveal() === value.reveal()) return listed;
    if (attempt === ATTEMPTS)
      throw new VerificationError(
        `listkeys does not show this run's value for ${name} after ${ATTEMPTS} PUTs (another writer keeps replacing it, or the host does not keep the writes); nothing was published or deleted`,
        [name],
        {
          fix: "Check for another writer of this app's keys (a second run, a deployment that sets keys), then run again.",
        },
      );
    await api.create(p, name, value);
  }
}

/**
 * The PUT of a key this run meant to create answered 200: the name existed, so another run rotating the same key
 * created it first (or an earlier attempt of this PUT did, its answer lost). Our PUT has replaced that run's value:
 * if it already published it (Key Vault's current version names this key), the app is given that value back, so what
 * callers read from Key Vault keeps working; otherwise the other run puts its own value back before it publishes.
 * Either way this run stops for the key and publishes nothing.
 */
export async function yieldToOtherRun(
  api: KeyApi,
  kv: KeyVaultSecrets,
  p: KeyPolicy,
  secretName: string,
  name: string,
): Promise<never> {
  const latest = await kv.latest(secretName);
  if (latest.state === "found" && latest.secret.tags.keyName === name) await api.create(p, name, latest.secret.value);
  throw new RefusedError(
    `${name} already existed when this run created it (HTTP 200): another run is rotating this key at the same time, or an earlier attempt of this PUT was answered late; this run published nothing for it`,
    { fix: "Run again once the other run has finished: it plans against what is there then, without a second key." },
  );
}
