import { RefusedError } from "../../errors.ts";
import type { GraphApi } from "../../azure/graph-client.ts";
import type { AppConfig } from "../../pipeline/contract.ts";
import type { RetryPolicy } from "./consistency.ts";
import { registrationAddress } from "./desired.ts";
import { readApplication } from "./observe.ts";

// Shorter than after a create: this lookup usually comes minutes after update-manifest, and a registration that is
// simply missing should fail within seconds (0.25 s doubling, 6 tries: about 8 s).
export const RESOLVE_RETRY: RetryPolicy = { attempts: 6, initialDelayMs: 250, maxDelayMs: 4_000 };

/** What Easy Auth takes from the registration when the config says `fromRegistration`. */
export interface RegistrationFacts {
  appId: string;
  tokenVersion: 1 | 2;
}

export interface ResolverOptions {
  /** Back-off for a registration created moments ago (update-manifest right before configure-auth). */
  retry?: RetryPolicy;
}

/**
 * Resolves `clientId: fromRegistration` / `tokenVersion: fromRegistration` from the app's registration in Graph,
 * addressed by appId or uniqueName as update-manifest addresses it. A 404 is polled with bounded back-off first: a
 * registration created seconds ago may not be replicated yet (docs/contracts/graph.md §5.2). One read per app.
 */
export function registrationResolver(
  graph: () => GraphApi,
  opts: ResolverOptions = {},
): (app: AppConfig) => Promise<RegistrationFacts> {
  const cache = new Map<string, Promise<RegistrationFacts>>();
  const resolve = async (app: AppConfig): Promise<RegistrationFacts> => {
    const reg = app.registration;
    if (!reg?.appId && !reg?.uniqueName) {
      throw new RefusedError(
        `apps[${app.index}].registration: 'fromRegistration' needs the registration's appId or uniqueName`,
        { fix: "Add registration.uniqueName (or appId) to the app." },
      );
    }
    const found = await readApplication(
      graph(),
      reg.appId ? { appId: reg.appId } : { uniqueName: reg.uniqueName },
      opts.retry ?? RESOLVE_RETRY,
    );
    if (!found) {
      throw new RefusedError(
        `apps[${app.index}]: ${registrationAddress(reg)} does not exist, so 'fromRegistration' cannot be resolved`,
        {
          fix: "Run update-manifest for this app first (it creates the registration), or set clientId and tokenVersion literally.",
        },
      );
    }
    // A null token version is v1 ("If the value is null, this defaults to 1", docs/contracts/graph.md §1.2).
    return { appId: found.appId, tokenVersion: found.api.requestedAccessTokenVersion === 2 ? 2 : 1 };
  };
  return (app) => {
    const key = registrationAddress(app.registration ?? {});
    let p = cache.get(key);
    if (!p) {
      p = resolve(app);
      cache.set(key, p);
    }
    return p;
  };
}
