import { armPath } from "./arm-client.ts";

/** An app or one of its slots. */
export interface TargetRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  slot?: string;
}

/** ARM path of a site or one of its slots. */
export function sitePath(t: TargetRef): string {
  const base = armPath(
    "subscriptions",
    t.subscriptionId,
    "resourceGroups",
    t.resourceGroup,
    "providers",
    "Microsoft.Web",
    "sites",
    t.name,
  );
  return t.slot ? `${base}${armPath("slots", t.slot)}` : base;
}
