import { DEFAULT_SUBSCRIPTION_ID } from "../../lib/emulator/server.ts";

export const SUB = DEFAULT_SUBSCRIPTION_ID;
export const RG = "rg-api";
export const sitePath = (name: string, slot?: string) =>
  `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites/${name}${slot ? `/slots/${slot}` : ""}`;

/** A small world: a running function app with a slot, a stopped one, a V1 app and a web app. */
export function smallWorld() {
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
                functions: { greeting: { keys: { default: "generate", partner: "generate" } } },
                authV2: {
                  platform: { enabled: true, runtimeVersion: "~1" },
                  globalValidation: { requireAuthentication: true, unauthenticatedClientAction: "Return401" },
                  identityProviders: {
                    azureActiveDirectory: {
                      enabled: true,
                      registration: { clientId: "11111111-2222-3333-4444-555555555555" },
                    },
                  },
                },
                slots: [{ name: "staging", functions: { greeting: {} } }],
              },
              { name: "func-stopped", state: "Stopped" as const, functions: { greeting: {} } },
              {
                name: "func-legacy",
                authV1: {
                  enabled: true,
                  clientId: "22222222-2222-3333-4444-555555555555",
                  clientSecret: "v1-inline-secret-canary-value",
                  unauthenticatedClientAction: "RedirectToLoginPage",
                },
              },
              { name: "web-portal", kind: "app" },
            ],
          },
        ],
      },
    ],
  };
}
