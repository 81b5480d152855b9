import { DEFAULT_TENANT_ID } from "../emulator/server.ts";
import { planAuth } from "../resources/auth/plan.ts";
import { parseAuth } from "../resources/auth/schema.ts";

/** The client id every bench app's Easy Auth names. */
export const BENCH_CLIENT = "4b2d6f8a-1c3e-4a5b-9d7f-0e2c4a6b8d10";
export const BENCH_RG = "rg-bench";
/** A key older than any maxAge: the rotate-all run replaces it, the retire run deletes it. */
export const OLD_KEY = "apim-20250101t0000z";

export const BENCH_AUTH = {
  requireAuthentication: true,
  unauthenticatedClientAction: "Return401" as const,
  tokenStore: true,
  azureActiveDirectory: {
    clientId: BENCH_CLIENT,
    clientSecretSettingName: "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET",
    loginParameters: ["scope=openid profile https://management.azure.com/user_impersonation"],
    allowedAudiences: ["api://{appId}"],
  },
};

export const BENCH_SITE = {
  httpsOnly: true,
  minTlsVersion: "1.2",
  scmMinTlsVersion: "1.2",
  ftpsState: "FtpsOnly",
  remoteDebuggingEnabled: false,
};

/** The authsettingsV2 `properties` configure-auth leaves: what a no-op app starts with and what baselines PUT. */
export function configuredAuth(): Record<string, unknown> {
  return planAuth({}, parseAuth(BENCH_AUTH), { tenantId: DEFAULT_TENANT_ID, clientId: BENCH_CLIENT, tokenVersion: 2 })
    .desired as Record<string, unknown>;
}

export interface AppGroup {
  subscriptionId: string;
  prefix: string;
  count: number;
  /** Seeded with configure-auth's document already in place. */
  configured?: boolean;
}

export const appName = (prefix: string, i: number): string => `${prefix}-${i}`;

/** Emulator seed: one resource group per subscription, function apps with a `greeting` function and an old key. */
export function benchWorld(groups: readonly AppGroup[]) {
  const auth = configuredAuth();
  const subs = [...new Set(groups.map((g) => g.subscriptionId))];
  return {
    subscriptions: subs.map((subscriptionId) => ({
      subscriptionId,
      resourceGroups: [
        {
          name: BENCH_RG,
          sites: groups
            .filter((g) => g.subscriptionId === subscriptionId)
            .flatMap((g) =>
              Array.from({ length: g.count }, (_, i) => ({
                name: appName(g.prefix, i),
                kind: "functionapp",
                tags: { bench: g.prefix },
                functions: { greeting: { keys: { [OLD_KEY]: "generate" } } },
                ...(g.configured ? { authV2: auth } : {}),
              })),
            ),
        },
      ],
    })),
  };
}

export type FleetBlocks = "auth" | "site" | "keys" | "registration";

/**
 * A fleet config naming every app of `groups` with the blocks asked for, as a fleet is written: what every app shares
 * under `defaults`, only the names (and unique registrations) per app.
 */
export function benchFleet(groups: readonly AppGroup[], blocks: readonly FleetBlocks[]) {
  const has = (b: FleetBlocks) => blocks.includes(b);
  return {
    defaults: {
      resourceGroup: BENCH_RG,
      ...(has("auth") ? { auth: BENCH_AUTH } : {}),
      ...(has("site") ? { site: BENCH_SITE } : {}),
      // grace 2s: the later retire run finds the old keys past their grace period without a long wait.
      ...(has("keys")
        ? {
            keys: {
              vaultUrl: "fromEnv",
              maxAge: "30d",
              grace: "2s",
              rotate: [{ name: "apim", scope: "function", function: "greeting" }],
            },
          }
        : {}),
      ...(has("registration") ? { registration: { tokenVersion: 2 } } : {}),
    },
    apps: groups.flatMap((g) =>
      Array.from({ length: g.count }, (_, i) => ({
        name: appName(g.prefix, i),
        subscriptionId: g.subscriptionId,
        // An app takes a kind only when it has the kind's block; an empty one takes every field from defaults.
        ...(has("auth") ? { auth: {} } : {}),
        ...(has("keys") ? { keys: {} } : {}),
        ...(has("registration")
          ? {
              registration: {
                uniqueName: `bench-${appName(g.prefix, i)}`,
                displayName: `Bench ${appName(g.prefix, i)}`,
              },
            }
          : {}),
      })),
    ),
  };
}
