import { describe, expect, test } from "vitest";
import type { AppConfig } from "../../lib/pipeline/contract.ts";
import { clientSecretSlice } from "../../lib/resources/client-secret/config.ts";
import type {
  FederatedCredentialInfo,
  IdentitySiteView,
  ManagedIdentityObserved,
} from "../../lib/resources/client-secret/observe-managed-identity.ts";
import type { PasswordInfo } from "../../lib/resources/client-secret/observe.ts";
import {
  federatedMadeAt,
  identityChanges,
  planManagedIdentity,
  type IdentityPlanInput,
} from "../../lib/resources/client-secret/plan-managed-identity.ts";
import { passwordDisplayName } from "../../lib/resources/client-secret/plan.ts";
import {
  checkClientSecrets,
  clientSecretPolicy,
  MI_SETTING_NAME,
  type ClientSecretPolicy,
} from "../../lib/resources/client-secret/policy.ts";
import type { ClientSecretConfig } from "../../lib/resources/client-secret/schema.ts";

const H = 3_600_000;
const NOW = new Date("2026-12-01T12:00:00Z");
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const SUB = "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2";
const ID = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-api`;
const PRINCIPAL = "5d0f7c2a-9e41-4b6a-8f3d-1c7e2a9b4d60";
const CLIENT = "8b3e1f47-2c6d-4a9e-b5f0-7d2c9e1a3b84";
const APP_ID = "11111111-1111-1111-1111-111111111111";
const ISSUER = `https://login.microsoftonline.com/${TENANT}/v2.0`;
const policy: ClientSecretPolicy = {
  at: "apps[0].clientSecret",
  secretName: "unused",
  maxAgeMs: 0,
  renewBeforeMs: 0,
  lifetimeMs: 0,
  graceMs: H,
  credential: "managedIdentity",
  identity: ID,
};
const prod = { subscriptionId: SUB, resourceGroup: "rg", name: "func" };
const staging = { ...prod, slot: "staging" };

const site = (ref: typeof prod, over: Partial<IdentitySiteView> = {}): IdentitySiteView => ({
  ref,
  clientId: APP_ID,
  settingName: MI_SETTING_NAME,
  settingValue: CLIENT,
  identity: { principalId: PRINCIPAL, clientId: CLIENT },
  assigned: [ID],
  ...over,
});
const fic = (madeAgoMs: number, over: Partial<FederatedCredentialInfo> = {}): FederatedCredentialInfo => ({
  id: "fic-1",
  name: `easyauth-fleet-${PRINCIPAL}`,
  issuer: ISSUER,
  subject: PRINCIPAL,
  audiences: ["api://AzureADTokenExchange"],
  description: `easyauth-fleet ${new Date(NOW.getTime() - madeAgoMs).toISOString().replace(/\.\d{3}Z$/, "Z")}: x`,
  ...over,
});
const toolPw = (keyId: string): PasswordInfo => ({
  keyId,
  displayName: passwordDisplayName(new Date("2026-11-01T00:00:00Z")),
});
const portal: PasswordInfo = { keyId: "portal-key", displayName: "portal" };

function input(
  sites: IdentitySiteView[],
  federated: FederatedCredentialInfo[],
  passwords: PasswordInfo[],
  over: Partial<IdentityPlanInput> = {},
  sticky: string[] = [MI_SETTING_NAME],
): IdentityPlanInput {
  const observed: ManagedIdentityObserved = {
    credential: "managedIdentity",
    sites,
    slotSettings: { properties: { appSettingNames: sticky }, appSettingNames: sticky },
    application: { id: "app-object", appId: APP_ID, passwords, federated },
  };
  return {
    policy,
    observed,
    now: NOW,
    cloud: { name: "AzureCloud", authorityHost: "https://login.microsoftonline.com" },
    tenantId: TENANT,
    appName: "func",
    ...over,
  };
}
const kinds = (i: IdentityPlanInput) => planManagedIdentity(i).steps.map((s) => s.kind);

describe("planManagedIdentity (pure)", () => {
  test("from a secret: adds the credential (issuer, subject = principal id, audience), sets each site, removes nothing", () => {
    const sites = [
      site(prod, { settingName: "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET", settingValue: undefined }),
      site(staging, { settingName: "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET", settingValue: undefined }),
    ];
    const plan = planManagedIdentity(input(sites, [], [toolPw("t1"), portal], {}, ["OTHER"]));
    expect(plan.steps).toEqual([
      {
        kind: "federate",
        credential: {
          name: `easyauth-fleet-${PRINCIPAL}`,
          issuer: ISSUER,
          subject: PRINCIPAL,
          audiences: ["api://AzureADTokenExchange"],
          description: "easyauth-fleet 2026-12-01T12:00:00Z: Easy Auth of func signs in with this managed identity",
        },
      },
      { kind: "setting", site: prod, value: CLIENT },
      { kind: "setting", site: staging, value: CLIENT },
      { kind: "sticky", app: prod },
      { kind: "verify" },
    ]);
    expect(plan.notes.join("\n")).toContain(`Easy Auth does not read ${MI_SETTING_NAME} yet`);
    expect(plan.warnings).toEqual([expect.stringContaining("'portal' (portal-key) was not made by this tool")]);
    const changes = identityChanges(plan, input(sites, [], []).observed);
    expect(changes.map((c) => c.kind)).toEqual(["add", "add", "add", "add"]);
    expect(changes[3]!.field).toBe("func: slotConfigNames.appSettingNames");
    expect(changes[0]!.after).toContain(`subject ${PRINCIPAL}`);
  });

  test("the issuer and the audience follow the cloud (US Government)", () => {
    const plan = planManagedIdentity(
      input([site(prod, { settingValue: undefined })], [], [], {
        cloud: { name: "AzureUSGovernment", authorityHost: "https://login.microsoftonline.us/" },
      }),
    );
    expect(plan.wanted?.issuer).toBe(`https://login.microsoftonline.us/${TENANT}/v2.0`);
    expect(plan.wanted?.audiences).toEqual(["api://AzureADTokenExchangeUSGov"]);
  });

  test("in place and inside grace: nothing to do, the tool-made password stays", () => {
    const plan = planManagedIdentity(input([site(prod), site(staging)], [fic(30 * 60_000)], [toolPw("t1")]));
    expect(plan.steps).toEqual([]);
    expect(plan.notes.join("\n")).toMatch(/stays valid until 2026-12-01T12:30:00Z \(grace 1h/);
  });

  test("after grace: verify, then remove tool-made passwords only", () => {
    const plan = planManagedIdentity(input([site(prod)], [fic(2 * H)], [toolPw("t1"), portal, toolPw("t2")]));
    expect(plan.steps).toEqual([
      { kind: "verify" },
      { kind: "remove", keyId: "t1", displayName: toolPw("t1").displayName, why: "retired" },
      { kind: "remove", keyId: "t2", displayName: toolPw("t2").displayName, why: "retired" },
    ]);
  });

  test("after grace but Easy Auth still reads the secret: passwords are kept", () => {
    const sites = [site(prod), site(staging, { settingName: "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET" })];
    expect(kinds(input(sites, [fic(5 * H)], [toolPw("t1")]))).toEqual([]);
  });

  test("grace 0 with Easy Auth already reading the setting: the credential and the removal in one plan", () => {
    const i = input([site(prod, { settingValue: undefined })], [], [toolPw("t1")], {
      policy: { ...policy, graceMs: 0 },
    });
    expect(kinds(i)).toEqual(["federate", "setting", "verify", "remove"]);
  });

  test("a credential matches by issuer and subject, case-sensitive: another casing of the subject is not it", () => {
    const other = fic(2 * H, { subject: PRINCIPAL.toUpperCase(), name: "hand-made" });
    expect(kinds(input([site(prod)], [other], []))).toEqual(["federate", "verify"]);
  });

  test("done: no credential step, no setting step, nothing left", () => {
    const plan = planManagedIdentity(input([site(prod), site(staging)], [fic(5 * H)], [portal]));
    expect(plan.steps).toEqual([]);
    expect(plan.notes.join("\n")).toContain("no tool-made password left");
  });

  test("the identity not assigned to one slot: refused, naming the slot, the identity and the fix", () => {
    const plan = planManagedIdentity(
      input([site(prod), site(staging, { identity: undefined, assigned: ["/x/other"] })], [], []),
    );
    expect(plan.steps).toEqual([]);
    expect(plan.refused?.message).toContain(`func/staging: the identity ${ID} is not assigned (assigned: /x/other)`);
    expect(plan.refused?.fix).toContain("az webapp identity assign");
  });

  test("refused: a matching credential for another audience, or the 20-credential limit reached", () => {
    const wrong = fic(H, { audiences: ["api://other"] });
    expect(planManagedIdentity(input([site(prod)], [wrong], [])).refused?.message).toContain("api://other");
    const full = Array.from({ length: 20 }, (_, n) => fic(H, { id: `f${n}`, name: `f${n}`, subject: `s${n}` }));
    expect(planManagedIdentity(input([site(prod)], full, [])).refused?.message).toContain("20 federated");
  });

  test("no Easy Auth registration: deferred when this run's auth will write one, else skipped", () => {
    const bare = [site(prod, { clientId: undefined })];
    expect(planManagedIdentity(input(bare, [], [], { authPending: true })).deferred).toBe(true);
    expect(planManagedIdentity(input(bare, [], [])).skipped?.message).toContain("no Microsoft Entra registration");
  });

  test("federatedMadeAt reads the tool's marker only", () => {
    expect(federatedMadeAt({ description: "easyauth-fleet 2026-01-02T03:04:05Z: x" })?.toISOString()).toBe(
      "2026-01-02T03:04:05.000Z",
    );
    expect(federatedMadeAt({ description: "made by hand" })).toBeUndefined();
    expect(federatedMadeAt({ description: null })).toBeUndefined();
  });
});

describe("clientSecret config with credential managedIdentity (crossCheck)", () => {
  const app = (clientSecret: ClientSecretConfig, auth?: AppConfig["auth"]): AppConfig => ({
    index: 0,
    name: "func",
    subscriptionId: SUB,
    resourceGroup: "rg",
    slots: [],
    clientSecret,
    ...(auth ? { auth } : {}),
  });
  const errors = (a: AppConfig) => checkClientSecrets([a]).errors;

  test("valid: an identity resource id, Easy Auth naming the setting; the policy carries both", () => {
    const a = app({ credential: "managedIdentity", identity: ID, grace: "2h" }, {
      azureActiveDirectory: { clientSecretSettingName: MI_SETTING_NAME },
    } as AppConfig["auth"]);
    expect(errors(a)).toEqual([]);
    expect(clientSecretPolicy(a)).toMatchObject({ credential: "managedIdentity", identity: ID, graceMs: 2 * H });
  });

  test("errors name the field and the fix", () => {
    expect(errors(app({ credential: "managedIdentity" }))).toEqual([
      expect.stringContaining(
        "apps[0].clientSecret.identity: credential managedIdentity needs the user-assigned identity",
      ),
    ]);
    expect(errors(app({ credential: "managedIdentity", identity: "id-api" }))[0]).toMatch(
      /'id-api' is not a user-assigned identity's resource id; write it as \/subscriptions\//,
    );
    expect(errors(app({ credential: "managedIdentity", identity: ID, vaultUrl: "fromEnv", lifetime: "30d" }))).toEqual([
      "apps[0].clientSecret.vaultUrl: not used with credential managedIdentity (no secret is made or rotated); remove it",
      "apps[0].clientSecret.lifetime: not used with credential managedIdentity (no secret is made or rotated); remove it",
    ]);
    const auth = { azureActiveDirectory: { clientSecretSettingName: "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET" } };
    expect(errors(app({ credential: "managedIdentity", identity: ID }, auth as AppConfig["auth"]))[0]).toContain(
      `set clientSecretSettingName: ${MI_SETTING_NAME}`,
    );
    expect(errors(app({ vaultUrl: "fromEnv", identity: ID }))).toEqual([
      expect.stringContaining("identity: used only with credential managedIdentity"),
    ]);
  });

  test("the defaults' rotation fields do not apply to a managedIdentity app; its own block wins", () => {
    const merged = clientSecretSlice.resolve(
      { credential: "managedIdentity", identity: ID },
      { vaultUrl: "fromEnv", maxAge: "30d", grace: "3h" },
    );
    expect(merged).toEqual({ credential: "managedIdentity", identity: ID, grace: "3h" });
    expect(clientSecretSlice.resolve({ grace: "2h" }, { vaultUrl: "fromEnv" })).toEqual({
      vaultUrl: "fromEnv",
      grace: "2h",
    });
  });
});
