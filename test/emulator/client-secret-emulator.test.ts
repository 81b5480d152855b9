import type { Client } from "@microsoft/microsoft-graph-client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ArmClient } from "../../lib/azure/arm-client.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { toolArmClient } from "../helpers/clients.ts";
import { startTestEmulator } from "../helpers/emulator.ts";
import { vaultClientFor } from "../helpers/fleet-fixture.ts";
import { graphClientFor, graphError } from "../helpers/graph.ts";
import { RG, SUB } from "../helpers/seeds.ts";
import { signInWithSecret } from "../helpers/sign-in.ts";

/**
 * The emulator as Easy Auth's client secret needs it, through the real Graph, ARM, Key Vault and identity clients:
 * addPassword/removePassword, the token endpoint's view of an application's passwords, app settings replaced whole,
 * Key Vault references and their configreferences status, and the restart an app-settings change causes.
 */
let clock = Date.now();
let emu: Emulator;
let graph: Client;
let arm: ArmClient;
let app: { id: string; appId: string };
const SITE = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites/func-refs`;

beforeAll(async () => {
  emu = await startTestEmulator({
    graph: { now: () => clock },
    seed: {
      subscriptions: [
        {
          subscriptionId: SUB,
          resourceGroups: [{ name: RG, sites: [{ name: "func-refs", appSettings: { KEEP: "1" } }] }],
        },
      ],
    },
  });
  graph = graphClientFor(emu);
  arm = toolArmClient(emu);
  app = await graph.api("/applications").post({ displayName: "Refs API" });
});
afterAll(() => emu?.close());

const token = (secret: string) => signInWithSecret(emu, app.appId, secret);

describe("Graph passwords and the token endpoint", () => {
  test("addPassword returns the text once; GET lists keyId, displayName, endDateTime, hint and never the text", async () => {
    const made = await graph
      .api(`/applications/${app.id}/addPassword`)
      .post({ passwordCredential: { displayName: "first", endDateTime: new Date(clock + 86_400_000).toISOString() } });
    expect(made.secretText).toMatch(/^.{3}8Q~/);
    expect(made).toMatchObject({ displayName: "first", hint: made.secretText.slice(0, 3) });
    const listed = (await graph.api(`/applications/${app.id}`).select(["passwordCredentials"]).get())
      .passwordCredentials;
    expect(listed).toEqual([
      expect.objectContaining({
        keyId: made.keyId,
        displayName: "first",
        hint: made.secretText.slice(0, 3),
        secretText: null,
      }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(made.secretText);
    // Not writable by PATCH.
    const e = await graphError(
      graph.api(`/applications/${app.id}`).patch({ passwordCredentials: [{ displayName: "x" }] }),
    );
    expect(e.statusCode).toBe(400);
    expect(await token(made.secretText)).toBe("ok");
  });

  test("any live password signs in; a removed one is AADSTS7000215, an expired one AADSTS7000222", async () => {
    const a = await graph
      .api(`/applications(appId='${app.appId}')/addPassword`)
      .post({ passwordCredential: { displayName: "a" } });
    const b = await graph
      .api(`/applications/${app.id}/addPassword`)
      .post({ passwordCredential: { displayName: "b", endDateTime: new Date(clock + 60_000).toISOString() } });
    expect([await token(a.secretText), await token(b.secretText)]).toEqual(["ok", "ok"]);
    expect(await token("not-a-password-of-this-app")).toBe("AADSTS7000215");
    await graph.api(`/applications/${app.id}/removePassword`).post({ keyId: a.keyId });
    expect(await token(a.secretText)).toBe("AADSTS7000215");
    clock += 120_000;
    expect(await token(b.secretText)).toBe("AADSTS7000222");
    const gone = await graphError(graph.api(`/applications/${app.id}/removePassword`).post({ keyId: a.keyId }));
    expect(gone.statusCode).toBe(404);
  });
});

describe("app settings and Key Vault references (ARM)", () => {
  test("PUT config/appsettings replaces the whole set, and a change shows the app restarting", async () => {
    await arm.put(`${SITE}/config/appsettings`, { properties: { A: "1" } });
    const listed = (await arm.post<{ properties: Record<string, string> }>(`${SITE}/config/appsettings/list`)).body;
    expect(listed.properties).toEqual({ A: "1" });
    const state = (await arm.get<{ properties: { state: string } }>(SITE)).body.properties.state;
    expect(state).toBe("Restarting");
  });

  test("configreferences: Resolved with the active version, or why not (secret, version, vault, access, syntax)", async () => {
    const kv = vaultClientFor(emu);
    const v1 = await kv.setSecret("easyauth", "s3cret-value-1");
    const uri = `${emu.url}/secrets/easyauth`;
    await arm.put(`${SITE}/config/appsettings`, {
      properties: {
        PLAIN: "not a reference",
        BY_URI: `@Microsoft.KeyVault(SecretUri=${uri}/${v1.properties.version})`,
        LATEST: `@Microsoft.KeyVault(SecretUri=${uri})`,
        BY_NAME: "@Microsoft.KeyVault(VaultName=kv-emulated;SecretName=easyauth)",
        NO_SECRET: `@Microsoft.KeyVault(SecretUri=${emu.url}/secrets/missing)`,
        NO_VERSION: `@Microsoft.KeyVault(SecretUri=${uri}/0123456789abcdef0123456789abcdef)`,
        NO_VAULT: "@Microsoft.KeyVault(VaultName=kv-elsewhere;SecretName=easyauth)",
        BROKEN: "@Microsoft.KeyVault(SecretUri)",
      },
    });
    type Ref = { name: string; properties: { status: string; activeVersion?: string; secretName?: string } };
    const all = (await arm.get<{ value: Ref[] }>(`${SITE}/config/configreferences/appsettings`)).body.value;
    const status = Object.fromEntries(all.map((r) => [r.name, r.properties.status]));
    expect(status).toEqual({
      BY_URI: "Resolved",
      LATEST: "Resolved",
      BY_NAME: "Resolved",
      NO_SECRET: "SecretNotFound",
      NO_VERSION: "SecretVersionNotFound",
      NO_VAULT: "VaultNotFound",
      BROKEN: "InvalidSyntax",
    });
    const one = (await arm.get<Ref>(`${SITE}/config/configreferences/appsettings/BY_URI`)).body;
    expect(one.properties).toMatchObject({
      status: "Resolved",
      activeVersion: v1.properties.version,
      secretName: "easyauth",
    });
    await expect(arm.get(`${SITE}/config/configreferences/appsettings/PLAIN`)).rejects.toMatchObject({ status: 404 });

    const deny = await fetch(`${emu.url}/_emulator/arm/keyvault-access`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ resourceId: SITE, allowed: false }),
    });
    expect(deny.status).toBe(200);
    const denied = (await arm.get<Ref>(`${SITE}/config/configreferences/appsettings/BY_URI`)).body;
    expect(denied.properties.status).toBe("AccessToKeyVaultDenied");
  });
});
