import { describe, expect, test } from "vitest";
import { Secret } from "../../lib/azure/secret.ts";
import type { ClientSecretObserved, PasswordInfo, SiteView } from "../../lib/resources/client-secret/observe.ts";
import {
  passwordDisplayName,
  planClientSecret,
  toolMadeAt,
  type PlanInput,
} from "../../lib/resources/client-secret/plan.ts";
import type { ClientSecretPolicy } from "../../lib/resources/client-secret/policy.ts";
import { keyVaultReference } from "../../lib/resources/client-secret/reference.ts";

const D = 86_400_000;
const H = 3_600_000;
const NOW = new Date("2026-12-01T12:00:00Z");
const VAULT = "https://kv-apis.vault.azure.net";
const policy: ClientSecretPolicy = {
  at: "apps[0].clientSecret",
  secretName: "func-easyauth-client-secret",
  maxAgeMs: 30 * D,
  renewBeforeMs: 7 * D,
  lifetimeMs: 60 * D,
  graceMs: H,
};
const APP_ID = "11111111-1111-1111-1111-111111111111";
const prod = { subscriptionId: "s", resourceGroup: "rg", name: "func" };
const staging = { ...prod, slot: "staging" };
const ref = (v: string) => keyVaultReference(VAULT, policy.secretName, v);

const tool = (keyId: string, madeAgoMs: number, lifetimeMs = 60 * D): PasswordInfo => {
  const made = new Date(NOW.getTime() - madeAgoMs);
  return {
    keyId,
    displayName: passwordDisplayName(made),
    startDateTime: made.toISOString(),
    endDateTime: new Date(made.getTime() + lifetimeMs).toISOString(),
  };
};
const site = (r: typeof prod, over: Partial<SiteView> = {}): SiteView => ({
  ref: r,
  clientId: APP_ID,
  settingName: "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET",
  kind: "reference",
  reference: ref("v1"),
  resolved: { status: "Resolved", version: "v1" },
  ...over,
});
function observed(passwords: PasswordInfo[], over: Partial<ClientSecretObserved> = {}): ClientSecretObserved {
  return {
    sites: [site(prod), site(staging)],
    application: { id: "obj", appId: APP_ID, passwords },
    published: {
      state: "found",
      version: "v1",
      keyId: "k1",
      publishedAt: new Date(NOW.getTime() - 2 * D),
      value: new Secret("s1"),
    },
    ...over,
  };
}
const plan = (o: ClientSecretObserved, over: Partial<PlanInput> = {}) =>
  planClientSecret({ policy, vaultUrl: VAULT, observed: o, now: NOW, force: false, migrate: false, ...over });
const kinds = (p: ReturnType<typeof plan>) => p.steps.map((s) => (s.kind === "remove" ? `remove ${s.keyId}` : s.kind));

describe("client-secret planner", () => {
  test("the display name carries the creation time, and only the tool's own names parse", () => {
    expect(passwordDisplayName(NOW)).toBe("easyauth-fleet 2026-12-01T12:00:00Z");
    expect(toolMadeAt({ displayName: "easyauth-fleet 2026-12-01T12:00:00Z" })).toEqual(NOW);
    expect(toolMadeAt({ displayName: "portal" })).toBeUndefined();
    expect(toolMadeAt({ displayName: "easyauth-fleet yesterday" })).toBeUndefined();
  });

  test("current, referenced everywhere, resolved: nothing to do", () => {
    const p = plan(observed([tool("k1", 2 * D)]));
    expect(p.steps).toEqual([]);
    expect(p.notes.join()).toMatch(/is current and referenced by every site/);
  });

  test("older than maxAge: add → point every site → verify; the current one stays for the grace period", () => {
    const p = plan(observed([tool("k1", 31 * D, 90 * D)]));
    expect(kinds(p)).toEqual(["add", "point", "point", "verify"]);
    expect(p.steps[0]).toEqual({
      kind: "add",
      displayName: "easyauth-fleet 2026-12-01T12:00:00Z",
      endDateTime: "2027-01-30T12:00:00Z",
    });
    expect(p.notes.join()).toMatch(/31d old \(maxAge 30d\)/);
    expect(p.notes.join()).toMatch(/stays valid for 1h after the new one is published/);
  });

  test("expires within renewBefore: rotate even when young", () => {
    const p = plan(observed([tool("k1", 2 * D, 8 * D)]));
    expect(kinds(p)).toEqual(["add", "point", "point", "verify"]);
    expect(p.notes.join()).toMatch(/expires in 6d \(renewBefore 7d\)/);
  });

  test("nothing published yet: add; older tool-made passwords wait for the grace period (a vault may have moved)", () => {
    const p = plan(observed([tool("k0", 5 * D)], { published: { state: "absent" } }));
    expect(kinds(p)).toEqual(["add", "point", "point", "verify"]);
  });

  test("crash after the first addPassword (nothing published, no site resolving a reference): the orphan goes after verify", () => {
    const placeholder = { kind: "plain" as const, reference: undefined, resolved: undefined };
    const p = plan(
      observed([tool("k0", 5 * 60_000)], {
        published: { state: "absent" },
        sites: [site(prod, placeholder), site(staging, placeholder)],
      }),
    );
    expect(kinds(p)).toEqual(["add", "point", "point", "verify", "remove k0"]);
  });

  test("grace zero: the retired passwords are removed in the same plan, after verify", () => {
    const p = planClientSecret({
      policy: { ...policy, graceMs: 0 },
      vaultUrl: VAULT,
      observed: observed([tool("k0", 40 * D, 90 * D), tool("k1", 31 * D, 90 * D)]),
      now: NOW,
      force: false,
      migrate: false,
    });
    expect(kinds(p)).toEqual(["add", "point", "point", "verify", "remove k0", "remove k1"]);
  });

  test("after the grace period: verify, then remove older tool-made passwords; never one the tool did not make", () => {
    const portal: PasswordInfo = { keyId: "kp", displayName: "portal", endDateTime: "2028-01-01T00:00:00Z" };
    const p = plan(observed([tool("k0", 20 * D), tool("k1", 2 * D), portal]));
    expect(kinds(p)).toEqual(["verify", "remove k0"]);
    expect(p.warnings.join()).toMatch(/'portal' \(kp\) was not made by this tool: reported, never removed/);
  });

  test("inside the grace period: nothing removed yet", () => {
    const o = observed([tool("k0", 20 * D), tool("k1", 30 * 60_000)]);
    o.published = {
      ...(o.published as { state: "found"; version: string; value: Secret }),
      state: "found",
      keyId: "k1",
      publishedAt: new Date(NOW.getTime() - 30 * 60_000),
    };
    const p = plan(o);
    expect(p.steps).toEqual([]);
    expect(p.notes.join()).toMatch(/stays valid until 2026-12-01T12:30:00Z \(grace 1h\)/);
  });

  test("crash after addPassword: a tool-made password newer than the published one is removed, none added", () => {
    const p = plan(observed([tool("k1", 2 * D), tool("orphan", 60_000)]));
    expect(kinds(p)).toEqual(["verify", "remove orphan"]);
    expect(p.steps.at(-1)).toMatchObject({ why: "never published" });
  });

  test("crash after publishing: sites still on the old version are pointed at the current one, nothing added", () => {
    const o = observed([tool("k0", 31 * D), tool("k1", 60_000)], {
      published: { state: "found", version: "v2", keyId: "k1", publishedAt: NOW, value: new Secret("s2") },
    });
    o.sites = [site(prod, { reference: ref("v2"), resolved: { status: "Resolved", version: "v2" } }), site(staging)];
    const p = plan(o);
    expect(p.steps).toEqual([
      { kind: "point", site: staging, settingName: "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET", version: "v2" },
      { kind: "verify" },
    ]);
  });

  test("a reference that does not resolve blocks every removal and says why", () => {
    const o = observed([tool("k0", 20 * D), tool("k1", 2 * D)]);
    o.sites = [site(prod), site(staging, { resolved: { status: "AccessToKeyVaultDenied" } })];
    const p = plan(o);
    expect(p.steps).toEqual([]);
    expect(p.warnings.join()).toMatch(
      /staging: MICROSOFT_PROVIDER_AUTHENTICATION_SECRET does not resolve \(AccessToKeyVaultDenied\)/,
    );
  });

  test("a plain setting: skipped with the fix, or with migrate copied to Key Vault without a new password", () => {
    const plainSites = [
      site(prod, { kind: "plain", plain: new Secret("abc-the-secret"), reference: undefined, resolved: undefined }),
      site(staging, { kind: "plain", plain: new Secret("abc-the-secret"), reference: undefined, resolved: undefined }),
    ];
    const pw: PasswordInfo = { keyId: "kp", displayName: "portal", hint: "abc" };
    const o = observed([pw], { sites: plainSites, published: { state: "absent" } });
    const skipped = plan(o);
    expect(skipped.skipped?.fix).toMatch(/--migrate-secret-setting/);
    expect(skipped.steps).toEqual([]);
    const migrated = plan(o, { migrate: true });
    expect(kinds(migrated)).toEqual(["migrate", "point", "point", "verify"]);
    expect(migrated.steps[0]).toMatchObject({ kind: "migrate", keyId: "kp" });
    // Never the value in the plan.
    expect(JSON.stringify(migrated)).not.toContain("the-secret");
  });

  test("slots with another registration are reported and left alone; no Easy Auth setting at all is a skip", () => {
    const o = observed([tool("k1", 2 * D)]);
    o.sites = [site(prod), site(staging, { clientId: "22222222-2222-2222-2222-222222222222" })];
    const p = plan(o);
    expect(p.sites.map((s) => s.ref)).toEqual([prod]);
    expect(p.warnings.join()).toMatch(/staging signs in with another registration/);
    const none = plan(observed([], { sites: [{ ref: prod, kind: "absent" }] }));
    expect(none.skipped?.message).toMatch(/no Microsoft Entra registration with a clientSecretSettingName/);
  });

  test("--force rotates a young password", () => {
    expect(kinds(plan(observed([tool("k1", H)]), { force: true }))).toEqual(["add", "point", "point", "verify"]);
  });
});

describe("client-secret planner: plain values that are no password", () => {
  test("a placeholder in the setting is replaced by a reference to a new password, without --migrate-secret-setting", () => {
    const placeholder = {
      kind: "plain" as const,
      plain: new Secret("demo-placeholder-not-a-secret"),
      reference: undefined,
      resolved: undefined,
    };
    const o = observed([{ keyId: "kp", displayName: "portal", hint: "xyz" }], {
      sites: [site(prod, placeholder), site(staging, placeholder)],
      published: { state: "absent" },
    });
    const p = plan(o);
    expect(kinds(p)).toEqual(["add", "point", "point", "verify"]);
    expect(p.warnings.join()).toMatch(/holds a value that is no password of the registration/);
  });
});

describe("client-secret planner: Easy Auth configured in the same run", () => {
  test("no setting named yet but the config's auth block names one: deferred (planned again at apply), else a skip", () => {
    const o = observed([], { sites: [{ ref: prod, kind: "absent" }], application: undefined });
    expect(plan(o, { authPending: true })).toMatchObject({ deferred: true, steps: [] });
    expect(plan(o).skipped?.fix).toMatch(/configure-auth/);
  });
});
