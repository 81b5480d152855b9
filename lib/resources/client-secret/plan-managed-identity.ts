import type { Cloud, CloudName } from "../../azure/clouds.ts";
import type { TargetRef } from "../../azure/targets.ts";
import type { FieldChange } from "../../pipeline/model.ts";
import { targetLabel } from "../../pipeline/model.ts";
import { formatDuration } from "../keys/duration.ts";
import type { FederatedCredentialInfo, IdentitySiteView, ManagedIdentityObserved } from "./observe-managed-identity.ts";
import type { PasswordInfo } from "./observe.ts";
import { passwordRemoval, toolMadeAt } from "./plan.ts";
import { MI_SETTING_NAME, type ClientSecretPolicy } from "./policy.ts";
import { isSticky, productionOf } from "./slot-settings.ts";
import { coveredSites, unreadableRegistration, type CredentialPlanBase } from "./covered-sites.ts";

/**
 * The audience of a managed identity's token that a federated identity credential trusts, per cloud
 * (microsoftgraph/msgraph-bicep-types, quickstart-templates/msi-as-a-fic-secretless/main.bicep).
 */
export const TOKEN_EXCHANGE_AUDIENCES: Record<CloudName, string> = {
  AzureCloud: "api://AzureADTokenExchange",
  AzureUSGovernment: "api://AzureADTokenExchangeUSGov",
  AzureChinaCloud: "api://AzureADTokenExchangeChina",
};
/** Tool-made federated identity credentials carry their creation time in the description, as passwords do in names. */
const DESCRIPTION = /^easyauth-fleet (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\b/;
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
// "A maximum of 20 federated identity credentials can be added to an application"
// (learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations).
const MAX_FEDERATED = 20;

/** The federated identity credential the registration needs: issued by the tenant, for the identity's object id. */
export interface WantedCredential {
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  description: string;
}

export type IdentityStep =
  | { kind: "federate"; credential: WantedCredential }
  /** Set OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID to the identity's client id on one site. */
  | { kind: "setting"; site: TargetRef; value: string }
  /** Make it a slot setting (`config/slotConfigNames` of the app), so a swap leaves each slot its own. */
  | { kind: "sticky"; app: TargetRef }
  /** Re-read the chain: the credential listed, the identity still assigned, every setting holding the client id. */
  | { kind: "verify" }
  | { kind: "remove"; keyId: string; displayName: string | null; why: "retired" };

export interface IdentityPlan extends CredentialPlanBase {
  credential: "managedIdentity";
  steps: IdentityStep[];
  identity?: { id: string; principalId: string; clientId: string };
  /** What the verify step checks for. */
  wanted?: WantedCredential;
  sites: TargetRef[];
}

export interface IdentityPlanInput {
  policy: ClientSecretPolicy;
  observed: ManagedIdentityObserved;
  now: Date;
  /** The cloud: its Entra authority's v2 issuer signs the identity's tokens, for its token exchange audience. */
  cloud: Pick<Cloud, "name" | "authorityHost">;
  tenantId: string;
  /** The app's name in the config, for the credential's description. */
  appName: string;
  authPending?: boolean;
}

const label = (p: PasswordInfo) => `'${p.displayName ?? "(no name)"}' (${p.keyId})`;

/** The credential's creation time from a tool-made description; undefined for any other. */
export function federatedMadeAt(c: Pick<FederatedCredentialInfo, "description">): Date | undefined {
  const m = DESCRIPTION.exec(c.description ?? "");
  const d = m ? new Date(m[1]!) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
}

/**
 * The credential the registration needs so Easy Auth can sign in with the identity
 * (learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity): issuer the
 * tenant's v2 authority, subject the identity's object (principal) id, audience api://AzureADTokenExchange. Graph
 * names are ≤ 120 characters of letters, digits, '-' and '_': the principal id keeps it unique per identity.
 */
export function wantedCredential(
  i: Pick<IdentityPlanInput, "cloud" | "tenantId" | "now">,
  appName: string,
  principalId: string,
): WantedCredential {
  return {
    name: `easyauth-fleet-${principalId}`,
    issuer: `${i.cloud.authorityHost.replace(/\/+$/, "")}/${i.tenantId}/v2.0`,
    subject: principalId,
    audiences: [TOKEN_EXCHANGE_AUDIENCES[i.cloud.name]],
    description: `easyauth-fleet ${iso(i.now)}: Easy Auth of ${appName} signs in with this managed identity`.slice(
      0,
      600,
    ),
  };
}

/** Matching is case-sensitive on issuer and subject, as Entra's is (reference-breaking-changes, 2025). */
export function matches(c: FederatedCredentialInfo, w: Pick<WantedCredential, "issuer" | "subject">): boolean {
  return c.issuer === w.issuer && c.subject === w.subject;
}

function identityOf(sites: IdentitySiteView[], id: string, base: IdentityPlan): IdentityPlan | undefined {
  const missing = sites.filter((s) => !s.identity);
  if (missing.length)
    return {
      ...base,
      refused: {
        message: `${missing.map((s) => targetLabel(s.ref)).join(", ")}: the identity ${id} is not assigned (${missing[0]!.assigned.length ? `assigned: ${missing[0]!.assigned.join(", ")}` : "no user-assigned identity"}); nothing was written`,
        fix: `Assign it to the app and each slot (az webapp identity assign --identities ${id}, with --slot for a slot), or correct clientSecret.identity; then run again.`,
      },
    };
  const principals = new Set(sites.map((s) => s.identity!.principalId.toLowerCase()));
  if (principals.size > 1)
    return {
      ...base,
      refused: {
        message: `the sites list different principal ids for ${id}; nothing was written`,
        fix: "Reassign the identity to the app and its slots, then run again.",
      },
    };
  return undefined;
}

/**
 * The pure planner of the secretless option (docs/client-secrets.md, "Secretless"):
 * - every covered site must have the identity assigned (refused otherwise, nothing written);
 * - the registration gets the federated identity credential (added once; found by issuer and subject);
 * - each site's OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID holds the identity's client id;
 * - then a verify step; tool-made passwords are removed only once the credential and every setting are in place,
 *   every site's Easy Auth reads that setting, and the grace period since the credential was made is over (at once
 *   with grace 0). Passwords the tool did not make are reported, never removed.
 */
export function planManagedIdentity(i: IdentityPlanInput): IdentityPlan {
  const { policy, observed: o, now } = i;
  const base: IdentityPlan = { credential: "managedIdentity", steps: [], warnings: [], notes: [], sites: [] };
  const id = policy.identity!;
  const covering = coveredSites(o.sites, (s) => Boolean(s.clientId), {
    authPending: i.authPending,
    what: "Microsoft Entra registration",
    fix: `Configure it first (auth.azureActiveDirectory.clientId, clientSecretSettingName: ${MI_SETTING_NAME}; configure-auth), then run again.`,
  });
  if ("early" in covering) return { ...base, ...covering.early };
  const { first, covered } = covering;
  base.warnings.push(...covering.warnings);
  base.notes.push(...covering.notes);
  base.sites = covered.map((s) => s.ref);
  const refused = identityOf(covered, id, base);
  if (refused) return refused;
  if (!o.application) return { ...base, skipped: unreadableRegistration(first.clientId!) };
  const identity = { id, ...covered[0]!.identity! };
  base.appObjectId = o.application.id;
  base.appId = o.application.appId;
  base.identity = identity;
  const wanted = wantedCredential(i, i.appName, identity.principalId);
  base.wanted = wanted;

  const steps: IdentityStep[] = [];
  const found = o.application.federated.find((c) => matches(c, wanted));
  const audience = wanted.audiences[0]!;
  if (found && !found.audiences.includes(audience))
    return {
      ...base,
      refused: {
        message: `the registration's federated credential '${found.name}' trusts the identity for ${found.audiences.join(", ")}, not ${audience}; nothing was written`,
        fix: `Set its audience to ${audience} (or delete it), then run again.`,
      },
    };
  if (!found) {
    if (o.application.federated.length >= MAX_FEDERATED)
      return {
        ...base,
        refused: {
          message: `the registration already has ${MAX_FEDERATED} federated identity credentials, Entra's maximum; nothing was written`,
          fix: "Remove one it no longer needs (az ad app federated-credential delete), then run again.",
        },
      };
    steps.push({ kind: "federate", credential: wanted });
  }
  for (const s of covered)
    if (s.settingValue !== identity.clientId) steps.push({ kind: "setting", site: s.ref, value: identity.clientId });
  // Slot-sticky, as the App Service docs ask for this setting: a swap must not carry one slot's identity choice over.
  if (!isSticky(o.slotSettings, MI_SETTING_NAME)) steps.push({ kind: "sticky", app: productionOf(covered[0]!.ref) });

  const reading = covered.filter((s) => s.settingName?.toLowerCase() !== MI_SETTING_NAME.toLowerCase());
  if (reading.length)
    base.notes.push(
      `${reading.map((s) => `${targetLabel(s.ref)} (reads ${s.settingName ?? "no setting"})`).join(", ")}: Easy Auth does not read ${MI_SETTING_NAME} yet; passwords are kept until it does (configure-auth or apply with clientSecretSettingName: ${MI_SETTING_NAME})`,
    );
  const passwords = o.application.passwords;
  const tool = passwords.filter((p) => toolMadeAt(p));
  for (const p of passwords.filter((x) => !toolMadeAt(x)))
    base.warnings.push(`password ${label(p)} was not made by this tool: reported, never removed`);
  const madeAt = found ? (federatedMadeAt(found) ?? new Date(0)) : now;
  const graceEnds = madeAt.getTime() + policy.graceMs;
  const inPlace = reading.length === 0 && (found !== undefined || policy.graceMs === 0);
  const removable = inPlace && graceEnds <= now.getTime();
  const removals: IdentityStep[] = [];
  for (const p of tool) {
    if (removable) removals.push({ kind: "remove", keyId: p.keyId, displayName: p.displayName, why: "retired" });
    else
      base.notes.push(
        `${label(p)} stays valid until ${reading.length ? `Easy Auth reads ${MI_SETTING_NAME} and ` : ""}${iso(new Date(graceEnds))} (grace ${formatDuration(policy.graceMs)} after the federated credential)`,
      );
  }
  if (steps.length || removals.length) steps.push({ kind: "verify" }, ...removals);
  else if (!tool.length && !reading.length)
    base.notes.push(
      `Easy Auth signs in with ${identity.id.split("/").pop()} (federated credential '${found?.name}'); no tool-made password left`,
    );
  return { ...base, steps };
}

/** The plan's lines: the credential added, the settings pointed, the passwords removed (no secret in any). */
export function identityChanges(plan: IdentityPlan, o: ManagedIdentityObserved): FieldChange[] {
  const out: FieldChange[] = [];
  if (plan.deferred)
    out.push({
      field: "federatedIdentityCredentials",
      path: ["federatedIdentityCredentials", "new"],
      kind: "add",
      after: "the managed identity's federated credential, once Easy Auth is configured (planned again then)",
      volatile: true,
    });
  for (const s of plan.steps) {
    if (s.kind === "federate")
      out.push({
        field: "federatedIdentityCredentials",
        path: ["federatedIdentityCredentials", s.credential.name],
        kind: "add",
        after: `${s.credential.name} (issuer ${s.credential.issuer}, subject ${s.credential.subject}, audience ${s.credential.audiences[0]})`,
        security: true,
      });
    else if (s.kind === "setting") {
      const before = o.sites.find((v) => targetLabel(v.ref) === targetLabel(s.site))?.settingValue;
      out.push({
        field: `${targetLabel(s.site)}: appSettings.${MI_SETTING_NAME}`,
        path: ["appSettings", targetLabel(s.site), MI_SETTING_NAME],
        kind: before === undefined ? "add" : "change",
        ...(before === undefined ? {} : { before }),
        after: `${s.value} (the identity's client id)`,
        security: true,
      });
    } else if (s.kind === "sticky")
      out.push({
        field: `${targetLabel(s.app)}: slotConfigNames.appSettingNames`,
        path: ["slotConfigNames", targetLabel(s.app), "appSettingNames"],
        kind: "add",
        after: `${MI_SETTING_NAME} (a slot setting)`,
      });
    else if (s.kind === "remove") out.push(passwordRemoval(s));
  }
  return out;
}
