import pLimit from "p-limit";
import type { ArmClient } from "../azure/arm-client.ts";
import { AzureRequestError, RefusedError, ToolError, VerificationError, errorMessage } from "../azure/errors.ts";
import { isRecord } from "../azure/json.ts";
import { sitePath } from "../azure/targets.ts";
import type { AppConfig } from "../config/resolve.ts";
import { fingerprint } from "../plan/fingerprint.ts";
import type { PlanHeader, TargetPlan, TargetRef } from "../plan/model.ts";
import { resultOf, type PlannedTarget, type ReconcileSpec } from "../plan/run-command.ts";
import { writeBackup } from "./backup.ts";
import type { AuthContext } from "./owned-fields.ts";
import { planAuth, requiredSecretSetting, unpersistedFields } from "./plan-auth.ts";

export interface RegistrationFacts {
  appId: string;
  tokenVersion: 1 | 2;
}

export interface ConfigureAuthDeps {
  arm: ArmClient;
  /** Tenant of the issuer when the config does not name one. */
  tenantId: string;
  /** Resolves `fromRegistration` (update-manifest's registration lookup); absent = not available. */
  resolveRegistration?: (app: AppConfig) => Promise<RegistrationFacts>;
  backupDir: string;
  migrateV1: boolean;
  concurrency: number;
  /**
   * Also check that the client-secret app setting exists (one POST config/appsettings/list per target that asks for
   * resource scopes). Off by default so a no-op run stays at one read and a change at four calls.
   */
  checkAppSettings?: boolean;
}

interface AuthDoc {
  properties?: Record<string, unknown>;
}

const RESOURCE = "authsettingsV2";

export function authTargets(app: AppConfig, slotFilter?: string): TargetRef[] {
  const all: TargetRef[] = [
    { subscriptionId: app.subscriptionId, resourceGroup: app.resourceGroup, name: app.name },
    ...app.slots.map((slot) => ({ subscriptionId: app.subscriptionId, resourceGroup: app.resourceGroup, name: app.name, slot })),
  ];
  if (!slotFilter) return all;
  const want = slotFilter.toLowerCase();
  return all.filter((t) => (t.slot ?? "production").toLowerCase() === want);
}

async function authContext(app: AppConfig, deps: ConfigureAuthDeps): Promise<AuthContext> {
  const aad = app.auth?.azureActiveDirectory;
  const needsRegistration = aad?.clientId === "fromRegistration" || aad?.tokenVersion === "fromRegistration";
  let reg: RegistrationFacts | undefined;
  if (needsRegistration) {
    if (!deps.resolveRegistration) throw new RefusedError("'fromRegistration' needs the app registration, and no Graph lookup is configured", { fix: "Set clientId and tokenVersion literally, or run with Graph access." });
    reg = await deps.resolveRegistration(app);
  }
  return {
    tenantId: aad?.tenantId ?? deps.tenantId,
    clientId: aad?.clientId === "fromRegistration" ? reg!.appId : aad?.clientId,
    tokenVersion: aad?.tokenVersion === "fromRegistration" ? reg!.tokenVersion : (aad?.tokenVersion ?? 2),
  };
}

function failed(target: TargetRef, e: unknown): TargetPlan {
  return {
    target,
    resource: RESOURCE,
    status: "error",
    changes: [],
    unchanged: 0,
    warnings: [],
    reason: { message: errorMessage(e), fix: e instanceof ToolError ? e.fix : undefined },
  };
}

/** configure-auth as a ReconcileSpec: one authsettingsV2 document per app and slot. */
export function configureAuthSpec(apps: AppConfig[], slotFilter: string | undefined, deps: ConfigureAuthDeps, header: PlanHeader): ReconcileSpec {
  const { arm } = deps;
  const getDoc = async (t: TargetRef) => (await arm.get<AuthDoc>(`${sitePath(t)}/config/authsettingsV2/list`)).body;

  const planTarget = async (app: AppConfig, target: TargetRef, ctx: AuthContext): Promise<PlannedTarget> => {
    const doc = await getDoc(target);
    const observed = isRecord(doc.properties) ? doc.properties : {};
    const fp = fingerprint(observed);
    const base = { target, resource: RESOURCE, fingerprint: fp };
    const configFile = isRecord(observed.platform) ? observed.platform.configFilePath : undefined;
    if (typeof configFile === "string" && configFile) {
      return {
        plan: { ...base, status: "skip", changes: [], unchanged: 0, warnings: [], reason: { message: `auth settings come from a file (${configFile}); a PUT would not take effect`, fix: "Edit that file in the app's content, or clear platform.configFilePath to manage it here." } },
      };
    }
    const result = planAuth(observed, app.auth!, ctx);
    const setting = deps.checkAppSettings ? requiredSecretSetting(result.desired) : undefined;
    if (setting) {
      // Only the names are looked at; the values (secrets) are never kept or printed.
      const settings = await arm.post<{ properties?: Record<string, unknown> }>(`${sitePath(target)}/config/appsettings/list`);
      if (!Object.keys(settings.body.properties ?? {}).includes(setting)) {
        result.warnings.push(`app setting '${setting}' (clientSecretSettingName) does not exist on this ${target.slot ? "slot" : "app"}: sign-in cannot redeem the code; add it as a slot-sticky setting`);
      }
    }
    if (result.changes.length === 0) return { plan: { ...base, status: "no-op", changes: [], unchanged: result.unchanged, warnings: result.warnings } };

    // The V1 check costs a POST (a write-bucket call), so it is made only when a write is planned.
    const v1 = await arm.post<{ properties?: { configVersion?: string } }>(`${sitePath(target)}/config/authsettings/list`);
    const onV1 = v1.body.properties?.configVersion === "v1" && Object.keys(observed).length > 0;
    if (onV1 && !deps.migrateV1) {
      return {
        plan: {
          ...base,
          status: "skip",
          changes: result.changes,
          unchanged: result.unchanged,
          warnings: result.warnings,
          reason: { message: "app uses classic (V1) auth settings; a V2 write would migrate it, and that cannot be undone", fix: "Review the app, then rerun with --migrate-v1 (a backup of the V2 view is written first)." },
        },
      };
    }
    const warnings = onV1 ? ["this write migrates the app from V1 to V2 auth settings (irreversible; --migrate-v1 given)", ...result.warnings] : result.warnings;
    const plan: TargetPlan = { ...base, status: "change", changes: result.changes, unchanged: result.unchanged, warnings };
    return {
      plan,
      apply: async ({ reobserve }) => {
        writeBackup(deps.backupDir, target, RESOURCE, doc);
        if (reobserve) {
          const now = await getDoc(target);
          // No ETag exists for authsettingsV2 (arm-contract §1.4): a re-read is the only way to see another writer.
          if (fingerprint(isRecord(now.properties) ? now.properties : {}) !== fp) {
            throw new RefusedError("authsettingsV2 changed since it was planned (another writer?); not overwritten", { fix: "Run the command again to plan against the current document." });
          }
        }
        await arm.put(`${sitePath(target)}/config/authsettingsV2`, { properties: result.desired });
        const reread = await getDoc(target);
        const lost = unpersistedFields(result.desired, isRecord(reread.properties) ? reread.properties : {}, result.ownedPaths);
        if (lost.length) {
          throw new VerificationError(`the service answered 200 but did not keep: ${lost.join(", ")}`, lost, {
            fix: "Run again; if it persists, set these fields in the portal and report the app (known service quirk, azure-rest-api-specs#18888).",
          });
        }
        return resultOf(plan, "updated");
      },
    };
  };

  return {
    command: "configure-auth",
    header,
    async planAll(progress) {
      const limit = pLimit(Math.max(1, deps.concurrency));
      const jobs = apps
        .filter((a) => a.auth)
        .flatMap((app) => {
          const ctx = authContext(app, deps);
          ctx.catch(() => undefined);
          return authTargets(app, slotFilter).map((target) =>
            limit(async (): Promise<PlannedTarget> => {
              try {
                const planned = await planTarget(app, target, await ctx);
                progress(`planned ${target.name}${target.slot ? `/${target.slot}` : ""}: ${planned.plan.status}`);
                return planned;
              } catch (e) {
                if (!(e instanceof ToolError) && !(e instanceof AzureRequestError)) throw e;
                progress(`planned ${target.name}${target.slot ? `/${target.slot}` : ""}: error`);
                return { plan: failed(target, e) };
              }
            }),
          );
        });
      return Promise.all(jobs);
    },
  };
}
