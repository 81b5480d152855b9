import { send, type Ctx } from "../http.ts";

/** ARM envelope: `{"error":{"code","message"}}` (CommonDefinitions `DefaultErrorResponse`). */
export function armError(ctx: Ctx, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  send(ctx, status, { error: { code, message } }, headers);
}

/**
 * The legacy App Service (Microsoft.Web RP) shape, PascalCase with `Details[].ErrorEntity`
 * (azure-sdk-for-net#31495; arm-contract §3). Key and host-runtime routes answer in this shape.
 */
export function legacyError(ctx: Ctx, status: number, code: string, message: string, extended?: { code: string; template: string; parameters: string[] }): void {
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

/** What a stopped, cold or broken Functions host makes ARM answer on key routes (azure-cli#20892, functions-host#6255). */
export function hostRuntimeUnavailable(ctx: Ctx): void {
  legacyError(ctx, 400, "BadRequest", "Encountered an error (ServiceUnavailable) from host runtime.");
}
