import type { TargetRef } from "../../azure/targets.ts";
import type { FieldChange } from "../../pipeline/model.ts";
import { targetLabel } from "../../pipeline/model.ts";
import { formatDuration } from "../keys/duration.ts";
import type { ClientSecretPolicy } from "./policy.ts";
import type { ClientSecretObserved, PasswordInfo, SiteView } from "./observe.ts";
import { keyVaultReference } from "./reference.ts";
import { coveredSites, sameId, unreadableRegistration, type CredentialPlanBase } from "./covered-sites.ts";

/**
 * Tool-made passwords carry their creation time in the display name: with the Key Vault tags (credentialKeyId) it is
 * the whole rotation state, read from Azure on every run (docs/client-secrets.md, "State").
 */
export const PASSWORD_PREFIX = "easyauth-fleet ";
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export function passwordDisplayName(createdAt: Date): string {
  return `${PASSWORD_PREFIX}${iso(createdAt)}`;
}

/** The creation time of a tool-made password; undefined for any other. */
export function toolMadeAt(p: Pick<PasswordInfo, "displayName">): Date | undefined {
  const m = /^easyauth-fleet (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$/.exec(p.displayName ?? "");
  const d = m ? new Date(m[1]!) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
}

export type Step =
  /** addPassword, then publish its text as a new version and read that version back. */
  | { kind: "add"; displayName: string; endDateTime: string }
  /** Copy the plain setting's value of `from` to Key Vault (no new password); `keyId` when the hint names one. */
  | { kind: "migrate"; from: TargetRef; keyId?: string }
  /** Point the site's setting at the version this plan publishes, or at `version`. */
  | { kind: "point"; site: TargetRef; settingName: string; version?: string }
  /** configreferences says Resolved for every site, and a token request with the published secret succeeds. */
  | { kind: "verify" }
  | { kind: "remove"; keyId: string; displayName: string | null; why: "retired" | "never published" };

export interface SecretPlan extends CredentialPlanBase {
  steps: Step[];
  /** Sites covered (same registration, with the setting); their setting names. */
  sites: { ref: TargetRef; settingName: string }[];
}

export interface PlanInput {
  policy: ClientSecretPolicy;
  vaultUrl: string;
  observed: ClientSecretObserved;
  now: Date;
  force: boolean;
  migrate: boolean;
  /** The app's config gives Easy Auth a clientSecretSettingName: an earlier kind of the same run may write it. */
  authPending?: boolean;
}

const time = (s: string | undefined) => (s ? Date.parse(s) : Number.NaN);
const label = (p: PasswordInfo) => `'${p.displayName ?? "(no name)"}' (${p.keyId})`;

/**
 * The pure planner (docs/client-secrets.md, "How one rotation works"):
 * - an app whose setting holds the secret itself is refused, or with `migrate` moved to Key Vault without a new
 *   password;
 * - a new password when nothing valid is published, or when the current one (the one Key Vault's current version
 *   names) is older than maxAge or expires within renewBefore (or --force): add → publish → point every site → verify;
 * - otherwise every site whose setting does not reference the current version is pointed at it, then verified;
 * - older tool-made passwords are removed once the grace period since the current version was published is over,
 *   every site references that version and it resolves; always after a verify step of the same plan. A tool-made
 *   password newer than the published one was never published (a run stopped after addPassword) and is removed.
 *   Passwords the tool did not make are reported, never removed.
 */
export function planClientSecret(i: PlanInput): SecretPlan {
  const { policy, observed: o, now } = i;
  const base: SecretPlan = { steps: [], warnings: [], notes: [], sites: [] };
  const covering = coveredSites(o.sites, (s) => Boolean(s.clientId && s.settingName), {
    authPending: i.authPending,
    what: "Microsoft Entra registration with a clientSecretSettingName",
    fix: "Configure it first (auth.azureActiveDirectory.clientId and clientSecretSettingName; configure-auth), then rotate.",
  });
  if ("early" in covering) return { ...base, ...covering.early };
  const { first, covered } = covering;
  base.warnings.push(...covering.warnings);
  base.notes.push(...covering.notes);
  base.sites = covered.map((s) => ({ ref: s.ref, settingName: s.settingName! }));
  if (!o.application) return { ...base, skipped: unreadableRegistration(first.clientId!) };
  base.appObjectId = o.application.id;
  base.appId = o.application.appId;
  const passwords = o.application.passwords;
  const pub = o.published.state === "found" ? o.published : undefined;
  // A plain value that is a password of the registration (its hint matches) is the secret itself: migrated, or
  // reported. Any other plain value (a placeholder, a stale secret) signs nobody in: it is replaced like an old reference.
  const plain = covered.filter((s) => s.kind === "plain");
  const secrets = plain.filter((s) => passwords.some((p) => p.hint && s.plain!.reveal().startsWith(p.hint)));
  if (secrets.length) return planMigration(i, base, covered, secrets, passwords);
  if (plain.length)
    base.warnings.push(
      `${plain.map((s) => `${targetLabel(s.ref)} ${s.settingName}`).join(", ")}: the setting holds a value that is no password of the registration (a placeholder?): it is replaced by a Key Vault reference`,
    );

  const pubPw = pub?.keyId ? passwords.find((p) => sameId(p.keyId, pub.keyId)) : undefined;
  const reference = (version: string) => keyVaultReference(i.vaultUrl, policy.secretName, version);
  const tool = passwords.filter((p) => toolMadeAt(p));
  const pubMade = pubPw ? (toolMadeAt(pubPw) ?? new Date(time(pubPw.startDateTime))) : undefined;
  // Nothing published and no site resolving a reference (not a moved vault): every tool-made password is one a run
  // added and then stopped before publishing. Nobody holds its text (shown once), so it goes in this plan.
  const inUse = covered.some((s) => s.kind === "reference" && s.resolved?.status === "Resolved");
  const neverPublished = o.published.state === "absent" && !inUse;
  const orphans = pubMade
    ? tool.filter((p) => p !== pubPw && toolMadeAt(p)!.getTime() > pubMade.getTime())
    : neverPublished
      ? tool
      : [];
  const retired = tool.filter((p) => p !== pubPw && !orphans.includes(p));
  for (const p of passwords.filter((x) => !toolMadeAt(x) && x !== pubPw))
    base.warnings.push(`password ${label(p)} was not made by this tool: reported, never removed`);

  let why: string | undefined;
  if (!pub)
    why =
      o.published.state === "disabled"
        ? `the current version of ${policy.secretName} is disabled`
        : `nothing is published to ${policy.secretName} yet`;
  else if (!pubPw) why = `Key Vault's current version names a password that is no longer on the registration`;
  else {
    const age = now.getTime() - pubMade!.getTime();
    const left = time(pubPw.endDateTime) - now.getTime();
    if (i.force) why = `--force: rotating ${label(pubPw)}`;
    else if (age >= policy.maxAgeMs)
      why = `${label(pubPw)} is ${formatDuration(age)} old (maxAge ${formatDuration(policy.maxAgeMs)})`;
    else if (left <= policy.renewBeforeMs)
      why = `${label(pubPw)} expires in ${formatDuration(Math.max(0, left))} (renewBefore ${formatDuration(policy.renewBeforeMs)})`;
  }
  const steps: Step[] = [];
  if (why) {
    base.notes.push(why);
    if (pub && !pubPw) base.warnings.push(why);
    steps.push({
      kind: "add",
      displayName: passwordDisplayName(now),
      endDateTime: iso(new Date(now.getTime() + policy.lifetimeMs)),
    });
    for (const s of covered) steps.push({ kind: "point", site: s.ref, settingName: s.settingName! });
    steps.push({ kind: "verify" });
    for (const p of orphans)
      steps.push({ kind: "remove", keyId: p.keyId, displayName: p.displayName, why: "never published" });
    // The current password retires with the older ones once the new one is published.
    for (const p of [...retired, ...(pubPw && toolMadeAt(pubPw) ? [pubPw] : [])]) {
      if (policy.graceMs === 0)
        steps.push({ kind: "remove", keyId: p.keyId, displayName: p.displayName, why: "retired" });
      else
        base.notes.push(`${label(p)} stays valid for ${formatDuration(policy.graceMs)} after the new one is published`);
    }
    if (pubPw && !toolMadeAt(pubPw))
      base.notes.push(`${label(pubPw)} was not made by this tool: it stays valid after the new one (never removed)`);
    return { ...base, steps };
  }

  const current = pub!;
  const stale = covered.filter((s) => s.reference !== reference(current.version));
  for (const s of stale)
    steps.push({ kind: "point", site: s.ref, settingName: s.settingName!, version: current.version });
  const unresolved = covered.filter(
    (s) => !stale.includes(s) && !(s.resolved?.status === "Resolved" && s.resolved.version === current.version),
  );
  for (const s of unresolved)
    base.warnings.push(
      `${targetLabel(s.ref)}: ${s.settingName} does not resolve (${s.resolved?.status ?? "no status"}): nothing is removed until it does`,
    );
  const graceEnds = (current.publishedAt ?? now).getTime() + policy.graceMs;
  const removable = stale.length === 0 && unresolved.length === 0 && graceEnds <= now.getTime();
  const removals: Step[] = orphans.map((p) => ({
    kind: "remove",
    keyId: p.keyId,
    displayName: p.displayName,
    why: "never published",
  }));
  for (const p of retired) {
    if (removable) removals.push({ kind: "remove", keyId: p.keyId, displayName: p.displayName, why: "retired" });
    else
      base.notes.push(
        `${label(p)} stays valid until ${iso(new Date(graceEnds))} (grace ${formatDuration(policy.graceMs)})${stale.length || unresolved.length ? " and every site resolves the current version" : ""}`,
      );
  }
  if (stale.length || removals.length) steps.push({ kind: "verify" }, ...removals);
  if (!steps.length)
    base.notes.push(
      `${label(pubPw!)} is current and referenced by every site; next rotation when it is ${formatDuration(policy.maxAgeMs)} old or ${formatDuration(policy.renewBeforeMs)} before it expires`,
    );
  return { ...base, steps };
}

function planMigration(
  i: PlanInput,
  base: SecretPlan,
  covered: SiteView[],
  plain: SiteView[],
  passwords: readonly PasswordInfo[],
): SecretPlan {
  const labels = plain.map((s) => `${targetLabel(s.ref)} ${s.settingName}`).join(", ");
  if (!i.migrate)
    return {
      ...base,
      skipped: {
        message: `${labels}: the app setting holds the client secret itself, not a Key Vault reference`,
        fix: "Rerun with --migrate-secret-setting to move it to Key Vault (no new password), or point it at Key Vault by hand.",
      },
    };
  const value = plain[0]!.plain!.reveal();
  if (plain.some((s) => s.plain!.reveal() !== value))
    return {
      ...base,
      refused: {
        message: `${labels}: the slots hold different plain secrets; there is no one value to move to Key Vault`,
        fix: "Make the slots hold the same secret (or Key Vault references) first.",
      },
    };
  const pub = i.observed.published.state === "found" ? i.observed.published : undefined;
  const matches = passwords.filter((p) => p.hint !== undefined && value.startsWith(p.hint));
  const keyId = matches.length === 1 ? matches[0]!.keyId : undefined;
  if (!keyId)
    base.warnings.push(
      `the plain value matches ${matches.length ? "several" : "no"} password of the registration by its hint: published without a credentialKeyId tag; the next run adds a tool-made password`,
    );
  const steps: Step[] = [];
  // A run stopped after copying the value finishes by pointing the settings; the value is not copied twice.
  const copied = pub && pub.value.reveal() === value;
  if (!copied) steps.push({ kind: "migrate", from: plain[0]!.ref, keyId });
  for (const s of covered)
    steps.push({
      kind: "point",
      site: s.ref,
      settingName: s.settingName!,
      ...(copied ? { version: pub.version } : {}),
    });
  steps.push({ kind: "verify" });
  base.notes.push(`moving the client secret of ${labels} to Key Vault secret ${i.policy.secretName} (no new password)`);
  return { ...base, steps };
}

/** The plan's lines: what is added, published, pointed and removed (never a value). */
/** How a plan shows a password it removes (both planners). */
export const passwordRemoval = (s: { keyId: string; displayName: string | null; why: string }): FieldChange => ({
  field: "passwordCredentials",
  path: ["passwordCredentials", s.keyId],
  kind: "remove",
  before: `${s.displayName ?? "(no name)"} (${s.keyId}, ${s.why})`,
});

export function planChanges(plan: SecretPlan, policy: ClientSecretPolicy, o: ClientSecretObserved): FieldChange[] {
  const out: FieldChange[] = [];
  if (plan.deferred)
    out.push({
      field: "passwordCredentials",
      path: ["passwordCredentials", "new"],
      kind: "add",
      after: "a new password, published and referenced once Easy Auth is configured (planned again then)",
      volatile: true,
    });
  const view = (ref: TargetRef) => o.sites.find((s) => targetLabel(s.ref) === targetLabel(ref));
  for (const s of plan.steps) {
    if (s.kind === "add") {
      out.push(
        {
          field: "passwordCredentials",
          path: ["passwordCredentials", "new"],
          kind: "add",
          after: s.displayName,
          volatile: true,
        },
        {
          field: `keyVault.${policy.secretName}`,
          path: ["keyVault", policy.secretName],
          kind: "add",
          after: "new version holding the new password",
          volatile: true,
        },
      );
    } else if (s.kind === "migrate") {
      out.push({
        field: `keyVault.${policy.secretName}`,
        path: ["keyVault", policy.secretName],
        kind: "add",
        after: `new version holding the value now in ${targetLabel(s.from)}'s setting`,
      });
    } else if (s.kind === "point") {
      const v = view(s.site);
      out.push({
        field: `${targetLabel(s.site)}: appSettings.${s.settingName}`,
        path: ["appSettings", targetLabel(s.site), s.settingName],
        kind: v?.kind === "absent" ? "add" : "change",
        ...(v?.kind === "plain" ? { before: "(the secret itself)", sensitive: true } : { before: v?.reference }),
        after: s.version ? `Key Vault reference to version ${s.version}` : "Key Vault reference to the new version",
        security: true,
        volatile: !s.version,
      });
    } else if (s.kind === "remove") out.push(passwordRemoval(s));
  }
  return out;
}
