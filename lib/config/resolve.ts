import { withAuthDefaults, type AuthConfig } from "./auth-schema.ts";
import type { KeysConfig } from "./keys-schema.ts";
import type { RegistrationConfig } from "./registration-schema.ts";
import type { Fleet } from "./schema.ts";

/** One app with defaults applied: every address field is known. */
export interface AppConfig {
  /** Position in the config file, for messages (`apps[3]`). */
  index: number;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  slots: string[];
  auth?: AuthConfig;
  registration?: RegistrationConfig;
  keys?: KeysConfig;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Defaults under overrides, objects merged key by key, lists and scalars replaced whole. */
export function deepMerge<T>(base: T | undefined, override: T | undefined): T | undefined {
  if (base === undefined) return override;
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = deepMerge(out[k], v);
  return out as T;
}

export function resolveApps(fleet: Fleet, env: NodeJS.ProcessEnv): { apps: AppConfig[]; issues: string[] } {
  const issues: string[] = [];
  const apps = fleet.apps.map((a, index): AppConfig => {
    const subscriptionId = a.subscriptionId ?? fleet.defaults.subscriptionId ?? env.AZURE_SUBSCRIPTION_ID ?? "";
    const resourceGroup = a.resourceGroup ?? fleet.defaults.resourceGroup ?? "";
    if (!subscriptionId) issues.push(`apps[${index}].subscriptionId: missing; set it on the app, in defaults, or export AZURE_SUBSCRIPTION_ID`);
    if (!resourceGroup) issues.push(`apps[${index}].resourceGroup: missing; set it on the app or in defaults`);
    return {
      index,
      name: a.name,
      subscriptionId,
      resourceGroup,
      slots: a.slots,
      // defaults.auth applies to apps that declare `auth` (even `auth: {}`): Easy Auth never appears on an app unasked.
      auth: a.auth ? withAuthDefaults(deepMerge(fleet.defaults.auth, a.auth)!) : undefined,
      // Likewise defaults.registration: update-manifest creates registrations, so only for apps that ask for one.
      registration: a.registration ? deepMerge(fleet.defaults.registration, a.registration) : undefined,
      keys: deepMerge(fleet.defaults.keys, a.keys),
    };
  });
  return { apps, issues };
}
