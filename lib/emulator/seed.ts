import { randomUUID } from "node:crypto";
import { z } from "zod";
import { normalizeSiteConfig } from "./arm/site-config.ts";
import {
  AUTH_LEVELS,
  generateKeyValue,
  newAppState,
  newFunction,
  type AppState,
  type ArmState,
  type FunctionResponder,
  type SiteState,
} from "./arm/state.ts";

// A key value in a seed: a literal, or "generate" (the default) for a server-generated one.
const keyMap = z.record(z.string(), z.string()).default({});

/** `SiteConfig` fields as PATCH config/web would take them: the same values are refused (minTlsVersion "1.4"). */
const siteConfig = z.record(z.string(), z.unknown()).transform((sc, zctx) => {
  try {
    return normalizeSiteConfig(sc);
  } catch (e) {
    zctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});

/**
 * What a seeded function answers on the data plane: `greeting` (the greeting function of Azure-Samples/ms-identity-docs-code-functions-python) or a fixed answer
 * (`{ status: 200, body: "…" }`, a non-string body is sent as JSON). Absent: a JSON echo of the caller.
 */
const responder = z.union([
  z.literal("greeting"),
  z.object({
    status: z.number().int().min(100).max(599).default(200),
    body: z.unknown().optional(),
    contentType: z.string().optional(),
  }),
]);

const functionSeed = z.object({
  keys: keyMap.optional(),
  /** The HTTP trigger's `authLevel` (function.json); the Functions default is `function`. */
  authLevel: z.enum(AUTH_LEVELS).default("function"),
  respond: responder.optional(),
  /** `greeting` only: false lets a call that carries no Easy Auth principal at all through (200). */
  requireCaller: z.boolean().default(true),
});

function responderOf(f: z.output<typeof functionSeed>): FunctionResponder | undefined {
  if (f.respond === undefined) return undefined;
  if (f.respond === "greeting") return { kind: "greeting", requireCaller: f.requireCaller };
  const { status, body, contentType } = f.respond;
  const text = typeof body === "string" ? body : body === undefined ? "" : JSON.stringify(body);
  const type = typeof body === "string" || body === undefined ? "text/plain; charset=utf-8" : "application/json";
  return { kind: "static", status, body: text, contentType: contentType ?? type };
}

/**
 * Managed identities of an app or slot: `userAssigned` by the identity's name (in the site's resource group) or its
 * full resource id (`/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>`), with its
 * principal (object) id and client id, generated when absent.
 */
const identitySeed = z.strictObject({
  systemAssigned: z.boolean().default(false),
  userAssigned: z
    .record(
      z.string().min(1),
      z
        .strictObject({ principalId: z.string().uuid().optional(), clientId: z.string().uuid().optional() })
        .prefault({}),
    )
    .default({}),
});

/** A user-assigned identity's resource id: `key` itself when it is one, else the identity named so in `rg`. */
export function userAssignedIdentityId(subscriptionId: string, resourceGroup: string, key: string): string {
  return key.startsWith("/")
    ? key
    : `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${key}`;
}

const appSeed = z.object({
  state: z.enum(["Running", "Stopped"]).default("Running"),
  httpsOnly: z.boolean().default(true),
  tags: z.record(z.string(), z.string()).default({}),
  /** Site hardening fields set on the app (`minTlsVersion`, `ftpsState`, `cors`, …); unset ones read as the platform defaults. */
  siteConfig: siteConfig.optional(),
  appSettings: z.record(z.string(), z.string()).default({}),
  /** V1 (classic) auth settings; an app with these and no `authV2` is on config version v1. */
  authV1: z.record(z.string(), z.unknown()).optional(),
  /** V2 `properties`, stored as given (unknown fields included). */
  authV2: z.record(z.string(), z.unknown()).optional(),
  functions: z.record(z.string(), functionSeed.prefault({})).default({}),
  hostKeys: z.object({ functionKeys: keyMap.optional(), systemKeys: keyMap.optional() }).default({}),
  identity: identitySeed.optional(),
});

const siteSeed = appSeed.extend({
  name: z.string().min(1),
  kind: z.string().default("functionapp"),
  location: z.string().optional(),
  slots: z.array(appSeed.extend({ name: z.string().min(1) })).default([]),
});

export const seedSchema = z.strictObject({
  subscriptions: z
    .array(
      z.object({
        subscriptionId: z.string().uuid(),
        displayName: z.string().default("Emulated subscription"),
        resourceGroups: z.array(
          z.object({
            name: z.string().min(1),
            location: z.string().default("westeurope"),
            tags: z.record(z.string(), z.string()).default({}),
            sites: z.array(siteSeed).default([]),
          }),
        ),
      }),
    )
    .default([]),
});

export type Seed = z.input<typeof seedSchema>;
type AppSeed = z.output<typeof appSeed>;

const values = (m: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, v === "generate" ? generateKeyValue() : v]));

function buildApp(name: string, s: AppSeed, identityId: (key: string) => string): AppState {
  const app = newAppState(name, {
    state: s.state,
    httpsOnly: s.httpsOnly,
    tags: s.tags,
    appSettings: { ...s.appSettings },
  });
  if (s.siteConfig) app.siteConfig = { ...app.siteConfig, ...s.siteConfig };
  if (s.authV1) {
    app.authV1 = structuredClone(s.authV1);
    app.configVersion = "v1";
  }
  if (s.authV2) {
    app.authV2 = structuredClone(s.authV2);
    app.configVersion = "v2";
  }
  for (const [fname, f] of Object.entries(s.functions)) {
    const fn = newFunction(fname, {}, f.authLevel);
    if (f.keys) fn.keys = { ...fn.keys, ...values(f.keys) };
    const respond = responderOf(f);
    if (respond) fn.respond = respond;
    app.functions.set(fname.toLowerCase(), fn);
  }
  if (s.hostKeys.functionKeys)
    app.hostKeys.functionKeys = { ...app.hostKeys.functionKeys, ...values(s.hostKeys.functionKeys) };
  if (s.hostKeys.systemKeys) app.hostKeys.systemKeys = values(s.hostKeys.systemKeys);
  if (s.identity)
    app.identity = {
      ...(s.identity.systemAssigned ? { systemAssigned: randomUUID() } : {}),
      userAssigned: Object.fromEntries(
        Object.entries(s.identity.userAssigned).map(([key, i]) => [
          identityId(key),
          { principalId: i.principalId ?? randomUUID(), clientId: i.clientId ?? randomUUID() },
        ]),
      ),
    };
  return app;
}

/** A seed that does not validate: one line per problem, with its path. */
export class SeedError extends Error {}

/**
 * Checks a seed. A fleet config (`apps:`, `defaults:`) passed as a seed used to be accepted silently as an empty
 * world, so every command then failed with 404s far from the cause: it is named for what it is.
 */
export function parseSeed(input: unknown): z.output<typeof seedSchema> {
  const top = typeof input === "object" && input !== null && !Array.isArray(input) ? Object.keys(input) : [];
  if (top.includes("apps") || top.includes("defaults"))
    throw new SeedError(
      'this is a fleet config (it has apps:/defaults:), not an emulator seed; a seed lists subscriptions: with resourceGroups: and sites: (docs/emulator.md, "Seed format"; e.g. config/demo-seed.yaml)',
    );
  const parsed = seedSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join(".") || "(top level)"}: ${i.message}`);
  throw new SeedError(`not a valid emulator seed: ${lines.join("; ")}`);
}

/** Adds a seed's subscriptions, resource groups, sites and slots to the ARM state. */
export function applySeed(state: ArmState, input: unknown): void {
  const seed = parseSeed(input);
  for (const sub of seed.subscriptions) {
    if (!state.subscription(sub.subscriptionId)) state.addSubscription(sub.subscriptionId, sub.displayName);
    for (const rg of sub.resourceGroups) {
      state.putResourceGroup({
        subscriptionId: sub.subscriptionId,
        name: rg.name,
        location: rg.location,
        tags: rg.tags,
      });
      const identityId = (key: string) => userAssignedIdentityId(sub.subscriptionId, rg.name, key);
      for (const s of rg.sites) {
        const site: SiteState = {
          ...buildApp(s.name, s, identityId),
          subscriptionId: sub.subscriptionId,
          resourceGroup: rg.name,
          location: s.location ?? rg.location,
          kind: s.kind,
          slots: new Map(),
        };
        for (const slot of s.slots) site.slots.set(slot.name.toLowerCase(), buildApp(slot.name, slot, identityId));
        state.putSite(site);
      }
    }
  }
}
