import { randomUUID } from "node:crypto";
import YAML from "yaml";
import { RG, SUB } from "../helpers/seeds.ts";

/** Key values planted in the emulator: none may ever reach any output of the corpus. */
export const CANARIES = {
  functionKey: `canary-fn-${randomUUID()}`,
  hostKey: `canary-host-${randomUUID()}`,
  masterKey: `canary-master-${randomUUID()}`,
  vaultValue: `canary-vault-${randomUUID()}`,
};

export const CLIENT = "11111111-2222-3333-4444-555555555555";

/** One function app with a slot, its keys and Easy Auth set; one stopped app. */
export function corpusWorld() {
  return {
    subscriptions: [
      {
        subscriptionId: SUB,
        resourceGroups: [
          {
            name: RG,
            sites: [
              {
                name: "func-orders",
                functions: { greeting: { keys: { default: CANARIES.functionKey } } },
                hostKeys: { functionKeys: { default: CANARIES.hostKey } },
                authV2: {
                  platform: { enabled: true },
                  globalValidation: { requireAuthentication: true, unauthenticatedClientAction: "Return401" },
                  identityProviders: {
                    azureActiveDirectory: { enabled: true, registration: { clientId: CLIENT } },
                    customOpenIdConnectProviders: { okta: { enabled: true, registration: { clientId: "okta" } } },
                  },
                  futureSection: { keepMe: true },
                },
                slots: [{ name: "staging", functions: { greeting: {} } }],
              },
            ],
          },
        ],
      },
    ],
  };
}

/** A fleet document: the defaults address the corpus world, `app` is merged into the one app. */
export function fleetDoc(app: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    defaults: { subscriptionId: SUB, resourceGroup: RG },
    apps: [{ name: "func-orders", slots: ["staging"], ...app }],
    ...extra,
  };
}

export const fleetYaml = (app: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  YAML.stringify(fleetDoc(app, extra));

export const AUTH = { auth: { requireAuthentication: true, azureActiveDirectory: { clientId: CLIENT } } };
export const SITE = { site: { httpsOnly: true, minTlsVersion: "1.2" } };
export const KEYS = (over: Record<string, unknown> = {}) => ({
  keys: { vaultUrl: "fromEnv", rotate: [{ name: "apim", scope: "function", function: "greeting" }], ...over },
});
export const REGISTRATION = {
  registration: {
    uniqueName: "corpus-api",
    displayName: "Corpus API",
    scopes: [
      {
        value: "Greeting.Read",
        adminConsentDisplayName: "Read greetings",
        adminConsentDescription: "Allows the user to read greetings.",
      },
    ],
  },
};
