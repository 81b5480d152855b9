import { send, type Ctx } from "../http.ts";
import { HostUnavailable, retryHeaders, ServiceError } from "../service-error.ts";

/** ARM envelope: `{"error":{"code","message"}}` (CommonDefinitions `DefaultErrorResponse`). */
export function armError(
  ctx: Ctx,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  send(ctx, status, { error: { code, message } }, headers);
}

export const subscriptionNotFound = (ctx: Ctx, subscriptionId: string): void =>
  armError(ctx, 404, "SubscriptionNotFound", `The subscription '${subscriptionId}' could not be found.`);

export const resourceGroupNotFound = (ctx: Ctx, resourceGroup: string): void =>
  armError(ctx, 404, "ResourceGroupNotFound", `Resource group '${resourceGroup}' could not be found.`);

/** `resource` as ARM names it in the message: `Microsoft.Web/sites/{name}` or `…/sites/{name}/slots/{slot}`. */
export const resourceNotFound = (ctx: Ctx, resource: string, resourceGroup: string): void =>
  armError(
    ctx,
    404,
    "ResourceNotFound",
    `The Resource '${resource}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );

/**
 * The legacy App Service (Microsoft.Web RP) shape, PascalCase with `Details[].ErrorEntity`
 * (azure-sdk-for-net#31495; docs/contracts/arm.md §3). Key and host-runtime routes answer in this shape.
 */
export function legacyError(ctx: Ctx, status: number, code: string, message: string, extended?: Extended): void {
  send(ctx, status, {
    Code: code,
    Message: message,
    Target: null,
    Details: [
      { Message: message },
      { Code: code },
      {
        ErrorEntity: {
          ExtendedCode: extended?.code ?? null,
          MessageTemplate: extended?.template ?? message,
          Parameters: extended?.parameters ?? [],
          Code: code,
          Message: message,
        },
      },
    ],
    Innererror: null,
  });
}

type Extended = { code: string; template: string; parameters: string[] };

/** A refusal ARM answers in the legacy shape: key and host routes, the `properties` envelope rule. */
export class LegacyArmError extends ServiceError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly extended?: Extended,
  ) {
    super(status, code, message);
  }
}

/** The body PUTs of keys and auth settings must wrap in `properties` (specs#14557, #29701). */
export function missingProperties(): LegacyArmError {
  return new LegacyArmError(400, "BadRequest", "Properties object is not present in the request body.", {
    code: "51006",
    template: "{0} object is not present in the request body.",
    parameters: ["Properties"],
  });
}

/** How ARM writes a thrown error: the legacy shape for the Functions host and key routes, else the envelope. */
export function armFail(ctx: Ctx, e: ServiceError): void {
  const code = e.code ?? (e.status === 429 ? "TooManyRequests" : "InternalServerError");
  if (e instanceof HostUnavailable || e instanceof LegacyArmError)
    legacyError(ctx, e.status, code, e.message, e instanceof LegacyArmError ? e.extended : undefined);
  else armError(ctx, e.status, code, e.message, retryHeaders(e));
}
