import { isRecord } from "../../azure/json.ts";

/**
 * The service fills in every identity provider object after any write, each with `enabled: true` and an empty
 * `registration` (Azure/azure-cli-extensions `src/authV2` recordings show the filled-in providers), so `enabled`
 * alone says nothing: a provider counts as configured only when it is enabled AND its registration names a client.
 */
export function isProviderConfigured(provider: unknown): boolean {
  if (!isRecord(provider) || provider.enabled === false) return false;
  const reg = provider.registration;
  if (!isRecord(reg)) return false;
  // Providers name their client differently: clientId (AAD, Google, GitHub, Apple, custom OIDC), appId (Facebook),
  // consumerKey (Twitter).
  return ["clientId", "appId", "consumerKey"].some((k) => typeof reg[k] === "string" && reg[k].trim() !== "");
}

/** Names of the configured providers of an authsettingsV2 `properties` (custom OpenID Connect ones as `custom:<name>`). */
export function configuredProviders(props: Record<string, unknown>): string[] {
  const providers = props.identityProviders;
  if (!isRecord(providers)) return [];
  const out: string[] = [];
  for (const [name, p] of Object.entries(providers)) {
    if (name === "customOpenIdConnectProviders") {
      if (isRecord(p))
        for (const [custom, c] of Object.entries(p)) if (isProviderConfigured(c)) out.push(`custom:${custom}`);
    } else if (isProviderConfigured(p)) out.push(name);
  }
  return out;
}
