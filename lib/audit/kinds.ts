import { InternalError } from "../errors.ts";
import type { AnyKind, ResourceKind } from "../pipeline/contract.ts";
import type { AuthObserved, AuthTarget } from "../resources/auth/observe.ts";
import { KINDS } from "../resources/index.ts";
import type { KeyObserved, KeyWork } from "../resources/keys/observe.ts";
import type { RegistrationTarget } from "../resources/registration/index.ts";
import type { Observed } from "../resources/registration/types.ts";
import type { SiteObserved, SiteTarget } from "../resources/site/observe.ts";

/** The kinds audit observes, taken from the one list of kinds, with the target and observation types they declare. */
export interface AuditKinds {
  registration: ResourceKind<RegistrationTarget, Observed>;
  auth: ResourceKind<AuthTarget, AuthObserved>;
  site: ResourceKind<SiteTarget, SiteObserved>;
  keys: ResourceKind<KeyWork, KeyObserved>;
}

export function auditKinds(kinds: readonly AnyKind[] = KINDS): AuditKinds {
  const find = (name: keyof AuditKinds) => {
    const k = kinds.find((x) => x.kind === name);
    if (!k) throw new InternalError(`audit needs the '${name}' kind, which lib/resources/index.ts does not list`);
    return k;
  };
  // The list holds each kind as the contract's AnyKind; these are the same objects with their own types back.
  return {
    registration: find("registration") as unknown as AuditKinds["registration"],
    auth: find("auth") as unknown as AuditKinds["auth"],
    site: find("site") as unknown as AuditKinds["site"],
    keys: find("keys") as unknown as AuditKinds["keys"],
  };
}
