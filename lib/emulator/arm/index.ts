import { authorizeArm } from "../authorization/arm.ts";
import { bearer, type Ctx, type Route } from "../http.ts";
import { peekAudience, type Directory } from "../directory.ts";
import { routeOperation, type MountedService } from "../service.ts";
import type { Throttle } from "../throttle.ts";
import { RESOURCES_API_VERSIONS, WEB_API_VERSIONS } from "./api-versions.ts";
import { authSettingsRoutes } from "./auth-settings.ts";
import { configReferenceAdminRoutes, configReferenceRoutes, type ConfigReferenceEnv } from "./config-references.ts";
import { armError, armFail, subscriptionNotFound } from "./errors.ts";
import { functionKeyRoutes } from "./functions-keys.ts";
import { genericResourceRoutes } from "./generic-resources.ts";
import { identityAdminRoutes } from "./identity.ts";
import { slotConfigNamesRoutes } from "./slot-config-names.ts";
import type { ArmEnv } from "./model.ts";
import { resourceRoutes } from "./resources.ts";
import { siteConfigRoutes } from "./site-config.ts";

/** Azure Resource Manager for Microsoft.Web sites and Microsoft.Resources (docs/emulator.md, "What it enforces"). */
export function createArmService(
  env: ArmEnv,
  dir: Directory,
  throttle: Throttle,
  refs?: ConfigReferenceEnv,
): MountedService {
  const routes: Route[] = [
    ...resourceRoutes(env),
    ...(refs ? configReferenceRoutes(env, refs) : []),
    ...genericResourceRoutes(env),
    ...siteConfigRoutes(env),
    ...slotConfigNamesRoutes(env),
    ...authSettingsRoutes(env),
    ...functionKeyRoutes(env),
  ];

  const authenticate = async (ctx: Ctx): Promise<boolean> => {
    const result = await dir.authenticate(ctx, dir.audiences.arm);
    if (!result) return true;
    const challenge = {
      "www-authenticate": `Bearer authorization_uri="${env.baseUrl()}/${dir.tenantId}", error="invalid_token", error_description="${result}"`,
    };
    const [code, message] = {
      missing: ["AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."],
      invalid: ["InvalidAuthenticationToken", "The access token is invalid."],
      expired: ["ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time."],
      audience: [
        "InvalidAuthenticationTokenAudience",
        `The access token has been obtained for wrong audience or resource '${peekAudience(bearer(ctx))}'. It should exactly match with one of the allowed audiences ${dir.audiences.arm.map((a) => `'${a}'`).join(",")}.`,
      ],
    }[result];
    armError(ctx, 401, code!, message!, challenge);
    return false;
  };

  const apiVersionOk = (ctx: Ctx): boolean => {
    const v = ctx.query.get("api-version");
    if (!v) {
      armError(
        ctx,
        400,
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
      );
      return false;
    }
    const isWeb = /\/providers\/Microsoft\.Web\//i.test(ctx.path);
    const known = isWeb ? WEB_API_VERSIONS : RESOURCES_API_VERSIONS;
    if (known.includes(v)) return true;
    if (isWeb) {
      armError(
        ctx,
        400,
        "NoRegisteredProviderFound",
        `No registered resource provider found for location 'westeurope' and API version '${v}' for type 'sites'. The supported api-versions are '${WEB_API_VERSIONS.join(", ")}'. The supported locations are 'westeurope, northeurope, eastus, westus'.`,
      );
    } else {
      armError(
        ctx,
        400,
        "InvalidApiVersionParameter",
        `The api-version '${v}' is invalid. The supported versions are '${RESOURCES_API_VERSIONS.join(",")}'.`,
      );
    }
    return false;
  };

  return {
    name: "arm",
    prefix: /^\/(subscriptions|tenants)(\/|$)/i,
    store: env.state,
    adminRoutes: [...(refs ? configReferenceAdminRoutes(refs) : []), ...identityAdminRoutes(env.state, dir)],
    fail: armFail,
    async handle(ctx) {
      ctx.res.setHeader("x-ms-request-id", ctx.requestId);
      ctx.res.setHeader(
        "x-ms-correlation-request-id",
        String(ctx.req.headers["x-ms-correlation-request-id"] ?? ctx.requestId),
      );
      ctx.res.setHeader(
        "x-ms-routing-request-id",
        `WESTEUROPE:${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}Z:${ctx.requestId}`,
      );
      if (!(await authenticate(ctx))) return;
      const sub = /^\/subscriptions\/([^/]+)/i.exec(ctx.path)?.[1];
      if (sub) {
        const t = throttle.take(sub, ctx.method);
        ctx.res.setHeader(`x-ms-ratelimit-remaining-subscription-${t.kind}`, String(t.remaining));
        if (!t.ok) {
          return armError(
            ctx,
            429,
            "SubscriptionRequestsThrottled",
            `Number of '${t.kind}' requests for subscription '${sub}' actor '${ctx.principal?.oid}' exceeded. Please try again after '${t.retryAfterSeconds}' seconds after the last request.`,
            { "retry-after": String(t.retryAfterSeconds) },
          );
        }
      }
      if (!apiVersionOk(ctx)) return;
      const op = routeOperation(ctx, routes, (c, why) =>
        why === "method"
          ? armError(c, 405, "MethodNotAllowed", `The requested resource does not support http method '${c.method}'.`)
          : armError(
              c,
              404,
              "NotFound",
              `No HTTP resource was found that matches the request URI '${c.url.origin}${c.path}'.`,
            ),
      );
      if (op && sub && !env.state.subscription(sub)) return subscriptionNotFound(ctx, sub);
      // RBAC is checked on a request that names a real operation: an unknown path stays a 404 for everyone.
      if (op && env.authorization) authorizeArm(env.authorization, ctx);
      return op;
    },
  };
}
