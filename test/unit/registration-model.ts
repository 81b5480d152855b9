// A model of Graph for the pure planner's tests, built from the emulator's own pure rule functions, so a plan that
// the emulator (and Graph) would refuse fails here too. Not a test file itself.
import { randomUUID } from "node:crypto";
import {
  applicationComplexDefaults,
  newApplication,
  normalizeApplication,
  type Application,
} from "../../lib/emulator/graph/model.ts";
import { applyPatch, type NestedPatchMode } from "../../lib/emulator/graph/patch.ts";
import { checkApplicationWrite, type RuleEnv } from "../../lib/emulator/graph/rules.ts";
import { checkBody, type Json } from "../../lib/emulator/graph/schema.ts";
import { applicationOf } from "../../lib/resources/registration/observe.ts";
import {
  APP_ID,
  SP_ID,
  type GraphStep,
  type Observed,
  type ObservedGrant,
  type ObservedServicePrincipal,
} from "../../lib/resources/registration/types.ts";

export const TENANT = "7e3a0f1c-5b2d-4c8e-9a61-0d4f2b8c6e11";
// What a GET returns that a PATCH must never carry (docs/contracts/graph.md §1.2 "read-only, never send", §2.3).
const READ_ONLY = new Set([
  "id",
  "appId",
  "publisherDomain",
  "createdDateTime",
  "deletedDateTime",
  "createdByAppId",
  "certification",
  "oauth2RequiredPostResponse",
]);

export interface World {
  app?: Application;
  sp?: ObservedServicePrincipal;
  grants: ObservedGrant[];
  resources: Observed["resources"];
  /** Every application body written, in order, with the stored state before it. */
  history: Array<{ before: Application | undefined; body: Json; after: Application }>;
}

const ruleEnv: RuleEnv = { tenantId: TENANT, verifiedDomains: ["emulated.onmicrosoft.com"], others: [] };

export function observe(w: World): Observed {
  return {
    application: w.app && applicationOf(w.app),
    servicePrincipal: w.sp,
    grants: w.grants.filter((g) => g.clientId === w.sp?.id),
    resources: w.resources,
  };
}

function fill(body: Json, w: World): Json {
  let text = JSON.stringify(body);
  if (w.app) text = text.replaceAll(APP_ID, w.app.appId);
  if (w.sp) text = text.replaceAll(SP_ID, w.sp.id);
  if (text.includes(APP_ID) || text.includes(SP_ID)) throw new Error(`placeholder left in ${text}`);
  return JSON.parse(text) as Json;
}

/** Applies planned steps as Graph would, throwing what the emulator would answer. `nested: "replace"` proves whole `api` objects are sent. */
export function applyToWorld(w: World, steps: GraphStep[], nested: NestedPatchMode = "replace"): void {
  for (const step of steps) {
    const body = "body" in step ? fill(step.body, w) : {};
    switch (step.op) {
      case "createApplication": {
        checkBody(body, "application", READ_ONLY);
        const app = newApplication(
          { ...body, uniqueName: step.uniqueName },
          {
            now: Date.now(),
            publisherDomain: "emulated.onmicrosoft.com",
            createdByAppId: null,
            defaultSignInAudience: "AzureADandPersonalMicrosoftAccount",
          },
        );
        checkApplicationWrite(undefined, app, body, ruleEnv);
        w.history.push({ before: undefined, body, after: app });
        w.app = app;
        break;
      }
      case "patchApplication": {
        if (!w.app) throw new Error("PATCH before create");
        checkBody(body, "application", READ_ONLY);
        const next = normalizeApplication(applyPatch(w.app, body, nested, applicationComplexDefaults()));
        checkApplicationWrite(w.app, next, body, ruleEnv);
        w.history.push({ before: w.app, body, after: next });
        w.app = next;
        break;
      }
      case "createServicePrincipal":
        if (!w.app) throw new Error("service principal before its application");
        if (w.sp) throw new Error("second service principal");
        w.sp = {
          id: randomUUID(),
          appId: w.app.appId,
          appRoleAssignmentRequired: body.appRoleAssignmentRequired === true,
          tags: (body.tags as string[] | undefined) ?? [],
        };
        break;
      case "patchServicePrincipal":
        if (!w.sp) throw new Error("PATCH of a missing service principal");
        w.sp = { ...w.sp, ...(body as Partial<ObservedServicePrincipal>) };
        break;
      case "createGrant": {
        const g = body as unknown as ObservedGrant;
        if (w.grants.some((x) => x.clientId === g.clientId && x.resourceId === g.resourceId))
          throw new Error("Permission entry already exists.");
        w.grants.push({
          id: randomUUID(),
          clientId: g.clientId,
          resourceId: g.resourceId,
          consentType: g.consentType,
          scope: g.scope,
        });
        break;
      }
      case "patchGrant": {
        const g = w.grants.find((x) => x.id === step.grantId);
        if (!g) throw new Error("PATCH of a missing grant");
        g.scope = String(body.scope);
        break;
      }
    }
  }
}
