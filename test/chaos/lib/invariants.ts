import { readdirSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import type { LoggedRequest } from "../../../lib/emulator/request-log.ts";
import { callPrefix, clientApp, mintToken } from "../../emulator/data-plane-client.ts";
import type { AppView, ArmView, GraphObject, GraphView, World } from "./world.ts";

type Json = unknown;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g;
const STAMP = /-\d{8}t\d{4}(\d{2})?z/g;
const HEX32 = /\b[0-9a-f]{32}\b/g;
/** Values the services or the clock make up: equal worlds may differ only there. */
const GENERATED = new Set([
  "id",
  "version",
  "created",
  "updated",
  "createdDateTime",
  "@emulator.visible",
  "at",
  "hint",
]);

/** A world with made-up values (ids, times, key stamps, versions) blanked and arrays in a stable order. */
export function normalize(v: Json): Json {
  if (Array.isArray(v)) return v.map(normalize).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v as Record<string, Json>)
        .filter(([k]) => k !== "@emulator.visible")
        .map(([k, x]) => [blank(k), GENERATED.has(k) ? "<generated>" : normalize(x)])
        .sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)),
    );
  if (typeof v === "string") return blank(v);
  return v;
}

const blank = (s: string) =>
  s.replace(UUID, "<uuid>").replace(ISO, "<time>").replace(STAMP, "-<stamp>").replace(HEX32, "<hex>");

/** No object Graph holds twice: one application per uniqueName, one service principal per appId, one grant per pair. */
export function duplicates(graph: GraphView): string[] {
  const dupes = (label: string, list: GraphObject[] | undefined, key: (o: GraphObject) => string) => {
    const seen = new Map<string, number>();
    for (const o of list ?? []) seen.set(key(o), (seen.get(key(o)) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([k, n]) => `${n} ${label} for ${k}`);
  };
  return [
    ...dupes("applications", graph.applications, (o) => String(o.uniqueName ?? o.displayName)),
    ...dupes("service principals", graph.servicePrincipals, (o) => String(o.appId)),
    ...dupes("grants", graph.oauth2PermissionGrants, (o) => `${o.clientId}→${o.resourceId} (${o.consentType})`),
    ...dupes(
      "app role assignments",
      graph.appRoleAssignments,
      (o) => `${o.principalId}→${o.resourceId}:${o.appRoleId}`,
    ),
  ];
}

/**
 * Every published key works: the latest version of each key secret in Key Vault, sent as `x-functions-key` to its
 * app through the data plane (with a token the app's Easy Auth accepts, when it has one), is let in by the key it
 * names. Returns the problems found.
 */
export async function publishedKeysValid(world: World): Promise<string[]> {
  const [vault, { arm }] = await Promise.all([world.vaultWithValues(), world.state()]);
  const problems: string[] = [];
  for (const secret of vault.secrets) {
    if (secret.deleted) continue;
    const latest = secret.versions.at(-1);
    if (!latest?.contentType?.startsWith("azure-functions/")) continue;
    const { site, slot, function: fn, keyName } = latest.tags;
    const prod = arm.sites.find((s) => s.name === site);
    const app: AppView | undefined = slot === "production" ? prod : prod?.slots.find((s) => s.name === slot);
    if (!app || !latest.value || !keyName) {
      problems.push(`${secret.name}: published for ${site}/${slot} but that app or its value is missing`);
      continue;
    }
    if (app.state !== "Running") continue;
    const functionName = fn ?? Object.keys(app.functions).find((f) => f !== "health") ?? "";
    const headers: Record<string, string> = { "x-functions-key": latest.value, ...(await easyAuthToken(world, app)) };
    const r = await callPrefix(
      world.emu,
      slot === "production" ? site! : `${site}-${slot}`,
      `/api/${functionName}`,
      headers,
    );
    const decision = r.headers["x-emulator-key-decision"];
    if (decision !== `function-key:${keyName}` && decision !== `host-key:${keyName}`)
      problems.push(`${secret.name}: published key ${keyName} refused by ${site}/${slot}: ${r.status} ${decision}`);
  }
  return problems;
}

/** A token the app's Microsoft provider accepts (its client id as audience, the version its issuer names). */
async function easyAuthToken(world: World, app: AppView): Promise<Record<string, string>> {
  const aad = (app.authV2 as { identityProviders?: { azureActiveDirectory?: Record<string, Record<string, string>> } })
    ?.identityProviders?.azureActiveDirectory;
  const clientId = aad?.registration?.clientId;
  if (!clientId) return {};
  const version = aad.registration?.openIdIssuer?.includes("/v2.0") ? 2 : 1;
  const token = await mintToken(world.emu, { audience: clientId, version, client: clientApp(clientId) });
  return { authorization: `Bearer ${token}` };
}

/** The targets (`app` or `app/slot`) of every whole-document PUT of authsettingsV2 the service served. */
export function authPuts(log: LoggedRequest[]): string[] {
  return log
    .filter((l) => l.method === "PUT" && /\/config\/authsettingsV2$/i.test(l.path) && l.status >= 200 && l.status < 300)
    .map((l) => {
      const m = /\/sites\/([^/]+)(?:\/slots\/([^/]+))?\/config\//i.exec(l.path)!;
      return m[2] ? `${m[1]}/${m[2]}` : m[1]!;
    });
}

/** Whole-document PUTs without a backup file of their target (backup names carry `_{app}_{slot}.authsettingsV2`). */
export function putsWithoutBackup(puts: string[], backupDir: string): string[] {
  let files: string[] = [];
  try {
    files = readdirSync(backupDir);
  } catch {
    files = [];
  }
  const count = new Map<string, number>();
  for (const f of files) {
    const parts = f.replace(/\.[^_]*\.json$/, "").split("_");
    const target = parts.length > 4 ? `${parts[3]}/${parts[4]}` : `${parts[3]}`;
    count.set(target, (count.get(target) ?? 0) + 1);
  }
  const missing: string[] = [];
  const putsPer = new Map<string, number>();
  for (const p of puts) putsPer.set(p, (putsPer.get(p) ?? 0) + 1);
  for (const [t, n] of putsPer)
    if ((count.get(t) ?? 0) < n) missing.push(`${t}: ${n} PUT(s), ${count.get(t) ?? 0} backup(s)`);
  return missing;
}

/** The first paths where two normalized worlds differ. */
export function diff(a: unknown, b: unknown, path = "", out: string[] = []): string {
  if (out.length >= 5) return out.join("; ");
  if (isDeepStrictEqual(a, b)) return out.join("; ");
  if (a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys)
      diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out);
  } else out.push(`${path}: ${JSON.stringify(a)?.slice(0, 200)} → ${JSON.stringify(b)?.slice(0, 200)}`);
  return out.join("; ");
}

type AuthDoc = { futureSection?: unknown; identityProviders?: { customOpenIdConnectProviders?: unknown } } | null;

/**
 * Fields no command owns, read before and after: the unknown `futureSection` and the custom OpenID provider of the
 * demo's hand-configured app, and every app's tags (app settings are owned in part: the client secret's setting).
 * Returns the ones that changed.
 */
export function untouched(before: ArmView, after: ArmView): string[] {
  const apps = (v: ArmView) =>
    new Map(v.sites.flatMap((s) => [[s.name, s] as const, ...s.slots.map((x) => [`${s.name}/${x.name}`, x] as const)]));
  const view = (a: AppView & { tags?: unknown }) => {
    const auth = a.authV2 as AuthDoc;
    return {
      futureSection: auth?.futureSection,
      customProviders: auth?.identityProviders?.customOpenIdConnectProviders,
      tags: a.tags,
    };
  };
  const now = apps(after);
  const changed: string[] = [];
  for (const [name, app] of apps(before)) {
    const b = view(app);
    const a = now.get(name);
    if (!a || !isDeepStrictEqual(b, view(a)))
      changed.push(`${name}: fields outside the owned set changed: ${diff(b, a && view(a))}`);
  }
  return changed;
}
