import { armPath } from "../../azure/arm-client.ts";
import { sitePath } from "../../azure/targets.ts";
import { errorMessage } from "../../errors.ts";
import type {
  ExportNote,
  ExportSite,
  ExportedSlice,
  KindExporter,
  KindTarget,
  RunContext,
} from "../../pipeline/contract.ts";
import type { KeyWork } from "./observe.ts";
import { parseFunctionKeys, parseHostKeys } from "./listkeys.ts";
import { parsePhysicalName } from "./physical-name.ts";

/** Key names only (values are never kept): the host's function keys and the keys of each function of the app. */
export interface KeysExportObserved {
  hostKeyNames?: string[];
  functionKeyNames: Record<string, string[]>;
  unreadable?: string;
}

/** `apim-20261123t0830z` → `apim`: the logical name, when a name follows the rotation naming (physical-name.ts). */
export function logicalNameOf(physical: string): string | undefined {
  const m = /^(.+)-\d{8}t\d{4}(\d{2})?z$/i.exec(physical);
  return m && parsePhysicalName(physical, m[1]!) ? m[1]!.toLowerCase() : undefined;
}

interface FunctionsPage {
  value?: Array<{ name?: unknown; properties?: { name?: unknown } }>;
  nextLink?: string | null;
}

/**
 * The app's functions, as "Web Apps - List Functions" pages them (`value[].properties.name`, or `name` as
 * `{site}/{function}`: https://learn.microsoft.com/rest/api/appservice/web-apps/list-functions).
 */
async function listFunctions(run: RunContext, site: string): Promise<string[]> {
  const names: string[] = [];
  let path: string | undefined = `${site}/functions`;
  while (path) {
    const body: FunctionsPage = (await run.arm.get<FunctionsPage>(path)).body;
    for (const f of body.value ?? []) {
      const name =
        typeof f.properties?.name === "string"
          ? f.properties.name
          : String(f.name ?? "")
              .split("/")
              .pop();
      if (name) names.push(name);
    }
    path = body.nextLink ?? undefined;
  }
  return names;
}

async function observeKeys(run: RunContext, site: ExportSite, named: string[]): Promise<KeysExportObserved> {
  const t = { subscriptionId: site.subscriptionId, resourceGroup: site.resourceGroup, name: site.name };
  try {
    // One read each: a stopped app answers no key operation, and export does not wait for it.
    const host = parseHostKeys((await run.arm.post(`${sitePath(t)}/host/default/listkeys`)).body);
    const functions = [...new Set([...named, ...(await listFunctions(run, sitePath(t)))])].sort();
    const functionKeyNames: Record<string, string[]> = {};
    for (const fn of functions) {
      const keys = parseFunctionKeys(
        (await run.arm.post(`${sitePath(t)}${armPath("functions", fn, "listkeys")}`)).body,
      );
      functionKeyNames[fn] = [...keys.keys()];
    }
    return { hostKeyNames: [...host.functionKeys.keys()], functionKeyNames };
  } catch (e) {
    return { functionKeyNames: {}, unreadable: errorMessage(e) };
  }
}

/**
 * Pure: key names → `keys.rotate` policies for every logical name whose physical keys follow the rotation naming.
 * Keys named otherwise are left out with a note (rotate-keys would take them over only through `replaces`).
 * Policies cover production only: each slot has its own keys.
 */
export function keysToConfig(o: KeysExportObserved): ExportedSlice {
  const notes: ExportNote[] = [];
  if (o.unreadable)
    return { notes: [{ path: "keys", note: "left out", why: `keys could not be read: ${o.unreadable}` }] };
  const rotate: Array<Record<string, unknown>> = [];
  const scan = (names: string[], where: string, policy: (logical: string) => Record<string, unknown>) => {
    const logical = new Set<string>();
    const other: string[] = [];
    for (const n of names) {
      const l = logicalNameOf(n);
      if (l) logical.add(l);
      else if (n !== "default" && !n.startsWith("_")) other.push(n);
    }
    for (const l of [...logical].sort()) {
      rotate.push(policy(l));
      notes.push({
        path: "keys.rotate",
        note: "inferred",
        why: `${l}: from physical key names ${l}-<time> (${where})`,
      });
    }
    if (other.length)
      notes.push({
        path: "keys",
        note: "left out",
        why: `${where} keys ${other.join(", ")} do not follow the rotation naming (<name>-<yyyymmdd>t<hhmm>z)`,
      });
  };
  scan(o.hostKeyNames ?? [], "host", (l) => ({ name: l, scope: "host", slots: ["production"] }));
  for (const [fn, names] of Object.entries(o.functionKeyNames))
    scan(names, `function ${fn}`, (l) => ({ name: l, scope: "function", function: fn, slots: ["production"] }));
  if (!rotate.length) return { notes };
  return { slice: { vaultUrl: "fromEnv", rotate }, notes };
}

/** The keys block without the policy a target plans (matched by its logical name and function). */
function pruneKeys(slice: Record<string, unknown>, target: KindTarget): Record<string, unknown> | undefined {
  const policy = (target as Partial<KeyWork>).policy;
  const rotate = Array.isArray(slice.rotate) ? (slice.rotate as Array<Record<string, unknown>>) : [];
  const left = rotate.filter(
    (r) => !policy || r.name !== policy.logical || (r.function ?? undefined) !== (policy.functionName ?? undefined),
  );
  return left.length ? { ...slice, rotate: left } : undefined;
}

/** Key policies of production, from the key names of the host and of every function the app lists. */
export const keysExporter: KindExporter = {
  perApp: true,
  prune: pruneKeys,
  observe: (run, site) => observeKeys(run, site, site.functions),
  toConfig: (_site, observed) => keysToConfig(observed as KeysExportObserved),
};
