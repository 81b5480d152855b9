import { getPath } from "../../azure/json.ts";
import { sitePath } from "../../azure/targets.ts";
import type { KindPlan, ResourceKind } from "../../pipeline/contract.ts";
import { fingerprint } from "../../pipeline/fingerprint.ts";
import { registrationResolver } from "../registration/resolve-facts.ts";
import { putAuthDoc, verifyAuthDoc } from "./apply.ts";
import { authSlice } from "./config.ts";
import { authExporter, authRestorer } from "./export.ts";
import { authContext, authTargets, propertiesOf, readAuthDoc, type AuthObserved, type AuthTarget } from "./observe.ts";
import { planAuthDocument, requiredSecretSetting, type AuthWrite } from "./plan.ts";

const DEFAULT_BACKUP_DIR = ".backups/configure-auth";

/** Easy Auth: one authsettingsV2 document per app and slot, replaced whole with only the owned fields changed. */
export const authKind: ResourceKind<AuthTarget, AuthObserved, AuthWrite> = {
  kind: "auth",
  command: "configure-auth",
  service: "arm",
  config: authSlice,
  exporter: authExporter,
  restorer: authRestorer,
  options: {
    "migrate-v1": {
      type: "boolean",
      description: "Allow writing to apps still on V1 auth (migrates them; irreversible)",
    },
    "check-app-settings": {
      type: "boolean",
      description:
        "Also check the client-secret app setting exists (one extra POST per target asking for resource scopes)",
    },
    "backup-dir": {
      type: "string",
      valueName: "dir",
      description: "Where the document is saved before each PUT",
      default: DEFAULT_BACKUP_DIR,
    },
  },
  targets: (apps, sel) => apps.flatMap((app) => authTargets(app, sel.slot)),
  bind(run) {
    const { arm } = run;
    // The run's cloud: its authority names the openIdIssuer.
    const { cloud } = run;
    const resolve = registrationResolver(run.graph);
    const backupDir = typeof run.flags["backup-dir"] === "string" ? run.flags["backup-dir"] : DEFAULT_BACKUP_DIR;
    /**
     * Moving Easy Auth from a setting it reads today to one the app does not have would break every sign-in at once
     * (the secretless switch to OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID before the identity chain exists, a typo): such a
     * target is skipped until the setting exists. One POST appsettings/list, made only for such a switch.
     */
    const missingSecretSetting = async (
      t: AuthTarget,
      current: Record<string, unknown>,
      desired: Record<string, unknown>,
      plan: KindPlan<AuthWrite>,
      settingNames: () => Promise<string[]>,
    ): Promise<KindPlan<AuthWrite>> => {
      const at = ["identityProviders", "azureActiveDirectory", "registration", "clientSecretSettingName"];
      const [from, to] = [getPath(current, at), getPath(desired, at)];
      if (typeof from !== "string" || !from || typeof to !== "string" || !to || from === to) return plan;
      if ((await settingNames()).some((k) => k.toLowerCase() === to.toLowerCase())) return plan;
      return {
        ...plan,
        status: "skip",
        reason: {
          message: `clientSecretSettingName would move from '${from}' to '${to}', which this ${t.ref.slot ? "slot" : "app"} has no app setting for: every sign-in would fail; nothing was written`,
          fix: `Create '${to}' first (rotate-keys does, for a clientSecret: policy, the secretless one included), then run again.`,
        },
      };
    };
    return {
      lockKey: (t) => `${sitePath(t.ref)}/config/authsettingsV2`,
      async observe(t, ctx) {
        // One registration lookup per app, shared by its slots.
        const context = await ctx.memo(`auth-context|${t.app.index}`, () =>
          authContext(t.app, run.tenantId, resolve, cloud),
        );
        const doc = await readAuthDoc(arm, t.ref);
        return { doc, properties: propertiesOf(doc), context };
      },
      // No ETag exists for authsettingsV2 (docs/contracts/arm.md §1.4): the document's hash stands in for one.
      fingerprint: (o) => fingerprint(o.properties),
      // The PUT replaces the whole document: what a hand edit or another run wrote since the plan would be lost.
      async reread(t, o) {
        const doc = await readAuthDoc(arm, t.ref);
        return { ...o, doc, properties: propertiesOf(doc) };
      },
      plan: (t, o) => planAuthDocument(o.properties, t.app.auth!, o.context),
      async refine(t, o, plan): Promise<KindPlan<AuthWrite>> {
        const desired = plan.detail?.desired;
        if (!desired) return plan;
        // One POST appsettings/list at most per target, for whichever check needs it; only the names are looked at,
        // the values (secrets) are never kept or printed.
        let names: Promise<string[]> | undefined;
        const settingNames = () =>
          (names ??= arm
            .post<{ properties?: Record<string, unknown> }>(`${sitePath(t.ref)}/config/appsettings/list`)
            .then((r) => Object.keys(r.body.properties ?? {})));
        const setting = run.flags["check-app-settings"] ? requiredSecretSetting(desired) : undefined;
        if (setting) {
          if (!(await settingNames()).includes(setting)) {
            plan.warnings.push(
              `app setting '${setting}' (clientSecretSettingName) does not exist on this ${t.ref.slot ? "slot" : "app"}: sign-in cannot redeem the code; add it as a slot-sticky setting`,
            );
          }
        }
        if (plan.status !== "change") return plan;
        // The V1 check costs a POST (a write-bucket call), so it is made only when a write is planned.
        const v1 = await arm.post<{ properties?: { configVersion?: string } }>(
          `${sitePath(t.ref)}/config/authsettings/list`,
        );
        const onV1 = v1.body.properties?.configVersion === "v1" && Object.keys(o.properties).length > 0;
        if (!onV1) return missingSecretSetting(t, o.properties, desired, plan, settingNames);
        if (!run.flags["migrate-v1"]) {
          return {
            ...plan,
            status: "skip",
            reason: {
              message: "app uses classic (V1) auth settings; a V2 write would migrate it, and that cannot be undone",
              fix: "Review the app, then rerun with --migrate-v1 (a backup of the V2 view is written first).",
            },
          };
        }
        return {
          ...plan,
          warnings: [
            "this write migrates the app from V1 to V2 auth settings (irreversible; --migrate-v1 given)",
            ...plan.warnings,
          ],
        };
      },
      async apply(t, plan, o) {
        await putAuthDoc(arm, t.ref, o.doc, plan.detail!, backupDir, {
          kind: "auth",
          tenantId: run.tenantId,
          toolVersion: run.toolVersion,
        });
        return {};
      },
      verify: (t, plan) => verifyAuthDoc(arm, t.ref, plan.detail!),
    };
  },
};
