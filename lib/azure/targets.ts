import type { TargetRef } from "../plan/model.ts";
import { armPath } from "./arm-client.ts";

/** ARM path of a site or one of its slots. */
export function sitePath(t: TargetRef): string {
  const base = armPath("subscriptions", t.subscriptionId, "resourceGroups", t.resourceGroup, "providers", "Microsoft.Web", "sites", t.name);
  return t.slot ? `${base}${armPath("slots", t.slot)}` : base;
}
