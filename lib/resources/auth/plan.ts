import { getPath, isRecord, jsonEqual, setPath } from "../../azure/json.ts";
import type { AuthConfig } from "./schema.ts";
import { fieldChange } from "../../pipeline/diff.ts";
import type { KindPlan } from "../../pipeline/contract.ts";
import type { FieldChange } from "../../pipeline/model.ts";
import { parseLoginParameters, scopeResources } from "./login-parameters.ts";
import { ownedFields, type AuthContext } from "./owned-fields.ts";
import { configuredProviders } from "./providers.ts";

export interface AuthPlanResult {
  /** The whole `properties` to PUT: the observed document with only the owned fields changed. */
  desired: Record<string, unknown>;
  changes: FieldChange[];
  unchanged: number;
  warnings: string[];
  /** Every owned path, verified after a write. */
  ownedPaths: string[][];
}

/**
 * Pure: observed authsettingsV2 `properties` + config → the document to write and its field-level changes.
 * Everything outside the owned fields (unknown fields included) is carried over untouched.
 */
export function planAuth(observed: Record<string, unknown>, auth: AuthConfig, ctx: AuthContext): AuthPlanResult {
  const desired = structuredClone(observed);
  const changes: FieldChange[] = [];
  let unchanged = 0;
  const fields = ownedFields(auth, ctx);
  for (const f of fields) {
    const before = getPath(observed, f.path);
    const after = f.desired(before);
    const change = fieldChange(f.path, before, after, { security: f.security });
    if (change) {
      changes.push(change);
      setPath(desired, f.path, after);
    } else unchanged++;
  }
  return {
    desired,
    changes,
    unchanged,
    warnings: prerequisiteWarnings(desired),
    ownedPaths: fields.map((f) => f.path),
  };
}

/**
 * What a login asking Easy Auth for another resource's token (ARM user_impersonation, docs/contracts/arm.md §12)
 * needs besides the scope, as far as the document shows.
 */
export function prerequisiteWarnings(props: Record<string, unknown>): string[] {
  const warnings: string[] = [];
  // Enabled alone is what the service fills in for every provider; only a registered one can sign anybody in.
  const anyProvider = configuredProviders(props).length > 0;
  if (
    getPath(props, ["platform", "enabled"]) === true &&
    getPath(props, ["globalValidation", "requireAuthentication"]) === true &&
    !anyProvider
  ) {
    warnings.push("authentication is required but no identity provider is enabled: every request will be refused");
  }
  const aad = getPath(props, ["identityProviders", "azureActiveDirectory"]);
  if (!isRecord(aad)) return warnings;
  const params = getPath(aad, ["login", "loginParameters"]);
  const resources = scopeResources(
    parseLoginParameters(Array.isArray(params) ? params.filter((p): p is string => typeof p === "string") : []).scopes,
  );
  if (resources.length > 1)
    warnings.push(
      `loginParameters ask for scopes of ${resources.join(" and ")}; a token has one audience, so only the first resource's scopes end up in the access token`,
    );
  if (resources.length === 0) return warnings;
  if (getPath(props, ["login", "tokenStore", "enabled"]) !== true)
    warnings.push(
      `token store is off: the ${resources[0]} access token will not be available to the function (set auth.tokenStore: true)`,
    );
  if (!getPath(aad, ["registration", "clientSecretSettingName"]))
    warnings.push(`no clientSecretSettingName: the code flow needed for ${resources[0]} scopes cannot redeem the code`);
  return warnings;
}

/** `platform.configFilePath` when set: the app reads its auth settings from that file, not from this document. */
export function configFileOf(props: Record<string, unknown>): string | undefined {
  const file = getPath(props, ["platform", "configFilePath"]);
  return typeof file === "string" && file ? file : undefined;
}

/** A document whose auth settings come from a file: a PUT would not take effect, so the target is skipped. */
export const fileConfigSkip = <D>(file: string, fix: string): KindPlan<D> => ({
  status: "skip",
  changes: [],
  unchanged: 0,
  warnings: [],
  reason: { message: `auth settings come from a file (${file}); a PUT would not take effect`, fix },
});

/**
 * The app setting that must hold the client secret, when the document asks for resource scopes
 * (docs/contracts/arm.md §12).
 */
export function requiredSecretSetting(props: Record<string, unknown>): string | undefined {
  const aad = getPath(props, ["identityProviders", "azureActiveDirectory"]);
  const params = getPath(aad, ["login", "loginParameters"]);
  const name = getPath(aad, ["registration", "clientSecretSettingName"]);
  const scopes = parseLoginParameters(
    Array.isArray(params) ? params.filter((p): p is string => typeof p === "string") : [],
  ).scopes;
  return typeof name === "string" && name && scopeResources(scopes).length > 0 ? name : undefined;
}

/** Owned fields whose re-read value differs from what was written: the service did not keep them. */
export function unpersistedFields(
  written: Record<string, unknown>,
  reread: Record<string, unknown>,
  paths: readonly string[][],
): string[] {
  return paths
    .filter((p) => !jsonEqual(getPath(reread, p) ?? null, getPath(written, p) ?? null))
    .map((p) => p.join("."));
}

/** What applying one document needs: the whole `properties` to PUT and the owned paths to verify. */
export interface AuthWrite {
  desired: Record<string, unknown>;
  ownedPaths: string[][];
}

/** The kind's pure planner: a file-based config is skipped (a PUT would not take effect); otherwise planAuth. */
export function planAuthDocument(
  props: Record<string, unknown>,
  auth: AuthConfig,
  ctx: AuthContext,
): KindPlan<AuthWrite> {
  const configFile = configFileOf(props);
  if (configFile)
    return fileConfigSkip(
      configFile,
      "Edit that file in the app's content, or clear platform.configFilePath to manage it here.",
    );
  const r = planAuth(props, auth, ctx);
  return {
    status: r.changes.length ? "change" : "no-op",
    changes: r.changes,
    unchanged: r.unchanged,
    warnings: r.warnings,
    detail: { desired: r.desired, ownedPaths: r.ownedPaths },
  };
}
