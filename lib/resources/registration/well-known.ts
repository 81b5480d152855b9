import type { ResourceRef } from "./schema.ts";

// Public-cloud first-party ids (shared/reference/microsoft-graph/well-known-ids.json; the same in every tenant of
// the public cloud, different in sovereign clouds, which is why permission ids are looked up on the resource's
// service principal at run time and these serve only as the fallback when that lookup is impossible).
export const ARM_APP_ID = "797f4846-ba00-4fd7-ba43-dac1f8f63013";
export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

/** Permission ids by resource appId and value, for resources whose service principal cannot be read. */
export const WELL_KNOWN_SCOPES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  [ARM_APP_ID]: { user_impersonation: "41094075-9dad-400e-a0bd-54e686782033" },
  [GRAPH_APP_ID]: {
    openid: "37f7f235-527c-4136-accd-4a02d197296e",
    profile: "14dad69e-099b-42c9-810b-d002981feec1",
    email: "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0",
    offline_access: "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
    "User.Read": "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
  },
};

const ALIASES: Record<string, string> = { arm: ARM_APP_ID, graph: GRAPH_APP_ID };
const NAMES: Record<string, string> = { [ARM_APP_ID]: "arm", [GRAPH_APP_ID]: "graph" };

/** `arm` / `graph` / a GUID → the resource's appId (lower case, as ids are compared). */
export function resourceAppId(ref: ResourceRef): string {
  return (ALIASES[ref] ?? ref).toLowerCase();
}

/** Short name for plans: `arm`, `graph`, or the appId. */
export function resourceLabel(appId: string): string {
  return NAMES[appId.toLowerCase()] ?? appId.toLowerCase();
}
