import type { ArmClient } from "../../azure/arm-client.ts";
import type { GraphApi } from "../../azure/graph-client.ts";
import { getPath, isRecord } from "../../azure/json.ts";
import type { KeyVaultSecrets } from "../../azure/keyvault-client.ts";
import { Secret } from "../../azure/secret.ts";
import { sitePath, type TargetRef } from "../../azure/targets.ts";
import { AzureRequestError } from "../../errors.ts";
import { siteRefs } from "../../pipeline/app-targets.ts";
import type { AppConfig, KindTarget } from "../../pipeline/contract.ts";
import { propertiesOf, readAuthDoc } from "../auth/observe.ts";
import { currentVersion } from "../shared/key-vault-publish.ts";
import { listAppSettings } from "./app-settings.ts";
import { clientSecretPolicy, type ClientSecretPolicy } from "./policy.ts";
import { settingKind, type SettingKind } from "./reference.ts";
import { vaultUrlFor } from "../keys/policy.ts";

export const CLIENT_SECRET_RESOURCE = "easyAuthClientSecret";

/** One app with a clientSecret policy: production and its slots, handled together (they share the registration). */
export interface ClientSecretTarget extends KindTarget {
  app: AppConfig;
  policy: ClientSecretPolicy;
  vaultUrl: string;
  sites: TargetRef[];
  /** AZURE_AUTHORITY_HOST, where the token request that proves a new secret goes (default the cloud's authority). */
  authorityHost?: string;
}

/** A passwordCredential as Graph lists it (never with its text). */
export interface PasswordInfo {
  keyId: string;
  displayName: string | null;
  startDateTime?: string;
  endDateTime?: string;
  /** The text's first three characters, as Graph lists them: used only to match a migrated value, never printed. */
  hint?: string;
}

/** What one site (production or a slot) says about its Easy Auth client secret. */
export interface SiteView {
  ref: TargetRef;
  /** Easy Auth's registration.clientId; undefined when Microsoft Entra sign-in is not configured. */
  clientId?: string;
  settingName?: string;
  kind: SettingKind;
  /** The setting's value when it is a reference (no secret in it); the plain value only as a Secret. */
  reference?: string;
  plain?: Secret;
  /** `configreferences` for the setting: status and the version it resolved to. */
  resolved?: { status: string; version?: string };
}

export type PublishedSecret =
  | { state: "absent" }
  | { state: "disabled" }
  | {
      state: "found";
      version: string;
      keyId?: string;
      publishedAt?: Date;
      createdOn?: Date;
      value: Secret;
    };

export interface ClientSecretObserved {
  sites: SiteView[];
  /** The registration Easy Auth uses (of the first site that names one). */
  application?: { id: string; appId: string; passwords: PasswordInfo[] };
  published: PublishedSecret;
}

export function clientSecretTargets(
  apps: readonly AppConfig[],
  slotFilter: string | undefined,
  env: NodeJS.ProcessEnv,
): ClientSecretTarget[] {
  return apps.flatMap((app) => {
    const policy = clientSecretPolicy(app);
    if (!policy) return [];
    const sites = siteRefs(app, slotFilter);
    if (!sites.length) return [];
    return [
      {
        ref: sites[0]!,
        resource: CLIENT_SECRET_RESOURCE,
        app,
        policy,
        // A managed identity publishes nothing: no vault (the secret-only fields are refused for it).
        vaultUrl: policy.credential === "managedIdentity" ? "" : vaultUrlFor(policy, env),
        sites,
        authorityHost: env.AZURE_AUTHORITY_HOST || undefined,
      },
    ];
  });
}

async function readReference(arm: ArmClient, t: TargetRef, name: string): Promise<SiteView["resolved"]> {
  try {
    const body = (
      await arm.get<unknown>(`${sitePath(t)}/config/configreferences/appsettings/${encodeURIComponent(name)}`)
    ).body;
    const status = getPath(body, ["properties", "status"]);
    const version = getPath(body, ["properties", "activeVersion"]) ?? getPath(body, ["properties", "secretVersion"]);
    return {
      status: typeof status === "string" ? status : "Unknown",
      version: typeof version === "string" ? version : undefined,
    };
  } catch (e) {
    if (e instanceof AzureRequestError && e.status === 404) return undefined;
    throw e;
  }
}

/** Easy Auth's registration and secret setting, the setting's value and, for a reference, whether it resolves. */
export async function readSite(arm: ArmClient, ref: TargetRef): Promise<SiteView> {
  const props = propertiesOf(await readAuthDoc(arm, ref));
  const reg = getPath(props, ["identityProviders", "azureActiveDirectory", "registration"]);
  const clientId = isRecord(reg) && typeof reg.clientId === "string" && reg.clientId ? reg.clientId : undefined;
  const settingName =
    isRecord(reg) && typeof reg.clientSecretSettingName === "string" && reg.clientSecretSettingName
      ? reg.clientSecretSettingName
      : undefined;
  if (!clientId || !settingName) return { ref, clientId, settingName, kind: "absent" };
  const settings = await listAppSettings(arm, ref);
  const hit = Object.keys(settings).find((k) => k.toLowerCase() === settingName.toLowerCase());
  const value = hit === undefined ? undefined : settings[hit];
  const kind = settingKind(value);
  if (kind === "plain") return { ref, clientId, settingName, kind, plain: new Secret(value!) };
  if (kind === "absent") return { ref, clientId, settingName, kind };
  return { ref, clientId, settingName, kind, reference: value, resolved: await readReference(arm, ref, settingName) };
}

/** The registration's passwords, by appId; undefined when no application has it (or reads do not see it yet). */
export async function readApplication(graph: GraphApi, appId: string): Promise<ClientSecretObserved["application"]> {
  try {
    const app = await graph.get<{ id: string; appId: string; passwordCredentials?: PasswordInfo[] }>(
      `/applications(appId='${appId}')`,
      { select: ["id", "appId", "passwordCredentials"] },
    );
    const passwords = (app.passwordCredentials ?? []).map((p) => ({
      keyId: p.keyId,
      displayName: p.displayName ?? null,
      startDateTime: p.startDateTime,
      endDateTime: p.endDateTime,
      hint: p.hint,
    }));
    return { id: app.id, appId: app.appId, passwords };
  } catch (e) {
    if (e instanceof AzureRequestError && e.status === 404) return undefined;
    throw e;
  }
}

export async function readPublished(kv: KeyVaultSecrets, secretName: string): Promise<PublishedSecret> {
  const latest = await kv.latest(secretName);
  if (latest.state !== "found") return latest;
  return { ...currentVersion(latest.secret), keyId: latest.secret.tags.credentialKeyId };
}
