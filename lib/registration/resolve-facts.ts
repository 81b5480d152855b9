import { RefusedError } from "../azure/errors.ts";
import type { AppConfig } from "../config/resolve.ts";
import type { RegistrationFacts } from "../auth/configure.ts";
import type { Session } from "../cli/common.ts";

/**
 * Resolves `clientId: fromRegistration` / `tokenVersion: fromRegistration` from the app's registration.
 * Placeholder until update-manifest's Graph client lands: only a literal `registration.appId` is known.
 */
export function registrationResolver(_session: Session): (app: AppConfig) => Promise<RegistrationFacts> {
  return async (app) => {
    const appId = app.registration?.appId;
    if (typeof appId !== "string") throw new RefusedError(`apps[${app.index}]: cannot resolve 'fromRegistration' without Graph`, { fix: "Set registration.appId, or run update-manifest first." });
    return { appId, tokenVersion: 2 };
  };
}
