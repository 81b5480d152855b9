import { ConfigError } from "../../errors.ts";
import type { AppConfig } from "../../pipeline/contract.ts";
import { siteRefs } from "../../pipeline/app-targets.ts";
import { KEYS_DEFAULTS, type RotatedKeyConfig } from "./schema.ts";
import type { TargetRef } from "../../pipeline/model.ts";
import { parseDuration } from "./duration.ts";

export type HostKeyType = "functionKeys" | "systemKeys" | "masterKey";

/** One logical key of one app, with the fleet defaults applied. */
export interface KeyPolicy {
  /** `apps[3].keys.rotate[1]`, for messages. */
  at: string;
  logical: string;
  scope: "function" | "host";
  functionName?: string;
  /** Which host key collection a host-scope key lives in (`_master` is the master key). */
  hostKeyType: HostKeyType;
  /** Slot names to rotate in; undefined stands for production. */
  slots: (string | undefined)[];
  /** As configured: a URL, 'fromEnv', or absent (a config error). */
  vaultUrl?: string;
  secretNameTemplate: string;
  maxAgeMs: number;
  graceMs: number;
  tags: Record<string, string>;
  replaces: string[];
  renewInPlace: boolean;
}

export const PRODUCTION = "production";

/** The policies an app's resolved `keys` block describes; durations that do not parse fall back to the defaults (the schema already rejected them). */
export function keyPolicies(app: AppConfig): KeyPolicy[] {
  const k = app.keys;
  if (!k?.rotate?.length) return [];
  return k.rotate.map((r: RotatedKeyConfig, j): KeyPolicy => {
    const slots = r.slots ?? [PRODUCTION, ...app.slots];
    return {
      at: `apps[${app.index}].keys.rotate[${j}]`,
      logical: r.name,
      scope: r.scope,
      functionName: r.function,
      hostKeyType:
        r.name.toLowerCase() === "_master" ? "masterKey" : r.name.startsWith("_") ? "systemKeys" : "functionKeys",
      slots: slots.map((s) => (s.toLowerCase() === PRODUCTION ? undefined : s)),
      vaultUrl: r.vaultUrl ?? k.vaultUrl,
      secretNameTemplate: r.secretName ?? KEYS_DEFAULTS.secretName[r.scope],
      maxAgeMs: parseDuration(r.maxAge ?? k.maxAge ?? KEYS_DEFAULTS.maxAge) ?? parseDuration(KEYS_DEFAULTS.maxAge)!,
      graceMs: parseDuration(r.grace ?? k.grace ?? KEYS_DEFAULTS.grace) ?? parseDuration(KEYS_DEFAULTS.grace)!,
      tags: { ...(k.tags ?? {}), ...(r.tags ?? {}) },
      replaces: r.replaces ?? [],
      renewInPlace: r.renewInPlace ?? false,
    };
  });
}

export const SECRET_PLACEHOLDERS = ["site", "slot", "function", "key"] as const;

/**
 * The secret a key of one app/slot is published to. Characters Key Vault refuses in names (function names may hold
 * '_') become '-', so the default template works for every function; explicit names are checked, not rewritten.
 */
export function secretNameFor(p: KeyPolicy, target: TargetRef): string {
  const values: Record<string, string> = {
    site: target.name,
    slot: target.slot ?? PRODUCTION,
    function: p.functionName ?? "host",
    key: p.logical,
  };
  return p.secretNameTemplate.replace(/\{(\w+)\}/g, (_, name: string) =>
    (values[name] ?? `{${name}}`).replace(/[^0-9A-Za-z-]/g, "-"),
  );
}

export const SECRET_NAME = /^[0-9A-Za-z-]{1,127}$/;

/** The vault URL to use at run time; 'fromEnv' reads AZURE_KEYVAULT_URL, and a missing value is a config error before any call. */
export function vaultUrlFor(p: Pick<KeyPolicy, "at" | "vaultUrl">, env: NodeJS.ProcessEnv): string {
  const v = p.vaultUrl === "fromEnv" ? env.AZURE_KEYVAULT_URL : p.vaultUrl;
  if (!v) {
    throw new ConfigError(
      p.vaultUrl === "fromEnv"
        ? `${p.at}: vaultUrl is 'fromEnv' but AZURE_KEYVAULT_URL is not set`
        : `${p.at}: no Key Vault to publish to`,
      [],
      {
        fix:
          p.vaultUrl === "fromEnv"
            ? "Export AZURE_KEYVAULT_URL=https://<vault>.vault.azure.net, or write the URL in the config."
            : "Set keys.vaultUrl (or vaultUrl on the key).",
      },
    );
  }
  if (!/^https:\/\//i.test(v))
    throw new ConfigError(`${p.at}: the vault URL '${v}' is not https`, [], {
      fix: "Use https://<vault>.vault.azure.net.",
    });
  return v.replace(/\/+$/, "");
}

/** Production and the slots of `p` that `--slot` selects. */
export function policyTargets(app: AppConfig, p: KeyPolicy, slotFilter?: string): TargetRef[] {
  return siteRefs(app, slotFilter, p.slots);
}
