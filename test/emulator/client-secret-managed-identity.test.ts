import type { SecretClient } from "@azure/keyvault-secrets";
import type { Client } from "@microsoft/microsoft-graph-client";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { formatError } from "../../lib/cli/main.ts";
import { configureAuthCommand } from "../../lib/commands/configure-auth.ts";
import { rotateKeysCommand } from "../../lib/commands/rotate-keys.ts";
import type { AppState } from "../../lib/emulator/arm/state.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { adminPost } from "../helpers/clients.ts";
import { emulatorEnv } from "../helpers/emulator.ts";
import { startFleetFixture, vaultClientFor } from "../helpers/fleet-fixture.ts";
import { graphClientFor } from "../helpers/graph.ts";
import { captureIo } from "../helpers/io.ts";
import { passwordDisplayName } from "../../lib/resources/client-secret/plan.ts";
import { RG, SUB, sitePath } from "../helpers/seeds.ts";
import { signInWithAssertion, signInWithSecret } from "../helpers/sign-in.ts";

/**
 * The secretless option end to end, in process, with the real ARM pipeline, the Graph SDK, @azure/keyvault-secrets
 * and @azure/identity against the emulator: an app whose Easy Auth signs in with a rotated client secret moves to a
 * user-assigned managed identity trusted by a federated identity credential (rotate-keys prepares the chain,
 * configure-auth switches Easy Auth to OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID, rotate-keys removes the tool-made
 * password after grace), and the identity's token then signs the registration in.
 */
const OLD_SETTING = "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET";
const MI_SETTING = "OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID";
const SECRET = "func-greeting-easyauth-client-secret";
const PRINCIPAL = "3f6b8d20-4a1c-4e7f-9b2d-5c8e1a3f7d94";
const CLIENT = "9a2c4e61-8b3d-4f50-a7e1-2d6c9b4f1e83";
const OTHER_PRINCIPAL = "6e1a3c58-2f4d-4b7e-8c9a-0b5d7f2e4a16";
const OTHER_CLIENT = "1c3e5a79-6b8d-4f02-9e4a-7d1f3b5c9e20";
const identityId = (name: string) =>
  `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
const ID = identityId("id-greeting");
const H = 3_600_000;
const D = 24 * H;
const OTHERS = {
  WEBSITE_RUN_FROM_PACKAGE: "1",
  ODD: ` spaces, "quotes", ünïcödé, a=b;c=d `,
  CONNECTION: `canary-conn-${randomUUID()}`,
};
const greetingIdentity = { userAssigned: { "id-greeting": { principalId: PRINCIPAL, clientId: CLIENT } } };

const world = {
  subscriptions: [
    {
      subscriptionId: SUB,
      resourceGroups: [
        {
          name: RG,
          sites: [
            {
              name: "func-greeting",
              identity: greetingIdentity,
              slots: [{ name: "staging", identity: greetingIdentity }],
            },
            {
              name: "func-other",
              identity: { userAssigned: { "id-other": { principalId: OTHER_PRINCIPAL, clientId: OTHER_CLIENT } } },
            },
          ],
        },
      ],
    },
  ],
};
const secretFleet = {
  defaults: { subscriptionId: SUB, resourceGroup: RG },
  apps: [{ name: "func-greeting", slots: ["staging"], clientSecret: { vaultUrl: "fromEnv", grace: "1h" } }],
};

let emu: Emulator;
let dir: string;
let configFile: string;
let kv: SecretClient;
let graph: Client;
let app: { id: string; appId: string };
let handMade: { keyId: string; secretText: string };
let oldSecret: { keyId: string; value: string };
const T0 = Math.ceil(Date.now() / 60_000) * 60_000;
const outputs: string[] = [];

const site = (slot?: string): AppState => {
  const s = emu.arm.site(SUB, RG, "func-greeting")!;
  return slot ? s.slots.get(slot)! : s;
};
/** The config of the migration: Easy Auth reads the identity's setting, the app signs in with the identity. */
function identityFleet(identity = ID) {
  return {
    defaults: { subscriptionId: SUB, resourceGroup: RG },
    apps: [
      {
        name: "func-greeting",
        slots: ["staging"],
        auth: {
          azureActiveDirectory: { clientId: app.appId, tokenVersion: 2, clientSecretSettingName: MI_SETTING },
        },
        clientSecret: { credential: "managedIdentity", identity, grace: "1h" },
      },
    ],
  };
}
const useFleet = (fleet: unknown) => writeFileSync(configFile, YAML.stringify(fleet));

beforeAll(async () => {
  ({ emu, dir, configFile } = await startFleetFixture("client-secret-mi", world, secretFleet));
  kv = vaultClientFor(emu);
  graph = graphClientFor(emu);
  app = await graph.api("/applications").post({ displayName: "Greeting API" });
  // A password someone made in the portal: reported by every run, never removed.
  handMade = await graph
    .api(`/applications/${app.id}/addPassword`)
    .post({ passwordCredential: { displayName: "portal" } });
  for (const s of [site(), site("staging")]) {
    s.configVersion = "v2";
    s.authV2 = {
      platform: { enabled: true },
      identityProviders: {
        azureActiveDirectory: {
          enabled: true,
          registration: { clientId: app.appId, clientSecretSettingName: OLD_SETTING },
        },
      },
    };
    s.appSettings = { ...OTHERS };
  }
});
afterAll(() => emu?.close());
beforeEach(() => {
  emu.log.clear();
  emu.faults.clear();
});

async function run(command: typeof rotateKeysCommand, args: string[], at: number) {
  const io = captureIo(emulatorEnv(emu));
  let code: number;
  try {
    code = await command(["--config", configFile, "--backup-dir", join(dir, "backups"), ...args], io, {
      now: () => new Date(at),
      clientSecretVerify: { attempts: 3, delayMs: () => 5 },
    });
  } catch (e) {
    io.stderr.write(`${formatError(e)}\n`);
    code = 1;
  }
  outputs.push(io.out(), io.err());
  return { code, out: io.out(), err: io.err() };
}
const rotate = (at: number, ...args: string[]) =>
  run(rotateKeysCommand, ["--only", "client-secrets", "--yes", ...args], at);

const writes = () =>
  emu.log
    .list()
    .filter(
      (l) =>
        l.status !== 0 &&
        (["PUT", "DELETE", "PATCH"].includes(l.method) ||
          /Password$/.test(l.path) ||
          (l.method === "POST" && /federatedIdentityCredentials/.test(l.path))),
    )
    .map((l) => `${l.service} ${l.method} ${l.path.split("/").slice(-2).join("/")}`);
const passwords = async (): Promise<{ keyId: string; displayName: string }[]> =>
  (await graph.api(`/applications/${app.id}`).select(["passwordCredentials"]).get()).passwordCredentials;
const withSecret = (secret: string) => signInWithSecret(emu, app.appId, secret);
/** As Easy Auth's runtime signs in: the identity endpoint's token for api://AzureADTokenExchange, as client assertion. */
async function withIdentity(siteId: string, clientId: string): Promise<string> {
  const r = await adminPost(emu, "arm/identity-token", {
    site: siteId,
    clientId,
    resource: "api://AzureADTokenExchange",
  });
  expect(r.status).toBe(200);
  const { access_token } = (await r.json()) as { access_token: string };
  return signInWithAssertion(emu, app.appId, access_token);
}

describe("secretless Easy Auth: a managed identity as federated credential (credential: managedIdentity)", () => {
  test("before: the secret path adds a tool-made password and Easy Auth reads it through Key Vault", async () => {
    const r = await rotate(T0);
    expect(r.code, r.out + r.err).toBe(0);
    const s = await kv.getSecret(SECRET);
    oldSecret = { keyId: s.properties.tags!.credentialKeyId!, value: s.value! };
    expect((await passwords()).map((p) => p.displayName).sort()).toEqual(
      [expect.stringMatching(/^easyauth-fleet /), "portal"].sort(),
    );
    expect(await withSecret(oldSecret.value)).toBe("ok");
  });

  test("an identity not assigned to the app: a per-target error naming it and the fix, zero writes", async () => {
    useFleet(identityFleet(identityId("id-missing")));
    const r = await rotate(T0 + D);
    expect(r.code).toBe(1);
    expect(r.out + r.err).toContain(`the identity ${identityId("id-missing")} is not assigned`);
    expect(r.out + r.err).toMatch(/az webapp identity assign --identities/);
    expect(writes()).toEqual([]);
    // Only reads were sent.
    expect(
      emu.log.list().filter((l) => l.method !== "GET" && !/\/list$/.test(l.path) && l.service !== "entra"),
    ).toEqual([]);
  });

  test("bad config: identity not a resource id, or a rotation field with managedIdentity → exit 1, no request", async () => {
    useFleet({
      ...identityFleet("id-greeting"),
      apps: [
        {
          ...identityFleet().apps[0]!,
          clientSecret: { credential: "managedIdentity", identity: "id-greeting", maxAge: "30d" },
        },
      ],
    });
    const r = await rotate(T0 + D);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/identity: 'id-greeting' is not a user-assigned identity's resource id/);
    expect(r.err).toMatch(/maxAge: not used with credential managedIdentity/);
    expect(emu.log.list()).toEqual([]);
  });

  test("--dry-run: the plan names the credential and the client id per site; nothing is written (text and --json)", async () => {
    useFleet(identityFleet());
    const text = await rotate(T0 + D, "--dry-run");
    expect(text.code, text.out + text.err).toBe(0);
    expect(text.out).toContain(`subject ${PRINCIPAL}`);
    expect(text.out).toContain(`${MI_SETTING}`);
    expect(text.out).toContain(CLIENT);
    const json = await rotate(T0 + D, "--dry-run", "--json");
    const doc = JSON.parse(json.out) as { targets?: unknown[] };
    expect(JSON.stringify(doc)).toContain("federatedIdentityCredentials");
    expect(writes()).toEqual([]);
  });

  test("configure-auth before the chain exists: moving Easy Auth to the missing setting is skipped with the fix, zero writes", async () => {
    useFleet(identityFleet());
    const r = await run(configureAuthCommand, ["--yes"], T0 + D);
    expect(r.out + r.err).toMatch(
      /clientSecretSettingName would move from '\w+' to 'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID', which this app has no app setting for: every sign-in would fail/,
    );
    expect(r.out + r.err).toMatch(/Create 'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID' first \(rotate-keys does/);
    expect(writes()).toEqual([]);
    expect(site().authV2).toMatchObject({
      identityProviders: { azureActiveDirectory: { registration: { clientSecretSettingName: OLD_SETTING } } },
    });
  });

  let calls: string[] = [];
  test("rotate-keys prepares the chain: the federated credential, the setting on production and the slot; no password removed", async () => {
    useFleet(identityFleet());
    const r = await rotate(T0 + D);
    expect(r.code, r.out + r.err).toBe(0);
    calls = emu.log
      .list()
      .filter((l) => l.service !== "entra")
      .map((l) => `${l.service} ${l.method} ${l.path.replace(/^.*\/sites\/func-greeting/, "")}`);
    expect(writes()).toEqual([
      `graph POST ${app.id}/federatedIdentityCredentials`,
      "arm PUT config/appsettings",
      "arm PUT config/appsettings",
      "arm PUT config/slotConfigNames",
    ]);
    // Slot-sticky: one document of the app, on production.
    expect(emu.arm.site(SUB, RG, "func-greeting")!.slotConfigNames).toMatchObject({ appSettingNames: [MI_SETTING] });
    const listed = (await graph.api(`/applications/${app.id}/federatedIdentityCredentials`).get()).value;
    expect(listed).toEqual([
      expect.objectContaining({
        issuer: `https://login.microsoftonline.com/${emu.tenantId}/v2.0`,
        subject: PRINCIPAL,
        audiences: ["api://AzureADTokenExchange"],
        description: expect.stringMatching(/^easyauth-fleet \d{4}-.*Z: Easy Auth of func-greeting/),
      }),
    ]);
    // Every other setting survives byte for byte; the secret's reference stays until Easy Auth no longer reads it.
    for (const s of [site(), site("staging")]) {
      expect(s.appSettings[MI_SETTING]).toBe(CLIENT);
      for (const [k, v] of Object.entries(OTHERS)) expect(s.appSettings[k]).toBe(v);
      expect(s.appSettings[OLD_SETTING]).toMatch(/^@Microsoft\.KeyVault\(/);
    }
    expect(await passwords()).toHaveLength(2);
    expect(r.out + r.err).toContain(`Easy Auth does not read ${MI_SETTING} yet`);
    process.stdout.write(
      `calls of the run that prepares the secretless chain (production + 1 slot):\n  ${calls.join("\n  ")}\n`,
    );
  });

  test("the identity's token signs the registration in from production and the slot; another identity's is AADSTS70021", async () => {
    expect(await withIdentity(sitePath("func-greeting"), CLIENT)).toBe("ok");
    expect(await withIdentity(sitePath("func-greeting", "staging"), CLIENT)).toBe("ok");
    expect(await withIdentity(sitePath("func-other"), OTHER_CLIENT)).toBe("AADSTS70021");
  });

  test("configure-auth switches Easy Auth to the identity's setting (production and the slot)", async () => {
    const r = await run(configureAuthCommand, ["--yes"], T0 + D + 60_000);
    expect(r.code, r.out + r.err).toBe(0);
    for (const s of [site(), site("staging")])
      expect(s.authV2).toMatchObject({
        identityProviders: { azureActiveDirectory: { registration: { clientSecretSettingName: MI_SETTING } } },
      });
  });

  test("rerun inside grace: nothing to do, zero writes; the old tool-made password still signs in", async () => {
    const r = await rotate(T0 + D + 30 * 60_000);
    expect(r.code, r.out + r.err).toBe(0);
    expect(writes()).toEqual([]);
    expect(r.out + r.err).toMatch(/stays valid until \S+ \(grace 1h after the federated credential\)/);
    expect(await withSecret(oldSecret.value)).toBe("ok");
  });

  test("after grace: only the tool-made password is removed; a token request with it fails, the hand-made one survives", async () => {
    const r = await rotate(T0 + D + 2 * H);
    expect(r.code, r.out + r.err).toBe(0);
    expect(writes()).toEqual([`graph POST ${app.id}/removePassword`]);
    expect((await passwords()).map((p) => p.keyId)).toEqual([handMade.keyId]);
    expect(await withSecret(oldSecret.value)).toBe("AADSTS7000215");
    expect(await withSecret(handMade.secretText)).toBe("ok");
    expect(r.out + r.err).toMatch(/'portal' \([0-9a-f-]+\) was not made by this tool: reported, never removed/);
    expect(await withIdentity(sitePath("func-greeting"), CLIENT)).toBe("ok");
  });

  test("rerun: nothing to do, zero writes", async () => {
    const r = await rotate(T0 + D + 3 * H, "--detailed-exitcode");
    expect(r.code, r.out + r.err).toBe(0);
    expect(writes()).toEqual([]);
  });

  test("the identity unassigned from the slot later: a per-target error, nothing written", async () => {
    const saved = site("staging").identity;
    site("staging").identity = undefined;
    try {
      const r = await rotate(T0 + D + 4 * H);
      expect(r.code).toBe(1);
      expect(r.out + r.err).toContain("func-greeting/staging: the identity");
      expect(writes()).toEqual([]);
    } finally {
      site("staging").identity = saved;
    }
  });

  test("canaries: no secret value in any output of any run", () => {
    const all = outputs.join("\n");
    expect(all.length).toBeGreaterThan(1000);
    for (const value of [oldSecret.value, handMade.secretText, OTHERS.CONNECTION]) expect(all).not.toContain(value);
  });
});

/**
 * A fresh world already switched to the identity (Easy Auth reads OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID on
 * production and the slot), with one tool-made password from a day ago; `once` runs rotate-keys in it.
 */
async function switchedWorld(name: string) {
  const f = await startFleetFixture(name, world, secretFleet);
  const g = graphClientFor(f.emu);
  const registration: { id: string; appId: string } = await g.api("/applications").post({ displayName: name });
  await g.api(`/applications/${registration.id}/addPassword`).post({
    passwordCredential: { displayName: passwordDisplayName(new Date(T0 - D)) },
  });
  const production = f.emu.arm.site(SUB, RG, "func-greeting")!;
  const apps = [production, production.slots.get("staging")!];
  for (const a of apps) {
    a.configVersion = "v2";
    a.authV2 = {
      platform: { enabled: true },
      identityProviders: {
        azureActiveDirectory: {
          enabled: true,
          registration: { clientId: registration.appId, clientSecretSettingName: MI_SETTING },
        },
      },
    };
  }
  writeFileSync(
    f.configFile,
    YAML.stringify({
      defaults: { subscriptionId: SUB, resourceGroup: RG },
      apps: [
        {
          name: "func-greeting",
          slots: ["staging"],
          clientSecret: { credential: "managedIdentity", identity: ID, grace: "1h" },
        },
      ],
    }),
  );
  const once = async (at: number, ...args: string[]) => {
    const io = captureIo(emulatorEnv(f.emu));
    const code = await rotateKeysCommand(["--config", f.configFile, ...args], io, { now: () => new Date(at) }).catch(
      (e: unknown) => {
        io.stderr.write(formatError(e));
        return 1;
      },
    );
    return { code, text: io.out() + io.err() };
  };
  const credentials = async (): Promise<unknown[]> =>
    (await g.api(`/applications/${registration.id}/federatedIdentityCredentials`).get()).value;
  const passwordCount = async (): Promise<number> =>
    (await g.api(`/applications/${registration.id}`).select(["passwordCredentials"]).get()).passwordCredentials.length;
  return { f, production, apps, once, credentials, passwordCount };
}

/**
 * What the secretless chain needs (docs/permissions.md, "Easy Auth client secrets"), enforced by the emulator as the
 * services do: the chain is prepared and the tool-made password retired with exactly this set; without any one of
 * them the run fails with that permission named.
 */
const MI_SET = {
  arm: [
    "Microsoft.Web/sites/read",
    "Microsoft.Web/sites/config/read",
    "Microsoft.Web/sites/config/list/action",
    "Microsoft.Web/sites/config/write",
    "Microsoft.Web/sites/slots/read",
    "Microsoft.Web/sites/slots/config/list/action",
    "Microsoft.Web/sites/slots/config/write",
  ],
  graph: ["Application.ReadWrite.OwnedBy"],
};

describe.concurrent("least privilege of credential: managedIdentity", { timeout: 120_000 }, () => {
  async function attempt(arm: string[], graphPermissions: string[]) {
    const w = await switchedWorld("client-secret-mi-lp");
    try {
      w.f.emu.authorization.set(w.f.emu.clientId, {
        arm: [{ actions: arm, scope: `/subscriptions/${SUB}/resourceGroups/${RG}` }],
        graph: graphPermissions,
        keyVault: [],
      });
      let last = { code: 0, text: "" };
      for (const at of [T0, T0 + 2 * H]) {
        last = await w.once(at, "--yes");
        if (last.code !== 0) return last;
      }
      w.f.emu.authorization.clear();
      return { ...last, passwords: await w.passwordCount() };
    } finally {
      await w.f.emu.close();
    }
  }

  test("succeeds with exactly the documented set: the chain prepared, then the tool-made password removed", async () => {
    const r = await attempt(MI_SET.arm, MI_SET.graph);
    expect(r.code, r.text).toBe(0);
    expect(r).toMatchObject({ passwords: 0 });
  });

  const removals = [
    ...MI_SET.arm.map((p) => ({ service: "arm", p })),
    ...MI_SET.graph.map((p) => ({ service: "graph", p })),
  ];
  test.each(removals)("without $p: exit 1 naming the missing permission", async ({ service, p }) => {
    const r =
      service === "arm"
        ? await attempt(
            MI_SET.arm.filter((x) => x !== p),
            MI_SET.graph,
          )
        : await attempt(MI_SET.arm, []);
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/missing permission \S+ on scope \S+.* for command rotate-keys/);
  });
});

describe("crash safety and saved plans of the secretless chain", () => {
  test.each([
    {
      step: "the credential's POST (written, answer lost)",
      fault: { service: "graph", method: "POST", path: "federatedIdentityCredentials" },
    },
    {
      step: "the production app-settings PUT (written, answer lost)",
      fault: { service: "arm", method: "PUT", path: "config/appsettings$" },
    },
    {
      step: "the slot-settings PUT (written, answer lost)",
      fault: { service: "arm", method: "PUT", path: "slotConfigNames$" },
    },
  ] as const)("lost answer of $step: the next run completes the chain with one credential", async ({ fault }) => {
    const w = await switchedWorld("client-secret-mi-crash");
    try {
      w.f.emu.faults.add([{ ...fault, kind: "drop", times: 1 }]);
      // The POST is sent once (a create), so the run stops; an idempotent PUT is retried by the ARM client and lands.
      expect((await w.once(T0, "--yes")).code).toBe(fault.service === "graph" ? 1 : 0);
      expect(w.f.emu.faults.list().every((x) => x.hits === 1)).toBe(true);
      w.f.emu.faults.clear();
      const second = await w.once(T0, "--yes");
      expect(second.code, second.text).toBe(0);
      expect(await w.credentials()).toHaveLength(1);
      for (const a of w.apps) expect(a.appSettings[MI_SETTING]).toBe(CLIENT);
      expect(w.production.slotConfigNames).toMatchObject({ appSettingNames: [MI_SETTING] });
      w.f.emu.log.clear();
      expect((await w.once(T0, "--yes")).code).toBe(0);
      expect(
        w.f.emu.log.list().filter((l) => l.method === "PUT" || /POST.*federated/.test(`${l.method} ${l.path}`)),
      ).toEqual([]);
    } finally {
      await w.f.emu.close();
    }
  });

  test("--plan-out then --plan applies exactly that plan; a plan made stale by another writer is refused", async () => {
    const w = await switchedWorld("client-secret-mi-plan");
    try {
      const file = join(w.f.dir, "mi.plan.json");
      expect((await w.once(T0, "--plan-out", file)).code).toBe(0);
      expect(await w.credentials()).toHaveLength(0);
      const applied = await w.once(T0, "--plan", file, "--yes");
      expect(applied.code, applied.text).toBe(0);
      expect(await w.credentials()).toHaveLength(1);
      for (const a of w.apps) expect(a.appSettings[MI_SETTING]).toBe(CLIENT);
      // Saved inside grace; then someone changes the slot's setting: the saved plan no longer matches Azure.
      expect((await w.once(T0 + 2 * H, "--plan-out", file)).code).toBe(0);
      w.apps[1]!.appSettings[MI_SETTING] = OTHER_CLIENT;
      const stale = await w.once(T0 + 2 * H, "--plan", file, "--yes");
      expect(stale.code).toBe(1);
      expect(await w.passwordCount()).toBe(1);
    } finally {
      await w.f.emu.close();
    }
  });
});
