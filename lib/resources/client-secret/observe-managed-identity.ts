import type { ArmClient } from "../../azure/arm-client.ts";
import type { GraphApi } from "../../azure/graph-client.ts";
import { getPath, isRecord } from "../../azure/json.ts";
import { sitePath, type TargetRef } from "../../azure/targets.ts";
import { propertiesOf, readAuthDoc } from "../auth/observe.ts";
import { listAppSettings } from "./app-settings.ts";
import { readApplication, type ClientSecretObserved, type ClientSecretTarget } from "./observe.ts";
import { MI_SETTING_NAME } from "./policy.ts";
import { readSlotConfigNames, type SlotConfigNames } from "./slot-settings.ts";

/** A federatedIdentityCredential as Graph lists it (v1.0). */
export interface FederatedCredentialInfo {
  id: string;
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  description: string | null;
}

/** What one site (production or a slot) says about signing in with the managed identity. */
export interface IdentitySiteView {
  ref: TargetRef;
  /** Easy Auth's registration.clientId; undefined when Microsoft Entra sign-in is not configured. */
  clientId?: string;
  /** Easy Auth's registration.clientSecretSettingName. */
  settingName?: string;
  /** The value of OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID: a client id, not a secret. */
  settingValue?: string;
  /** The configured identity as the site lists it; undefined when it is not assigned to this app or slot. */
  identity?: { principalId: string; clientId: string };
  /** Every user-assigned identity the site lists (their resource ids), for the message when the one named is not. */
  assigned: string[];
}

export interface ManagedIdentityObserved {
  credential: "managedIdentity";
  sites: IdentitySiteView[];
  /** The app's slot settings (`config/slotConfigNames` of production). */
  slotSettings: SlotConfigNames;
  /** The registration Easy Auth uses, its passwords and federated identity credentials. */
  application?: NonNullable<ClientSecretObserved["application"]> & { federated: FederatedCredentialInfo[] };
}

/**
 * The site's user-assigned identities: `identity.userAssignedIdentities` of GET site, keyed by resource id. The key's
 * casing is the one used when it was assigned (ARM resource ids are case-insensitive), so it is matched without case.
 */
export async function readIdentitySite(arm: ArmClient, ref: TargetRef, identityId: string): Promise<IdentitySiteView> {
  const props = propertiesOf(await readAuthDoc(arm, ref));
  const reg = getPath(props, ["identityProviders", "azureActiveDirectory", "registration"]);
  const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  const clientId = isRecord(reg) ? str(reg.clientId) : undefined;
  const settingName = isRecord(reg) ? str(reg.clientSecretSettingName) : undefined;
  const site = (await arm.get<unknown>(sitePath(ref))).body;
  const users = getPath(site, ["identity", "userAssignedIdentities"]);
  const assigned = isRecord(users) ? Object.keys(users) : [];
  const key = assigned.find((k) => k.toLowerCase() === identityId.toLowerCase());
  const entry = key !== undefined && isRecord(users) ? users[key] : undefined;
  const identity =
    isRecord(entry) && str(entry.principalId) && str(entry.clientId)
      ? { principalId: String(entry.principalId), clientId: String(entry.clientId) }
      : undefined;
  const settings = await listAppSettings(arm, ref);
  const hit = Object.keys(settings).find((k) => k.toLowerCase() === MI_SETTING_NAME.toLowerCase());
  return {
    ref,
    clientId,
    settingName,
    settingValue: hit === undefined ? undefined : settings[hit],
    identity,
    assigned,
  };
}

/** The registration's passwords and federated identity credentials; undefined when no application has the appId. */
export async function readIdentityApplication(
  graph: GraphApi,
  appId: string,
): Promise<ManagedIdentityObserved["application"]> {
  const app = await readApplication(graph, appId);
  if (!app) return undefined;
  const federated = await graph.list<FederatedCredentialInfo>(`/applications/${app.id}/federatedIdentityCredentials`);
  return { ...app, federated };
}

/** Observes one app that signs in with a managed identity: each site, the app's slot settings, the registration. */
export async function observeManagedIdentity(
  arm: ArmClient,
  graph: () => GraphApi,
  t: Pick<ClientSecretTarget, "ref" | "sites" | "policy">,
): Promise<ManagedIdentityObserved> {
  const sites = await Promise.all(t.sites.map((ref) => readIdentitySite(arm, ref, t.policy.identity!)));
  const appId = sites.find((s) => s.clientId)?.clientId;
  return {
    credential: "managedIdentity",
    sites,
    slotSettings: await readSlotConfigNames(arm, t.ref),
    application: appId ? await readIdentityApplication(graph(), appId) : undefined,
  };
}

export function isManagedIdentityObserved(o: object): o is ManagedIdentityObserved {
  return (o as Partial<ManagedIdentityObserved>).credential === "managedIdentity";
}
