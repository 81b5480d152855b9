// Observed registrations for the pure planner's tests. Not a test file itself.
import type { ObservedApplication } from "../../lib/resources/registration/types.ts";

export const APP = "5e0e0000-0000-4000-8000-000000000001";

/** The greeting API's application as Graph returns it, with the parts a test changes. */
export function existingApplication(
  overrides: Partial<ObservedApplication> = {},
  api: Partial<ObservedApplication["api"]> = {},
): ObservedApplication {
  return {
    id: "0b1ec700-0000-4000-8000-000000000001",
    appId: APP,
    uniqueName: "greeting-api",
    displayName: "Greeting API",
    signInAudience: "AzureADMyOrg",
    identifierUris: [`api://${APP}`],
    api: {
      acceptMappedClaims: null,
      knownClientApplications: [],
      oauth2PermissionScopes: [],
      preAuthorizedApplications: [],
      requestedAccessTokenVersion: 2,
      ...api,
    },
    appRoles: [],
    requiredResourceAccess: [],
    ...overrides,
  };
}
