import { describe, expect, test } from "vitest";
import { storedAuthV2 } from "../../lib/emulator/arm/auth-settings.ts";
import { prerequisiteWarnings } from "../../lib/resources/auth/plan.ts";
import { configuredProviders, isProviderConfigured } from "../../lib/resources/auth/providers.ts";

// The service fills in every provider with enabled: true and an empty registration after a write.
const filled = (props: Record<string, unknown>) => storedAuthV2(props);
const REQUIRED = { platform: { enabled: true }, globalValidation: { requireAuthentication: true } };

describe("a provider counts only when enabled and registered", () => {
  test("the service's filled-in defaults configure no provider, and the planner says so", () => {
    const doc = filled(REQUIRED);
    expect(Object.keys(doc.identityProviders as object).length).toBeGreaterThanOrEqual(8);
    expect(configuredProviders(doc)).toEqual([]);
    expect(prerequisiteWarnings(doc)).toContain(
      "authentication is required but no identity provider is enabled: every request will be refused",
    );
  });

  test("a registered Entra provider among the filled-in ones is the only one configured; no warning", () => {
    const doc = filled({
      ...REQUIRED,
      identityProviders: {
        azureActiveDirectory: { registration: { clientId: "6a1f3c2e-9b4d-4e8f-a1c7-5d2e8f9b0a13" } },
      },
    });
    expect(configuredProviders(doc)).toEqual(["azureActiveDirectory"]);
    expect(prerequisiteWarnings(doc)).toEqual([]);
  });

  test("disabled, unregistered and blank registrations do not count; custom OpenID providers do", () => {
    expect(isProviderConfigured({ enabled: false, registration: { clientId: "x" } })).toBe(false);
    expect(isProviderConfigured({ enabled: true, registration: { clientId: "  " } })).toBe(false);
    expect(isProviderConfigured({ registration: { appId: "fb-app" } })).toBe(true);
    expect(
      configuredProviders({
        identityProviders: {
          customOpenIdConnectProviders: { okta: { enabled: true, registration: { clientId: "o" } } },
        },
      }),
    ).toEqual(["custom:okta"]);
  });

  test("booleans sent as strings are stored as booleans; string fields stay strings", () => {
    const doc = filled({
      platform: { enabled: "True" },
      globalValidation: { requireAuthentication: "false", redirectToProvider: "true" },
      login: { tokenStore: { enabled: "true" } },
    });
    expect(doc).toMatchObject({
      platform: { enabled: true },
      globalValidation: { requireAuthentication: false, redirectToProvider: "true" },
      login: { tokenStore: { enabled: true, tokenRefreshExtensionHours: 72 }, nonce: { validateNonce: true } },
    });
  });
});
