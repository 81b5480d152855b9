import { getPath } from "../../azure/json.ts";
import { finding, type Check } from "../check.ts";
import type { CheckDefinition } from "../finding.ts";
import type { AuditObservations } from "../observation.ts";
import { MI_SETTING_NAME } from "../../resources/client-secret/policy.ts";
import { registrationTarget } from "./registration.ts";
import { configuredAad } from "./view.ts";

/** The client secret Easy Auth redeems codes with: where it is stored, and when the registration's passwords end. */

const def = (d: Omit<CheckDefinition, "area">): CheckDefinition => ({ area: "client-secret", ...d });
const DAY_MS = 86_400_000;
export const EXPIRY_WARNING_DAYS = 30;

const EA030 = def({
  id: "EA030",
  severity: "high",
  title: "The client secret is a plain app setting",
  description:
    "The app setting named by clientSecretSettingName holds the secret itself instead of a Key Vault reference (@Microsoft.KeyVault(...)): anyone who can read app settings (Website Contributor, the portal, deployment logs) reads the secret, and rotation means editing every app.",
  fix: "Store the secret in Key Vault and set the app setting to @Microsoft.KeyVault(SecretUri=...).",
  configField: "apps[].auth.azureActiveDirectory.clientSecretSettingName",
  docsAnchor: "client-secret-storage-and-expiry",
});

const EA031 = def({
  id: "EA031",
  severity: "medium",
  title: "A registration password expires within 30 days",
  description:
    "When the password Easy Auth uses expires, sign-in fails with AADSTS7000222 (invalid client secret) for every user.",
  fix: "Add a new password, store it in Key Vault, point the app setting at it, then remove the old one.",
  configField: "apps[].registration",
  docsAnchor: "client-secret-storage-and-expiry",
});

const EA032 = def({
  id: "EA032",
  severity: "high",
  title: "A registration password has expired",
  description:
    "An expired password cannot redeem codes: if Easy Auth still uses it, every sign-in fails with AADSTS7000222.",
  fix: "Add a new password, store it in Key Vault, point the app setting at it, and remove the expired one.",
  configField: "apps[].registration",
  docsAnchor: "client-secret-storage-and-expiry",
});

/** Password credentials of the found registrations, with the days left (negative: expired). */
function passwords(o: AuditObservations) {
  const now = Date.parse(o.now);
  return Object.values(o.registrations).flatMap((r) =>
    r.found
      ? r.passwordCredentials.flatMap((p) => {
          const end = p.endDateTime ? Date.parse(p.endDateTime) : Number.NaN;
          return Number.isNaN(end) ? [] : [{ r, p, daysLeft: (end - now) / DAY_MS }];
        })
      : [],
  );
}

const passwordEvidence = (p: { keyId: string; displayName: string | null; endDateTime: string | null }) => ({
  keyId: p.keyId,
  displayName: p.displayName,
  endDateTime: p.endDateTime,
});
const at = (appIndex: number | undefined) =>
  appIndex === undefined ? undefined : { appIndex, configPath: "registration" };

export const clientSecretChecks: Check[] = [
  {
    definition: EA030,
    run: (o) =>
      o.sites.flatMap((s) => {
        const aad = s.auth ? configuredAad(s.auth) : undefined;
        const name = aad ? getPath(aad, ["registration", "clientSecretSettingName"]) : undefined;
        const setting = typeof name === "string" ? s.appSettings?.find((a) => a.name === name) : undefined;
        const out = [];
        // Secretless Easy Auth names a setting that holds the managed identity's client id, which is no secret.
        if (setting && !setting.keyVaultReference && setting.name !== MI_SETTING_NAME)
          out.push(
            finding(
              EA030,
              s.target,
              `app setting '${setting.name}' holds the client secret itself, not a Key Vault reference`,
              { setting: setting.name, keyVaultReference: false },
              { appIndex: s.appIndex, configPath: "auth.azureActiveDirectory.clientSecretSettingName" },
            ),
          );
        if (s.v1?.configVersion === "v1" && s.v1.inlineClientSecret)
          out.push(
            finding(
              EA030,
              s.target,
              "the V1 auth settings hold the client secret inline (clientSecret), not a Key Vault reference",
              { field: "clientSecret", keyVaultReference: false },
              { appIndex: s.appIndex, configPath: "auth" },
            ),
          );
        return out;
      }),
  },
  {
    definition: EA031,
    run: (o) =>
      passwords(o)
        .filter(({ daysLeft }) => daysLeft >= 0 && daysLeft <= EXPIRY_WARNING_DAYS)
        .map(({ r, p, daysLeft }) =>
          finding(
            EA031,
            registrationTarget(r),
            `password '${p.displayName ?? p.keyId}' expires in ${Math.floor(daysLeft)} days`,
            passwordEvidence(p),
            at(r.appIndex),
          ),
        ),
  },
  {
    definition: EA032,
    run: (o) =>
      passwords(o)
        .filter(({ daysLeft }) => daysLeft < 0)
        .map(({ r, p }) =>
          finding(
            EA032,
            registrationTarget(r),
            `password '${p.displayName ?? p.keyId}' expired on ${p.endDateTime}`,
            passwordEvidence(p),
            at(r.appIndex),
          ),
        ),
  },
];
