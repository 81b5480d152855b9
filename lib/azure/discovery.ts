import type { ArmClient } from "./arm-client.ts";
import { UsageError } from "../errors.ts";
import { armPath } from "./arm-client.ts";

/** Which apps to find: every site of these subscriptions, narrowed by resource group, tags and kind. */
export interface DiscoveryQuery {
  subscriptions: string[];
  resourceGroups?: string[];
  /** All must match (name exact, value exact). */
  tags?: Record<string, string>;
  /** `functionapp`, `app`…: matches one of the comma-separated words of the site's `kind`. */
  kind?: string;
}

export interface DiscoveredSite {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  kind: string;
  location: string;
  tags: Record<string, string>;
  /** Names of the site's deployment slots (production excluded). */
  slots: string[];
}

/** Microsoft.Resources api-version of the generic list (docs/contracts/arm.md §14). */
export const RESOURCES_LIST_API_VERSION = "2021-04-01";

const SITE_TYPE = "microsoft.web/sites";
const SLOT_TYPE = "microsoft.web/sites/slots";

interface GenericResource {
  id?: string;
  name?: string;
  type?: string;
  kind?: string;
  location?: string;
  tags?: Record<string, string> | null;
}

/** OData string literal: a quote inside is doubled. */
const odata = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/**
 * The server-side `$filter`: resource type only. ARM's Resources - List cannot combine a tag filter with any other
 * condition (InvalidFilterInQueryString, Azure/azure-cli#7674) and leaves `tags` out of results it filtered by tag
 * (https://learn.microsoft.com/en-us/rest/api/resources/resources/list, `$filter`), so a tag filter would both drop
 * the slots that are not tagged themselves and hide the tags a second condition needs: tags and kind are matched
 * here, on the page the type filter returned. See docs/contracts/arm.md §14.
 */
export function resourceListFilter(): string {
  return `resourceType eq ${odata("Microsoft.Web/sites")} or resourceType eq ${odata("Microsoft.Web/sites/slots")}`;
}

/** The list paths a query reads: one per subscription, or one per resource group when it names them. */
export function listPaths(q: DiscoveryQuery): string[] {
  return q.subscriptions.flatMap((sub) =>
    q.resourceGroups?.length
      ? q.resourceGroups.map((rg) => armPath("subscriptions", sub, "resourceGroups", rg, "resources"))
      : [armPath("subscriptions", sub, "resources")],
  );
}

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/…`: the segments ARM ids carry. */
function idParts(id: string): { subscriptionId: string; resourceGroup: string } | undefined {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(id);
  return m ? { subscriptionId: decodeURIComponent(m[1]!), resourceGroup: decodeURIComponent(m[2]!) } : undefined;
}

const kindMatches = (kind: string, want: string | undefined): boolean =>
  !want ||
  kind
    .toLowerCase()
    .split(",")
    .map((k) => k.trim())
    .includes(want.toLowerCase());

const tagsMatch = (tags: Record<string, string>, want: Record<string, string> | undefined): boolean =>
  Object.entries(want ?? {}).every(([k, v]) => tags[k] === v);

/** Sites of one or more list pages, their slots attached, filtered by kind and tags. Pure. */
export function selectSites(resources: readonly GenericResource[], q: DiscoveryQuery): DiscoveredSite[] {
  const sites = new Map<string, DiscoveredSite>();
  const slots: GenericResource[] = [];
  for (const r of resources) {
    const type = r.type?.toLowerCase();
    const parts = r.id ? idParts(r.id) : undefined;
    if (!parts || !r.name) continue;
    if (type === SLOT_TYPE) slots.push(r);
    if (type !== SITE_TYPE) continue;
    const site: DiscoveredSite = {
      ...parts,
      name: r.name,
      kind: r.kind ?? "app",
      location: r.location ?? "",
      tags: r.tags ?? {},
      slots: [],
    };
    if (kindMatches(site.kind, q.kind) && tagsMatch(site.tags, q.tags))
      sites.set(`${parts.subscriptionId}/${parts.resourceGroup}/${r.name}`.toLowerCase(), site);
  }
  // A slot is named `site/slot` and follows its site: it is selected when the site is.
  for (const s of slots) {
    const parts = idParts(s.id!)!;
    const [siteName, slotName] = s.name!.split("/");
    const site = sites.get(`${parts.subscriptionId}/${parts.resourceGroup}/${siteName}`.toLowerCase());
    if (site && slotName) site.slots.push(slotName);
  }
  for (const site of sites.values()) site.slots.sort((a, b) => a.localeCompare(b));
  return [...sites.values()].sort(
    (a, b) =>
      a.subscriptionId.localeCompare(b.subscriptionId) ||
      a.resourceGroup.localeCompare(b.resourceGroup) ||
      a.name.localeCompare(b.name),
  );
}

/** Every page of one list, following `nextLink`. */
async function readAll(arm: ArmClient, path: string): Promise<GenericResource[]> {
  const out: GenericResource[] = [];
  let page = (
    await arm.get<{ value?: GenericResource[]; nextLink?: string }>(path, {
      apiVersion: RESOURCES_LIST_API_VERSION,
      query: { $filter: resourceListFilter() },
    })
  ).body;
  out.push(...(page.value ?? []));
  while (page.nextLink) {
    page = (await arm.get<{ value?: GenericResource[]; nextLink?: string }>(page.nextLink)).body;
    out.push(...(page.value ?? []));
  }
  return out;
}

/**
 * The sites (with their slots) a query selects, through ARM's generic resources list: one paged read per subscription
 * or resource group, not a read per app. Subscriptions are read at once: each has its own throttling buckets.
 */
export async function discoverSites(arm: ArmClient, q: DiscoveryQuery): Promise<DiscoveredSite[]> {
  const pages = await Promise.all(listPaths(q).map((p) => readAll(arm, p)));
  return selectSites(pages.flat(), q);
}

/** `--tag k=v`: the first `=` splits, so a value may contain `=`. */
export function parseTagFlags(values: readonly string[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const v of values ?? []) {
    const at = v.indexOf("=");
    if (at <= 0)
      throw new UsageError(`--tag '${v}' is not name=value.`, { fix: "Pass each tag as --tag team=payments." });
    tags[v.slice(0, at)] = v.slice(at + 1);
  }
  return tags;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The query a run discovers with: the config's `select:` block, `--subscription` replacing its subscriptions and
 * `--tag` adding to (or overriding) its tags. Undefined when neither asks for discovery. Offline and pure.
 */
export function discoveryQuery(
  select: Partial<DiscoveryQuery> | undefined,
  flags: { tag?: readonly string[]; subscription?: readonly string[] },
  fallbackSubscription: string | undefined,
): DiscoveryQuery | undefined {
  const flagTags = parseTagFlags(flags.tag);
  for (const s of flags.subscription ?? [])
    if (!GUID.test(s))
      throw new UsageError(`--subscription '${s}' is not a subscription id.`, {
        fix: "Pass the subscription's GUID (az account list --query [].id).",
      });
  if (!select && !flags.tag?.length && !flags.subscription?.length) return undefined;
  const subscriptions = flags.subscription?.length
    ? [...flags.subscription]
    : (select?.subscriptions ?? (fallbackSubscription ? [fallbackSubscription] : []));
  if (subscriptions.length === 0)
    throw new UsageError("Discovery needs a subscription to search.", {
      fix: "Set select.subscriptions or defaults.subscriptionId, pass --subscription, or export AZURE_SUBSCRIPTION_ID.",
    });
  const tags = { ...select?.tags, ...flagTags };
  return {
    subscriptions: [...new Set(subscriptions.map((s) => s.toLowerCase()))],
    ...(select?.resourceGroups?.length ? { resourceGroups: [...select.resourceGroups] } : {}),
    ...(Object.keys(tags).length ? { tags } : {}),
    ...(select?.kind ? { kind: select.kind } : {}),
  };
}

/** One line for the plan header: what was searched and how many apps it found. */
export function describeSelection(q: DiscoveryQuery, found: number, listed: number): string {
  const parts = [
    `subscriptions ${q.subscriptions.join(", ")}`,
    ...(q.resourceGroups?.length ? [`resource groups ${q.resourceGroups.join(", ")}`] : []),
    ...(q.tags
      ? [
          `tags ${Object.entries(q.tags)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ")}`,
        ]
      : []),
    ...(q.kind ? [`kind ${q.kind}`] : []),
  ];
  return `${found} app${found === 1 ? "" : "s"} found (${parts.join("; ")}), ${listed} listed`;
}
