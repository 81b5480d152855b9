import type { ArmClient } from "../../azure/arm-client.ts";
import { armResourceProperties } from "../../azure/answer-shape.ts";
import type { Cloud } from "../../azure/clouds.ts";
import { isRecord } from "../../azure/json.ts";
import { sitePath, type TargetRef } from "../../azure/targets.ts";
import { RefusedError } from "../../errors.ts";
import type { AppConfig, KindTarget } from "../../pipeline/contract.ts";
import { siteRefs } from "../../pipeline/app-targets.ts";
import type { RegistrationFacts } from "../registration/resolve-facts.ts";
import type { AuthContext } from "./owned-fields.ts";

export const AUTH_RESOURCE = "authsettingsV2";

export interface AuthTarget extends KindTarget {
  app: AppConfig;
}

export interface AuthDoc {
  properties?: Record<string, unknown>;
}

/** One authsettingsV2 document as read, with the values planning resolves from the tenant and the registration. */
export interface AuthObserved {
  doc: AuthDoc;
  properties: Record<string, unknown>;
  context: AuthContext;
}

/** Production and each slot of an app with `auth`; `--slot` narrows it ('production' is the app itself). */
export function authTargets(app: AppConfig, slotFilter?: string): AuthTarget[] {
  if (!app.auth) return [];
  return siteRefs(app, slotFilter).map((ref) => ({ ref, resource: AUTH_RESOURCE, app }));
}

/**
 * GET …/config/authsettingsV2/list: the root GET redacts secrets-adjacent fields, so the full document is the POST-less
 * /list. The answer is checked to be that document (id, `properties` object) before anything is planned on it: a 200
 * with an error body or another shape would otherwise plan every owned field as new, and the whole-document PUT would
 * wipe the app's other providers and unknown fields.
 */
export async function readAuthDoc(arm: ArmClient, t: TargetRef): Promise<AuthDoc> {
  const path = `${sitePath(t)}/config/authsettingsV2/list`;
  const body = (await arm.get<unknown>(path)).body;
  armResourceProperties(body, { service: "arm", method: "GET", path }, "/config/authsettingsV2");
  return body as AuthDoc;
}

export const propertiesOf = (doc: AuthDoc): Record<string, unknown> => (isRecord(doc.properties) ? doc.properties : {});

export type ResolveRegistration = (app: AppConfig) => Promise<RegistrationFacts>;

/**
 * Tenant, client id and token version: literal from the config, or read from the registration (`fromRegistration`);
 * the cloud is the run's (its authority names the issuer).
 */
export async function authContext(
  app: AppConfig,
  tenantId: string,
  resolveRegistration: ResolveRegistration,
  cloud?: Cloud,
): Promise<AuthContext> {
  const aad = app.auth?.azureActiveDirectory;
  const needsRegistration = aad?.clientId === "fromRegistration" || aad?.tokenVersion === "fromRegistration";
  let reg: RegistrationFacts | undefined;
  if (needsRegistration) {
    if (!app.registration)
      throw new RefusedError("'fromRegistration' needs the app registration, and the app has none", {
        fix: "Set clientId and tokenVersion literally, or add a registration block.",
      });
    reg = await resolveRegistration(app);
  }
  return {
    tenantId: aad?.tenantId ?? tenantId,
    clientId: aad?.clientId === "fromRegistration" ? reg!.appId : aad?.clientId,
    tokenVersion: aad?.tokenVersion === "fromRegistration" ? reg!.tokenVersion : (aad?.tokenVersion ?? 2),
    ...(cloud ? { cloud } : {}),
  };
}
