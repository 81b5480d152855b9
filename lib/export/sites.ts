import picomatch from "picomatch";
import type { ArmClient } from "../azure/arm-client.ts";
import { discoverSites, type DiscoveryQuery } from "../azure/discovery.ts";
import type { AppConfig } from "../config/resolve.ts";
import { UsageError } from "../errors.ts";
import type { ExportSite } from "../pipeline/contract.ts";

/** How export selects apps: a config's apps, or discovery by subscription (resource group, tags), then `--app`. */
export interface ExportSelection {
  apps?: readonly AppConfig[];
  discovery?: DiscoveryQuery;
  appGlob?: string;
}

/** Function names the app's key policies name (the only function names export knows). */
const functionsOf = (app: AppConfig): string[] => [
  ...new Set((app.keys?.rotate ?? []).flatMap((r) => (r.scope === "function" && r.function ? [r.function] : []))),
];

/** The apps to export, in a stable order. A selection that finds nothing is a usage error (nothing to write). */
export async function selectSites(arm: ArmClient, sel: ExportSelection): Promise<ExportSite[]> {
  let sites: ExportSite[];
  if (sel.discovery) {
    const found = await discoverSites(arm, sel.discovery);
    sites = found.map((s, index) => ({
      index,
      name: s.name,
      subscriptionId: s.subscriptionId,
      resourceGroup: s.resourceGroup,
      slots: s.slots,
      liveSlots: s.slots,
      functions: [],
    }));
  } else {
    sites = (sel.apps ?? []).map((a) => ({
      index: a.index,
      name: a.name,
      subscriptionId: a.subscriptionId,
      resourceGroup: a.resourceGroup,
      slots: a.slots,
      liveSlots: a.slots,
      functions: functionsOf(a),
    }));
  }
  if (sel.appGlob) {
    const match = picomatch(sel.appGlob, { nocase: true });
    sites = sites.filter((s) => match(s.name));
  }
  if (!sites.length)
    throw new UsageError("The selection matches no app; nothing to export.", {
      fix: "Check --subscription, --resource-group, --tag and --app (or the apps of --config).",
    });
  return sites;
}
