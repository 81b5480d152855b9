import type { TargetRef } from "../../azure/targets.ts";
import { targetLabel } from "../../pipeline/model.ts";

export const sameId = (a: string | undefined | null, b: string | undefined | null): boolean =>
  !!a && !!b && a.toLowerCase() === b.toLowerCase();

/** What both planners answer besides their steps. */
export interface CredentialPlanBase {
  warnings: string[];
  notes: string[];
  refused?: { message: string; fix: string };
  skipped?: { message: string; fix: string };
  /** Easy Auth names no registration or setting yet, but the config's auth block will (apply runs it first). */
  deferred?: boolean;
  appObjectId?: string;
  appId?: string;
}

interface SiteView {
  ref: TargetRef;
  clientId?: string | null;
}

export type Covering<S> =
  | { early: { deferred: true; notes: string[] } | { skipped: { message: string; fix: string } } }
  | { first: S; covered: S[]; warnings: string[]; notes: string[] };

/**
 * The sites one credential policy covers, shared by the secret and the secretless planners: those whose Easy Auth
 * signs in with the first named registration (slots share it); any other registration is warned about, a site Easy
 * Auth names none on is left alone. With nothing named yet, the plan waits for the auth kind of the same run
 * (`authPending`) or is skipped with the fix.
 */
export function coveredSites<S extends SiteView>(
  sites: readonly S[],
  named: (s: S) => boolean,
  o: { authPending?: boolean; what: string; fix: string },
): Covering<S> {
  const list = sites.filter(named);
  const first = list[0];
  if (!first && o.authPending)
    return {
      early: {
        deferred: true,
        notes: [`Easy Auth names no ${o.what} yet: planned again once this run has configured it`],
      },
    };
  if (!first) return { early: { skipped: { message: `Easy Auth has no ${o.what} here`, fix: o.fix } } };
  const covered = list.filter((s) => sameId(s.clientId, first.clientId));
  return {
    first,
    covered,
    warnings: list
      .filter((x) => !covered.includes(x))
      .map(
        (s) =>
          `${targetLabel(s.ref)} signs in with another registration (${s.clientId}), not ${first.clientId}: not changed by this policy`,
      ),
    notes: sites
      .filter((x) => !list.includes(x))
      .map((s) => `${targetLabel(s.ref)} has no Easy Auth ${o.what}: left alone`),
  };
}

/** The registration Easy Auth names cannot be read: the plan is skipped with the fix. */
export const unreadableRegistration = (clientId: string) => ({
  message: `no application with appId ${clientId} is readable (deleted, in another tenant, or not replicated yet)`,
  fix: "Check Easy Auth's clientId; the signed-in principal must own the registration (Application.ReadWrite.OwnedBy).",
});
