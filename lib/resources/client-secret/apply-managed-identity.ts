import type { ArmClient } from "../../azure/arm-client.ts";
import { GraphRequestError, type GraphApi } from "../../azure/graph-client.ts";
import { VerificationError } from "../../errors.ts";
import { targetLabel } from "../../pipeline/model.ts";
import { setAppSetting } from "./app-settings.ts";
import { readIdentityApplication, readIdentitySite } from "./observe-managed-identity.ts";
import { matches, type IdentityPlan, type WantedCredential } from "./plan-managed-identity.ts";
import { MI_SETTING_NAME } from "./policy.ts";
import { removePassword } from "./remove-password.ts";
import { isSticky, makeSticky, readSlotConfigNames } from "./slot-settings.ts";

export interface ApplyIdentityContext {
  arm: ArmClient;
  graph: GraphApi;
  appName: string;
  log: (line: string) => void;
}

/**
 * `POST /applications/{id}/federatedIdentityCredentials`, sent once (a create: a retry after a lost answer would be
 * refused as a duplicate name). A 409 (Request_MultipleObjectsWithSameKeyValue) is another run that added it first:
 * the verify step then checks what is listed.
 */
async function federate(ctx: ApplyIdentityContext, appObjectId: string, c: WantedCredential): Promise<string> {
  ctx.log(`${ctx.appName}: POST federatedIdentityCredentials '${c.name}' (subject ${c.subject})`);
  try {
    await ctx.graph.postOnce(`/applications/${appObjectId}/federatedIdentityCredentials`, c);
    return `added federated credential '${c.name}'`;
  } catch (e) {
    if (!(e instanceof GraphRequestError && e.status === 409)) throw e;
    return `federated credential '${c.name}' was already there`;
  }
}

/**
 * The chain as Easy Auth will use it, read back from Azure: the registration lists the credential with the issuer,
 * subject and audience planned, each site still has the identity assigned (same principal) and its setting holds the
 * identity's client id. Any gap stops the plan before a password is removed.
 */
async function verify(ctx: ApplyIdentityContext, plan: IdentityPlan): Promise<string> {
  const identity = plan.identity!;
  const wanted = plan.wanted!;
  const fail = (message: string, fix: string) =>
    new VerificationError(`${message}; no password was removed`, ["federatedIdentityCredentials"], { fix });
  const app = await readIdentityApplication(ctx.graph, plan.appId!);
  const found = app?.federated.find((c) => matches(c, wanted));
  if (!found?.audiences.includes(wanted.audiences[0]!))
    throw fail(
      `the registration lists no federated credential for ${wanted.subject} from ${wanted.issuer}`,
      "Run again (Graph may not have replicated it yet); if it persists, check the registration's federated credentials.",
    );
  for (const ref of plan.sites) {
    const s = await readIdentitySite(ctx.arm, ref, identity.id);
    if (s.identity?.principalId.toLowerCase() !== identity.principalId.toLowerCase())
      throw fail(
        `${targetLabel(ref)}: the identity ${identity.id} is no longer assigned`,
        "Assign it again (az webapp identity assign --identities <id>), then run again.",
      );
    // Passwords go only while Easy Auth reads the identity's setting (as observed when planning: still so now).
    if (plan.steps.some((x) => x.kind === "remove") && s.settingName?.toLowerCase() !== MI_SETTING_NAME.toLowerCase())
      throw fail(
        `${targetLabel(ref)}: Easy Auth reads ${s.settingName ?? "no setting"}, not ${MI_SETTING_NAME}`,
        `Set auth.azureActiveDirectory.clientSecretSettingName: ${MI_SETTING_NAME} (configure-auth), then run again.`,
      );
    if (s.settingValue !== identity.clientId)
      throw fail(
        `${targetLabel(ref)}: ${MI_SETTING_NAME} does not hold the identity's client id`,
        "Run again; if it persists, look for a deployment that rewrites the app settings.",
      );
  }
  if (!isSticky(await readSlotConfigNames(ctx.arm, plan.sites[0]!), MI_SETTING_NAME))
    throw fail(
      `${MI_SETTING_NAME} is not a slot setting of ${targetLabel(plan.sites[0]!)}`,
      "Run again; if it persists, look for a deployment that rewrites the slot settings.",
    );
  return `verified (federated credential '${found.name}' listed; ${plan.sites.length} site(s) hold the identity and ${MI_SETTING_NAME})`;
}

/** Runs the plan's steps in order: federate → settings → verify → remove. An error anywhere stops the sequence. */
export async function applyIdentityPlan(ctx: ApplyIdentityContext, plan: IdentityPlan): Promise<string[]> {
  const done: string[] = [];
  for (const step of plan.steps) {
    switch (step.kind) {
      case "federate":
        done.push(await federate(ctx, plan.appObjectId!, step.credential));
        break;
      case "setting": {
        const changed = await setAppSetting(
          ctx.arm,
          step.site,
          MI_SETTING_NAME,
          step.value,
          ctx.log,
          "the identity's client id",
        );
        done.push(`${targetLabel(step.site)}: ${MI_SETTING_NAME} ${changed ? "→" : "already"} ${step.value}`);
        break;
      }
      case "sticky": {
        const changed = await makeSticky(ctx.arm, step.app, MI_SETTING_NAME, ctx.log);
        done.push(`${MI_SETTING_NAME} ${changed ? "made" : "already"} a slot setting`);
        break;
      }
      case "verify":
        done.push(await verify(ctx, plan));
        break;
      case "remove":
        done.push(await removePassword(ctx.graph, plan.appObjectId!, step, ctx.log, ctx.appName));
        break;
    }
  }
  return done;
}
