import type { Client } from "@microsoft/microsoft-graph-client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Emulator } from "../../lib/emulator/index.ts";
import { adminPost, sdkClient } from "../helpers/clients.ts";
import { startTestEmulator } from "../helpers/emulator.ts";
import { graphClientFor, graphError } from "../helpers/graph.ts";
import { RG, SUB, sitePath } from "../helpers/seeds.ts";
import { signInWithAssertion } from "../helpers/sign-in.ts";

/**
 * The emulator's side of the secretless option, through the real Graph SDK, @azure/arm-appservice and
 * @azure/identity: a site's user-assigned identities on GET, the identity endpoint's token (admin route), Graph's
 * federatedIdentityCredentials with its rules, and the token endpoint redeeming a managed identity's token as the
 * client assertion of a registration that trusts it.
 */
const PRINCIPAL = "0d7f2b61-3c4e-4a58-9f1e-6b2a7c9d8e10";
const CLIENT = "7c1e9a24-5b3d-4f60-8e2a-1d9c6b4f3a72";
const OTHER_PRINCIPAL = "2e8a4c19-7d5b-4e63-a1f0-9c3b5d7e2f48";
const OTHER_CLIENT = "4a6c8e02-1b3d-4f5a-9c7e-0d2f4b6a8c91";
const ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-greeting`;
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
              identity: { userAssigned: { "id-greeting": { principalId: PRINCIPAL, clientId: CLIENT } } },
              slots: [{ name: "staging" }],
            },
            {
              name: "func-other",
              identity: {
                systemAssigned: true,
                userAssigned: { "id-other": { principalId: OTHER_PRINCIPAL, clientId: OTHER_CLIENT } },
              },
            },
          ],
        },
      ],
    },
  ],
};

let emu: Emulator;
let graph: Client;
let app: { id: string; appId: string };
const fics = () => `/applications/${app.id}/federatedIdentityCredentials`;
const issuer = () => `https://login.microsoftonline.com/${emu.tenantId}/v2.0`;

beforeAll(async () => {
  emu = await startTestEmulator({ seed: world });
  graph = graphClientFor(emu);
  app = await graph.api("/applications").post({ displayName: "Greeting API" });
});
afterAll(() => emu?.close());

async function identityToken(site: string, clientId: string): Promise<Response> {
  return adminPost(emu, "arm/identity-token", { site, clientId, resource: "api://AzureADTokenExchange" });
}
const signIn = (assertion: string) => signInWithAssertion(emu, app.appId, assertion);

describe("a site's managed identities", () => {
  test("GET site lists the seeded identities; a slot has its own (none here); an app without one has no identity", async () => {
    const web = sdkClient(emu);
    const site = await web.webApps.get(RG, "func-greeting");
    expect(site.identity?.type).toBe("UserAssigned");
    expect(site.identity?.userAssignedIdentities?.[ID]).toEqual({ principalId: PRINCIPAL, clientId: CLIENT });
    const other = await web.webApps.get(RG, "func-other");
    expect(other.identity?.type).toBe("SystemAssigned, UserAssigned");
    expect(other.identity?.principalId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await web.webApps.getSlot(RG, "func-greeting", "staging")).identity).toBeUndefined();
  });

  test("the identity endpoint gives a token only for an identity assigned to that app or slot", async () => {
    const ok = await identityToken(sitePath("func-greeting"), CLIENT);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { access_token: string; client_id: string };
    const claims = JSON.parse(Buffer.from(body.access_token.split(".")[1]!, "base64url").toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({ iss: issuer(), sub: PRINCIPAL, oid: PRINCIPAL, aud: "api://AzureADTokenExchange" });
    expect(body.client_id).toBe(CLIENT);
    expect((await identityToken(sitePath("func-greeting", "staging"), CLIENT)).status).toBe(400);
    expect((await identityToken(sitePath("func-greeting"), OTHER_CLIENT)).status).toBe(400);
  });
});

describe("slot settings (config/slotConfigNames)", () => {
  test("GET on an app never configured: every list null; PUT replaces the whole document; GET reads it back", async () => {
    const web = sdkClient(emu);
    const before = await web.webApps.listSlotConfigurationNames(RG, "func-greeting");
    expect([before.appSettingNames, before.connectionStringNames]).toEqual([null, null]);
    await web.webApps.updateSlotConfigurationNames(RG, "func-greeting", {
      appSettingNames: ["A", "B"],
      connectionStringNames: ["Db"],
    });
    const after = await web.webApps.listSlotConfigurationNames(RG, "func-greeting");
    expect([after.appSettingNames, after.connectionStringNames]).toEqual([["A", "B"], ["Db"]]);
    await web.webApps.updateSlotConfigurationNames(RG, "func-greeting", { appSettingNames: ["A"] });
    const replaced = await web.webApps.listSlotConfigurationNames(RG, "func-greeting");
    expect([replaced.appSettingNames, replaced.connectionStringNames]).toEqual([["A"], null]);
  });
});

describe("federatedIdentityCredentials (Graph v1.0)", () => {
  const credential = (name: string, subject = PRINCIPAL) => ({
    name,
    issuer: issuer(),
    subject,
    audiences: ["api://AzureADTokenExchange"],
    description: "test",
  });

  test("before a credential exists, a managed identity's token is AADSTS70021 for the registration", async () => {
    const t = (await (await identityToken(sitePath("func-greeting"), CLIENT)).json()) as { access_token: string };
    expect(await signIn(t.access_token)).toBe("AADSTS70021");
  });

  test("POST → 201 with the v1.0 shape; GET lists it; GET by id and by name", async () => {
    const made = await graph.api(fics()).post(credential("easyauth"));
    expect(
      Object.keys(made)
        .filter((k) => !k.startsWith("@"))
        .sort(),
    ).toEqual(["audiences", "description", "id", "issuer", "name", "subject"].sort());
    const list = await graph.api(fics()).get();
    expect(list.value).toHaveLength(1);
    expect((await graph.api(`${fics()}/${made.id}`).get()).name).toBe("easyauth");
    expect((await graph.api(`${fics()}/easyauth`).get()).id).toBe(made.id);
    // Not a property of the application: GET /applications does not carry it.
    expect(await graph.api(`/applications/${app.id}`).get()).not.toHaveProperty("federatedIdentityCredentials");
  });

  test("the identity's token now signs the registration in; another identity's token is AADSTS70021", async () => {
    const mine = (await (await identityToken(sitePath("func-greeting"), CLIENT)).json()) as { access_token: string };
    expect(await signIn(mine.access_token)).toBe("ok");
    const other = (await (await identityToken(sitePath("func-other"), OTHER_CLIENT)).json()) as {
      access_token: string;
    };
    expect(await signIn(other.access_token)).toBe("AADSTS70021");
  });

  test("Graph's rules: name unique (409), issuer+subject unique, name ≤ 120, one audience, at most 20", async () => {
    const dup = await graphError(graph.api(fics()).post(credential("easyauth", OTHER_PRINCIPAL)));
    expect([dup.statusCode, dup.code]).toEqual([409, "Request_MultipleObjectsWithSameKeyValue"]);
    const pair = await graphError(graph.api(fics()).post(credential("second")));
    expect([pair.statusCode, pair.code]).toEqual([400, "InvalidFederatedIdentityCredentialValue"]);
    const long = await graphError(graph.api(fics()).post(credential("n".repeat(121), OTHER_PRINCIPAL)));
    expect(long.statusCode).toBe(400);
    const two = await graphError(
      graph.api(fics()).post({ ...credential("two", OTHER_PRINCIPAL), audiences: ["a", "b"] }),
    );
    expect(two.statusCode).toBe(400);
    const unknown = await graphError(graph.api(fics()).post({ ...credential("x", OTHER_PRINCIPAL), extra: 1 }));
    expect(unknown.statusCode).toBe(400);
    for (let i = 1; i < 20; i++) await graph.api(fics()).post(credential(`fic-${i}`, `subject-${i}`));
    const full = await graphError(graph.api(fics()).post(credential("fic-20", "subject-20")));
    expect(full.statusCode).toBe(400);
    expect((await graph.api(fics()).get()).value).toHaveLength(20);
  });

  test("DELETE → 204; then the identity's token no longer signs in; a missing one is 404", async () => {
    await graph.api(`${fics()}/easyauth`).delete();
    const t = (await (await identityToken(sitePath("func-greeting"), CLIENT)).json()) as { access_token: string };
    expect(await signIn(t.access_token)).toBe("AADSTS70021");
    expect((await graphError(graph.api(`${fics()}/easyauth`).delete())).statusCode).toBe(404);
  });
});

describe("another cloud", () => {
  test("US Government: the identity's token is for api://AzureADTokenExchangeUSGov, issued by login.microsoftonline.us", async () => {
    const gov = await startTestEmulator({ seed: world, cloud: "AzureUSGovernment" });
    try {
      const wrong = await adminPost(gov, "arm/identity-token", {
        site: sitePath("func-greeting"),
        clientId: CLIENT,
        resource: "api://AzureADTokenExchange",
      });
      expect(wrong.status).toBe(400);
      const r = await adminPost(gov, "arm/identity-token", {
        site: sitePath("func-greeting"),
        clientId: CLIENT,
        resource: "api://AzureADTokenExchangeUSGov",
      });
      const { access_token } = (await r.json()) as { access_token: string };
      const claims = JSON.parse(Buffer.from(access_token.split(".")[1]!, "base64url").toString()) as Record<
        string,
        unknown
      >;
      expect(claims).toMatchObject({
        aud: "api://AzureADTokenExchangeUSGov",
        iss: `https://login.microsoftonline.us/${gov.tenantId}/v2.0`,
        sub: PRINCIPAL,
      });
    } finally {
      await gov.close();
    }
  });
});
