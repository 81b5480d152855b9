/**
 * Key Vault reference values for app settings (learn.microsoft.com/azure/app-service/app-service-key-vault-references):
 * the tool always writes the versioned SecretUri form, so an app setting names exactly the version a rotation
 * published, and a later version (the next rotation) takes effect only when the tool points the setting at it.
 */
export function keyVaultReference(vaultUrl: string, secretName: string, version: string): string {
  return `@Microsoft.KeyVault(SecretUri=${vaultUrl.replace(/\/+$/, "")}/secrets/${secretName}/${version})`;
}

/** What an app setting holds: nothing, a Key Vault reference (either form), or a value (the secret itself). */
export type SettingKind = "absent" | "reference" | "plain";

const PREFIX = /^\s*@Microsoft\.KeyVault\(/i;

export function settingKind(value: string | undefined): SettingKind {
  if (value === undefined || value === "") return "absent";
  return PREFIX.test(value) ? "reference" : "plain";
}
