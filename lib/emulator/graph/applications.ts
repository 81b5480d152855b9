import { jsonBody, type Ctx } from "../http.ts";
import { lookup, replaceData, sendEntity, wantsUpsert, type GraphEnv, type Req } from "./collection.ts";
import { GraphFault, invalidValue, notFound, sendJson } from "./errors.ts";
import {
  applicationComplexDefaults,
  newApplication,
  normalizeApplication,
  type Application,
  type Stored,
} from "./model.ts";
import { applyPatch } from "./patch.ts";
import { checkApplicationWrite, type RuleEnv } from "./rules.ts";
import { checkBody, requireObject, type Json } from "./schema.ts";

// Server-set or immutable properties (docs/contracts/graph.md §1.2 "read-only, never send").
const READ_ONLY = new Set([
  "id",
  "appId",
  "publisherDomain",
  "createdDateTime",
  "deletedDateTime",
  "createdByAppId",
  "certification",
  "disabledByMicrosoftStatus",
  "isDisabled",
  "managerApplications",
]);

export const callerAppId = (ctx: Ctx): string | null => {
  const id = ctx.principal?.appid ?? ctx.principal?.azp;
  return typeof id === "string" ? id : null;
};

function applicationBody(ctx: Ctx): Json {
  const body = requireObject(jsonBody(ctx));
  checkBody(body, "application", READ_ONLY);
  // passwordCredentials cannot be PATCHed; addPassword/removePassword exist for that (application-update.md; the
  // service message is quoted in msgraph-sdk-dotnet #2788).
  if (Array.isArray(body.passwordCredentials) && body.passwordCredentials.length > 0) {
    throw new GraphFault(
      400,
      "Request_BadRequest",
      "New password credentials must be generated using service actions.",
    );
  }
  return body;
}

function ruleEnv(env: GraphEnv, self: string | undefined): RuleEnv {
  const { state } = env;
  return {
    tenantId: state.tenantId,
    verifiedDomains: state.settings.verifiedDomains,
    others: [...state.applications.values()].map((s) => s.data).filter((a) => a.id !== self),
  };
}

function create(r: Req, body: Json): void {
  const { state } = r.env;
  // displayName is required on create, and the upsert body "must contain displayName" (docs/contracts/graph.md §2.6).
  if (typeof body.displayName !== "string" || body.displayName === "") throw invalidValue("displayName", "Application");
  const app = newApplication(body, {
    now: state.now(),
    publisherDomain: state.settings.verifiedDomains[0] ?? `${state.tenantId}.onmicrosoft.com`,
    createdByAppId: callerAppId(r.ctx),
    defaultSignInAudience: state.settings.defaultSignInAudience,
  });
  checkApplicationWrite(undefined, app, body, ruleEnv(r.env, undefined));
  state.addApplication(app);
  sendEntity(r, 201, app);
}

export function postApplication(r: Req): void {
  create(r, applicationBody(r.ctx));
}

/**
 * PATCH by id or alternate key → 204. `PATCH /applications(uniqueName='…')` with `Prefer: create-if-missing`
 * creates the app → 201 with the object; without the header a missing app is 404 (docs/contracts/graph.md §2.6).
 */
export function patchApplication(r: Req): void {
  const body = applicationBody(r.ctx);
  const key = r.target.key!;
  const found = lookup(r.env, r.target) as Stored<Application> | undefined;
  // The uniqueName index is authoritative: an upsert finds an app even while plain reads still miss it.
  const upsert = key.prop === "uniqueName" && wantsUpsert(r.ctx);
  if (!found && upsert) {
    if (body.uniqueName !== undefined && body.uniqueName !== key.value) throw invalidValue("uniqueName", "Application");
    return create(r, { ...body, uniqueName: key.value });
  }
  if (!found || (!upsert && !r.env.state.visible(found))) throw notFound(key.value);
  const current = found.data;
  const next = normalizeApplication(
    applyPatch(current, body, r.env.state.settings.nestedPatch, applicationComplexDefaults()),
  );
  checkApplicationWrite(current, next, body, ruleEnv(r.env, current.id));
  replaceData(found, next);
  r.env.state.applicationChanged(next);
  sendJson(r.ctx, 204);
}
