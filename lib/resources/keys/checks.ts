import { APIM_REFRESH_MS, formatDuration } from "./duration.ts";
import { PRODUCTION, SECRET_NAME, SECRET_PLACEHOLDERS, keyPolicies, policyTargets, secretNameFor } from "./policy.ts";
import type { AppConfig } from "../../pipeline/contract.ts";

export interface KeysCheckResult {
  errors: string[];
  warnings: string[];
}

const LOGICAL = /^[A-Za-z0-9][A-Za-z0-9-]{0,40}$/;
const IN_PLACE = /^_[A-Za-z0-9][A-Za-z0-9_-]{0,40}$/;
// Tags the tool writes on every version (publish.ts); Key Vault allows 15 per version.
export const RESERVED_TAGS = [
  "keyName",
  "logicalKey",
  "site",
  "slot",
  "function",
  "scope",
  "createdOn",
  "publishedOn",
  "managedBy",
];
const MAX_TAGS = 15;

/** Cross-checks of the `keys` policies: names, targets, Key Vault present, secret names valid and unique. */
export function checkKeys(apps: readonly AppConfig[]): KeysCheckResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  // One secret must hold one key of one app/slot, or two rotations would overwrite each other's versions.
  const secrets = new Map<string, string>();
  for (const app of apps) {
    const policies = keyPolicies(app);
    const seen = new Map<string, string>();
    for (const p of policies) {
      const at = p.at;
      const inPlaceName = p.logical.startsWith("_");
      if (inPlaceName) {
        if (!IN_PLACE.test(p.logical)) errors.push(`${at}.name: '${p.logical}' is not a valid key name`);
        if (!p.renewInPlace)
          errors.push(
            `${at}.name: '${p.logical}' starts with '_' (a master or system key): it cannot be rotated with overlap; set renewInPlace: true to accept renewing it in place, or use a named key`,
          );
        if (p.scope !== "host")
          errors.push(`${at}.scope: '_' keys are host keys (_master, system keys); use scope: host`);
      } else {
        if (!LOGICAL.test(p.logical))
          errors.push(
            `${at}.name: '${p.logical}' must be 1-41 letters, digits or '-', starting with a letter or digit (it prefixes the physical names)`,
          );
        if (p.renewInPlace)
          errors.push(
            `${at}.renewInPlace: only '_' keys are renewed in place; '${p.logical}' rotates with overlap (drop renewInPlace)`,
          );
      }
      if (p.scope === "function" && !p.functionName)
        errors.push(`${at}.function: scope 'function' needs the function name`);
      if (p.scope === "host" && p.functionName)
        errors.push(`${at}.function: a host key belongs to no function; drop 'function' or use scope: function`);
      if (!p.vaultUrl)
        errors.push(
          `${at}: no Key Vault target; set keys.vaultUrl (or vaultUrl on the key; 'fromEnv' reads AZURE_KEYVAULT_URL)`,
        );

      const known = new Set([PRODUCTION, ...app.slots.map((s) => s.toLowerCase())]);
      for (const s of p.slots)
        if (s && !known.has(s.toLowerCase()))
          errors.push(`${at}.slots: '${s}' is not 'production' nor a slot listed in apps[${app.index}].slots`);

      const identity = `${p.scope}/${p.functionName?.toLowerCase() ?? ""}/${p.logical.toLowerCase()}`;
      if (seen.has(identity)) errors.push(`${at}: same key as ${seen.get(identity)}; list each logical key once`);
      else seen.set(identity, at);

      for (const r of p.replaces) {
        if (r.toLowerCase() === p.logical.toLowerCase()) continue;
        if (r.toLowerCase() === "default")
          warnings.push(
            `${at}.replaces: 'default' will be deleted after the first rotation's grace period; tools such as Core Tools read keys['default'] implicitly`,
          );
      }
      if (inPlaceName && p.replaces.length) errors.push(`${at}.replaces: an in-place key replaces nothing`);

      const unknown = [...p.secretNameTemplate.matchAll(/\{(\w*)\}/g)]
        .map((m) => m[1]!)
        .filter((n) => !(SECRET_PLACEHOLDERS as readonly string[]).includes(n));
      if (unknown.length)
        errors.push(
          `${at}.secretName: unknown placeholder${unknown.length > 1 ? "s" : ""} ${unknown.map((u) => `{${u}}`).join(", ")}; use {site} {slot} {function} {key}`,
        );
      const targets = policyTargets(app, p);
      if (targets.length > 1 && !p.secretNameTemplate.includes("{slot}"))
        errors.push(`${at}.secretName: ${targets.length} slots would share one secret; add {slot} to the name`);
      for (const t of targets) {
        const name = secretNameFor(p, t);
        if (!SECRET_NAME.test(name)) {
          errors.push(
            `${at}.secretName: '${name}' is not a valid Key Vault secret name (1-127 letters, digits or '-'); set secretName explicitly`,
          );
          continue;
        }
        const id = `${p.vaultUrl ?? ""}|${name}`.toLowerCase();
        const other = secrets.get(id);
        if (other && other !== `${at}`)
          errors.push(
            `${at}.secretName: '${name}' is also used by ${other}; each key of each app and slot needs its own secret`,
          );
        else secrets.set(id, at);
      }

      const userTags = Object.keys(p.tags);
      const clash = userTags.filter((t) => RESERVED_TAGS.some((r) => r.toLowerCase() === t.toLowerCase()));
      if (clash.length)
        errors.push(
          `${at}.tags: ${clash.join(", ")} ${clash.length > 1 ? "are" : "is"} set by the tool on every version; choose other names`,
        );
      if (userTags.length + RESERVED_TAGS.length > MAX_TAGS)
        errors.push(
          `${at}.tags: at most ${MAX_TAGS - RESERVED_TAGS.length} tags (Key Vault allows ${MAX_TAGS} per version; the tool writes ${RESERVED_TAGS.length})`,
        );

      if (p.graceMs < APIM_REFRESH_MS)
        warnings.push(
          `${at}.grace: ${formatDuration(p.graceMs)} is shorter than API Management's 4 h Key Vault refresh; an APIM named value may still hold a deleted key`,
        );
      // A grace period as long as the rotation period keeps every old key alive until the next rotation: keys pile
      // up and a leaked key never expires before its successor does. Refused, naming both fields.
      if (!inPlaceName && p.maxAgeMs <= p.graceMs)
        errors.push(
          `${at}.grace: ${formatDuration(p.graceMs)} must be shorter than maxAge (${formatDuration(p.maxAgeMs)}); old keys would pile up. Shorten grace or lengthen maxAge`,
        );
    }
    const hostNames = new Set(policies.filter((p) => p.scope === "host").map((p) => p.logical.toLowerCase()));
    for (const p of policies) {
      if (p.scope === "function" && hostNames.has(p.logical.toLowerCase())) {
        warnings.push(
          `${p.at}.name: '${p.logical}' is also a host key of this app; a function key with the same name as a host key shadows it for that function`,
        );
      }
    }
  }
  return { errors, warnings };
}
