/**
 * Declared properties of the Graph v1.0 types the emulator serves, transcribed from the CSDL subset
 * (msgraph-metadata clean_v10_metadata/cleanMetadata.xml @ f54f11b6; shared/reference/microsoft-graph).
 * `"[x]"` is a collection, a trailing `!` means `Nullable="false"`, other names are complex or enum types.
 * Entity types include the properties they inherit (`entity.id`, `directoryObject.deletedDateTime`).
 * test/emulator/graph-contract.test.ts checks this table against the derived JSON in both directions.
 */
export const CSDL_TYPES: Record<string, Record<string, string>> = {
  application: {
    id: "string!", deletedDateTime: "date", addIns: "[addIn]!", api: "apiApplication", appId: "string", applicationTemplateId: "string",
    appRoles: "[appRole]!", authenticationBehaviors: "authenticationBehaviors", certification: "certification", createdByAppId: "string",
    createdDateTime: "date", defaultRedirectUri: "string", description: "string", disabledByMicrosoftStatus: "string", displayName: "string",
    groupMembershipClaims: "string", identifierUris: "[string]!", info: "informationalUrl", isDeviceOnlyAuthSupported: "boolean",
    isDisabled: "boolean", isFallbackPublicClient: "boolean", keyCredentials: "[keyCredential]!", logo: "stream!", managerApplications: "[guid]!",
    nativeAuthenticationApisEnabled: "nativeAuthenticationApisEnabled", notes: "string", oauth2RequirePostResponse: "boolean!",
    optionalClaims: "optionalClaims", parentalControlSettings: "parentalControlSettings", passwordCredentials: "[passwordCredential]!",
    publicClient: "publicClientApplication", publisherDomain: "string", requestSignatureVerification: "requestSignatureVerification",
    requiredResourceAccess: "[requiredResourceAccess]!", samlMetadataUrl: "string", serviceManagementReference: "string",
    servicePrincipalLockConfiguration: "servicePrincipalLockConfiguration", signInAudience: "string", spa: "spaApplication", tags: "[string]!",
    tokenEncryptionKeyId: "guid", uniqueName: "string", verifiedPublisher: "verifiedPublisher", web: "webApplication",
  },
  servicePrincipal: {
    id: "string!", deletedDateTime: "date", accountEnabled: "boolean", addIns: "[addIn]!", alternativeNames: "[string]!", appDescription: "string",
    appDisplayName: "string", appId: "string", applicationTemplateId: "string", appOwnerOrganizationId: "guid", appRoleAssignmentRequired: "boolean!",
    appRoles: "[appRole]!", createdByAppId: "string", customSecurityAttributes: "customSecurityAttributeValue", description: "string",
    disabledByMicrosoftStatus: "string", displayName: "string", homepage: "string", info: "informationalUrl", isDisabled: "boolean",
    keyCredentials: "[keyCredential]!", loginUrl: "string", logoutUrl: "string", notes: "string", notificationEmailAddresses: "[string]!",
    oauth2PermissionScopes: "[permissionScope]!", passwordCredentials: "[passwordCredential]!", preferredSingleSignOnMode: "string",
    preferredTokenSigningKeyThumbprint: "string", replyUrls: "[string]!", resourceSpecificApplicationPermissions: "[resourceSpecificPermission]!",
    samlSingleSignOnSettings: "samlSingleSignOnSettings", servicePrincipalNames: "[string]!", servicePrincipalType: "string",
    signInAudience: "string", tags: "[string]!", tokenEncryptionKeyId: "guid", verifiedPublisher: "verifiedPublisher",
  },
  oAuth2PermissionGrant: {
    id: "string!", clientId: "string!", consentType: "string", principalId: "string", resourceId: "string!", scope: "string",
  },
  apiApplication: {
    acceptMappedClaims: "boolean", knownClientApplications: "[guid]", oauth2PermissionScopes: "[permissionScope]!",
    preAuthorizedApplications: "[preAuthorizedApplication]", requestedAccessTokenVersion: "int32",
  },
  permissionScope: {
    adminConsentDescription: "string", adminConsentDisplayName: "string", id: "guid!", isEnabled: "boolean!", origin: "string", type: "string",
    userConsentDescription: "string", userConsentDisplayName: "string", value: "string",
  },
  appRole: {
    allowedMemberTypes: "[string]!", description: "string", displayName: "string", id: "guid!", isEnabled: "boolean!", origin: "string",
    value: "string",
  },
  preAuthorizedApplication: {
    appId: "string", delegatedPermissionIds: "[string]!",
  },
  requiredResourceAccess: {
    resourceAccess: "[resourceAccess]!", resourceAppId: "string!",
  },
  resourceAccess: {
    id: "guid!", type: "string",
  },
  webApplication: {
    homePageUrl: "string", implicitGrantSettings: "implicitGrantSettings", logoutUrl: "string", redirectUris: "[string]!",
    redirectUriSettings: "[redirectUriSettings]!",
  },
  implicitGrantSettings: {
    enableAccessTokenIssuance: "boolean", enableIdTokenIssuance: "boolean",
  },
  spaApplication: {
    redirectUris: "[string]!",
  },
  publicClientApplication: {
    redirectUris: "[string]!",
  },
  informationalUrl: {
    logoUrl: "string", marketingUrl: "string", privacyStatementUrl: "string", supportUrl: "string", termsOfServiceUrl: "string",
  },
  optionalClaims: {
    accessToken: "[optionalClaim]", idToken: "[optionalClaim]", saml2Token: "[optionalClaim]",
  },
  optionalClaim: {
    additionalProperties: "[string]", essential: "boolean!", name: "string!", source: "string",
  },
  parentalControlSettings: {
    countriesBlockedForMinors: "[string]", legalAgeGroupRule: "string",
  },
  redirectUriSettings: {
    index: "int32", uri: "string",
  },
  verifiedPublisher: {
    addedDateTime: "date", displayName: "string", verifiedPublisherId: "string",
  },
  authenticationBehaviors: {
    blockAzureADGraphAccess: "boolean", removeUnverifiedEmailClaim: "boolean", requireClientServicePrincipal: "boolean",
  },
  certification: {
    certificationDetailsUrl: "string", certificationExpirationDateTime: "date", isCertifiedByMicrosoft: "boolean", isPublisherAttested: "boolean",
    lastCertificationDateTime: "date",
  },
  requestSignatureVerification: {
    allowedWeakAlgorithms: "weakAlgorithms", isSignedRequestRequired: "boolean!",
  },
  servicePrincipalLockConfiguration: {
    allProperties: "boolean", credentialsWithUsageSign: "boolean", credentialsWithUsageVerify: "boolean", isEnabled: "boolean!",
    tokenEncryptionKeyId: "boolean",
  },
  addIn: {
    id: "guid", properties: "[keyValue]!", type: "string!",
  },
  keyValue: {
    key: "string", value: "string",
  },
  keyCredential: {
    customKeyIdentifier: "binary", displayName: "string", endDateTime: "date", key: "binary", keyId: "guid", startDateTime: "date", type: "string",
    usage: "string",
  },
  passwordCredential: {
    customKeyIdentifier: "binary", displayName: "string", endDateTime: "date", hint: "string", keyId: "guid", secretText: "string",
    startDateTime: "date",
  },
  samlSingleSignOnSettings: {
    relayState: "string",
  },
  resourceSpecificPermission: {
    description: "string", displayName: "string", id: "guid!", isEnabled: "boolean!", value: "string",
  },
};
