/** A small world where every call of every command happens: a registration, Easy Auth, hardening and keys on an app with a slot. */
export const LP_SUB = "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2";
export const LP_SCOPE = `/subscriptions/${LP_SUB}/resourceGroups/rg-lp`;

export const LP_WORLD = {
  subscriptions: [
    {
      subscriptionId: LP_SUB,
      resourceGroups: [
        {
          name: "rg-lp",
          location: "westeurope",
          sites: [
            {
              name: "func-lp",
              kind: "functionapp",
              appSettings: { MICROSOFT_PROVIDER_AUTHENTICATION_SECRET: "placeholder-not-a-secret" },
              functions: { greeting: { authLevel: "function" } },
              httpsOnly: false,
              siteConfig: { minTlsVersion: "1.0" },
              slots: [
                {
                  name: "staging",
                  httpsOnly: false,
                  siteConfig: { minTlsVersion: "1.0" },
                  functions: { greeting: {} },
                },
              ],
            },
          ],
        },
      ],
    },
  ],
};

export const LP_FLEET = {
  version: 1,
  defaults: { subscriptionId: LP_SUB, resourceGroup: "rg-lp" },
  apps: [
    {
      name: "func-lp",
      slots: ["staging"],
      registration: {
        uniqueName: "func-lp-api",
        displayName: "Least privilege API",
        scopes: [{ value: "Lp.Read", adminConsentDisplayName: "Read", adminConsentDescription: "Read it." }],
        requiredResourceAccess: [{ resource: "arm", scopes: ["user_impersonation"] }],
        adminConsent: true,
        appRoleAssignmentRequired: true,
      },
      auth: {
        enabled: true,
        requireAuthentication: true,
        unauthenticatedClientAction: "Return401",
        azureActiveDirectory: { clientId: "fromRegistration", allowedAudiences: ["api://{appId}"] },
      },
      site: { httpsOnly: true, minTlsVersion: "1.2" },
      keys: {
        vaultUrl: "fromEnv",
        maxAge: "30d",
        grace: "1h",
        rotate: [
          { name: "apim", scope: "function", function: "greeting", slots: ["production", "staging"] },
          { name: "partner", scope: "host" },
        ],
      },
    },
  ],
};
