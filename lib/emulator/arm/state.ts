import { randomBytes } from "node:crypto";
import { checkpointOf, storedDocument, type Checkpointable, type StoredDocument } from "../checkpoint.ts";

export type JsonObject = Record<string, unknown>;

/** `authLevel` of an HTTP trigger (function-keys-how-to, "Authorization level"). */
export const AUTH_LEVELS = ["anonymous", "function", "admin"] as const;
export type AuthLevel = (typeof AUTH_LEVELS)[number];

/**
 * What a function answers on the data plane (lib/emulator/sites/): `greeting` is the Azure-Samples/ms-identity-docs-code-functions-python sample's function (200 for the
 * `Greeting.Read` scope or the `Greeting.Call` app role, 403 otherwise; `requireCaller: false` lets a call with no
 * Easy Auth principal at all through), `static` a fixed answer. Absent: a JSON echo of the caller.
 */
export type FunctionResponder =
  | { kind: "greeting"; requireCaller: boolean }
  | { kind: "static"; status: number; body: string; contentType: string };

export interface FunctionState {
  name: string;
  keys: Record<string, string>;
  config: JsonObject;
  respond?: FunctionResponder;
}

export interface HostKeysState {
  masterKey: string;
  functionKeys: Record<string, string>;
  systemKeys: Record<string, string>;
}

/** One user-assigned identity as the site lists it: its service principal's object id and its client id. */
export interface UserAssignedIdentity {
  principalId: string;
  clientId: string;
}

/** The managed identities assigned to an app or slot (arm/identity.ts); each slot has its own. */
export interface SiteIdentity {
  /** The system-assigned identity's object id, when it is on. */
  systemAssigned?: string;
  /** By the identity's ARM resource id, spelled as it was assigned. */
  userAssigned: Record<string, UserAssignedIdentity>;
}

/** What production and each slot have on their own. */
export interface AppState {
  name: string;
  state: "Running" | "Stopped";
  httpsOnly: boolean;
  tags: Record<string, string>;
  /** `SiteConfig` fields set on the app, unknown ones included; defaults are not stored. */
  siteConfig: JsonObject;
  appSettings: Record<string, string>;
  /** V1 `SiteAuthSettings` properties, without `configVersion`. */
  authV1: JsonObject;
  /** V2 `properties`; undefined until the app is first configured through V2. */
  authV2?: JsonObject;
  configVersion: "v1" | "v2";
  /** Keyed by lower-cased function name: the host stores function secrets per lower-cased name. */
  functions: Map<string, FunctionState>;
  hostKeys: HostKeysState;
  /** Managed identities assigned to this app or slot; undefined: none. */
  identity?: SiteIdentity;
}

export interface SiteState extends AppState {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  kind: string;
  slots: Map<string, AppState>;
  /** `config/slotConfigNames`: the settings that stay with their slot on a swap (production only). */
  slotConfigNames?: JsonObject;
}

export interface ResourceGroupState {
  subscriptionId: string;
  name: string;
  location: string;
  tags: Record<string, string>;
}

export interface SubscriptionState {
  subscriptionId: string;
  displayName: string;
}

// Functions-generated keys are random bytes in URL-safe base64 (function-keys-how-to).
export function generateKeyValue(): string {
  return randomBytes(32).toString("base64url");
}

export function newAppState(name: string, init: Partial<AppState> = {}): AppState {
  return {
    name,
    state: "Running",
    httpsOnly: false,
    tags: {},
    // Only what was set; GET config/web fills in the platform defaults (site-config.ts).
    siteConfig: {},
    appSettings: {},
    authV1: { enabled: false },
    configVersion: "v1",
    functions: new Map(),
    hostKeys: { masterKey: generateKeyValue(), functionKeys: { default: generateKeyValue() }, systemKeys: {} },
    ...init,
  };
}

export function newFunction(name: string, config: JsonObject = {}, authLevel: AuthLevel = "function"): FunctionState {
  return {
    name,
    // The runtime creates a `default` key for every new function.
    keys: { default: generateKeyValue() },
    config: {
      bindings: [{ type: "httpTrigger", direction: "in", name: "req", authLevel, methods: ["get", "post"] }],
      ...config,
    },
  };
}

const k = (...parts: string[]): string => parts.map((p) => p.toLowerCase()).join("/");

/** The ARM resources the emulator holds. Names are case-insensitive, as in ARM; the first spelling is kept. */
export class ArmState implements Checkpointable {
  readonly subscriptions = new Map<string, SubscriptionState>();
  readonly resourceGroups = new Map<string, ResourceGroupState>();
  readonly sites = new Map<string, SiteState>();

  constructor(readonly tenantId: string) {}

  addSubscription(subscriptionId: string, displayName = "Emulated subscription"): SubscriptionState {
    const s = { subscriptionId, displayName };
    this.subscriptions.set(k(subscriptionId), s);
    return s;
  }
  subscription(id: string): SubscriptionState | undefined {
    return this.subscriptions.get(k(id));
  }
  resourceGroup(sub: string, rg: string): ResourceGroupState | undefined {
    return this.resourceGroups.get(k(sub, rg));
  }
  putResourceGroup(rg: ResourceGroupState): { created: boolean; rg: ResourceGroupState } {
    const existing = this.resourceGroup(rg.subscriptionId, rg.name);
    const merged = existing ? { ...existing, location: rg.location, tags: rg.tags } : rg;
    this.resourceGroups.set(k(rg.subscriptionId, rg.name), merged);
    return { created: !existing, rg: merged };
  }
  site(sub: string, rg: string, name: string): SiteState | undefined {
    return this.sites.get(k(sub, rg, name));
  }
  putSite(site: SiteState): void {
    this.sites.set(k(site.subscriptionId, site.resourceGroup, site.name), site);
  }
  sitesIn(sub: string, rg?: string): SiteState[] {
    return [...this.sites.values()]
      .filter(
        (s) =>
          s.subscriptionId.toLowerCase() === sub.toLowerCase() &&
          (!rg || s.resourceGroup.toLowerCase() === rg.toLowerCase()),
      )
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  checkpoint(dropPaths?: string[]): () => void {
    return checkpointOf([this.subscriptions, this.resourceGroups, this.sites], () => this.documents(), dropPaths);
  }

  /** The config documents of every app and slot, which a not-persisted fault's `dropPaths` address. */
  private documents(): StoredDocument[] {
    return [...this.sites].flatMap(([key, site]) =>
      [site, ...site.slots.values()].flatMap((app) => {
        const at = `${key}/${app === site ? "" : app.name.toLowerCase()}`;
        const doc = <F extends "authV2" | "authV1" | "siteConfig" | "appSettings">(name: string, field: F) =>
          storedDocument(
            `${at}/${name}`,
            () => app[field],
            (v) => (app[field] = v as AppState[F]),
          );
        return [
          doc("authsettingsV2", "authV2"),
          doc("authsettings", "authV1"),
          doc("web", "siteConfig"),
          doc("appsettings", "appSettings"),
        ];
      }),
    );
  }
}
