import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { connectionInfo, type Emulator } from "../../lib/emulator/index.ts";
import type { JsonObject } from "../../lib/emulator/arm/state.ts";
import { toolArmClient } from "../helpers/clients.ts";
import { startTestEmulator } from "../helpers/emulator.ts";
import { RG, SUB, sitePath } from "../helpers/seeds.ts";
import { bearer, callHost, callPrefix, clientApp, mintToken, mintWithLifetime } from "./data-plane-client.ts";

// Easy Auth in front of the functions, through real HTTPS clients: each branch of the gate fires, and does not fire.

const API = "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"; // the API's app registration (client id)
const CALLER = clientApp("5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9");
const OTHER = clientApp("7f7f7f7f-1111-4222-8333-444455556666");
const HOST = "func-api.azurewebsites.net";

let emu: Emulator;
beforeAll(async () => {
  emu = await startTestEmulator({
    seed: {
      subscriptions: [
        {
          subscriptionId: SUB,
          resourceGroups: [
            {
              name: RG,
              sites: [
                {
                  name: "func-api",
                  functions: {
                    // anonymous: only Easy Auth decides (keys are data-plane-keys.test.ts's business)
                    greeting: { authLevel: "anonymous", respond: "greeting" },
                    open: { authLevel: "anonymous", respond: "greeting", requireCaller: false },
                    whoami: { authLevel: "anonymous" },
                    health: { authLevel: "anonymous", respond: { body: "healthy" } },
                  },
                  slots: [{ name: "staging", functions: { whoami: { authLevel: "anonymous" } } }],
                },
                { name: "func-off", state: "Stopped", functions: { greeting: { authLevel: "anonymous" } } },
              ],
            },
          ],
        },
      ],
    },
  });
});
afterAll(() => emu.close());

const v2Issuer = () => `https://login.microsoftonline.com/${emu.tenantId}/v2.0`;
const v1Issuer = () => `https://sts.windows.net/${emu.tenantId}/`;

/** The authsettingsV2 the tests start from: the sample's (v2 issuer, `api://` audience, Return401). */
function settings(over: { gv?: JsonObject; aad?: JsonObject; validation?: JsonObject; platform?: JsonObject } = {}) {
  return {
    platform: { enabled: true, runtimeVersion: "~1", ...over.platform },
    globalValidation: { requireAuthentication: true, unauthenticatedClientAction: "Return401", ...over.gv },
    identityProviders: {
      azureActiveDirectory: {
        enabled: true,
        registration: { clientId: API, openIdIssuer: v2Issuer() },
        validation: { allowedAudiences: [`api://${API}`], ...over.validation },
        ...over.aad,
      },
    },
  };
}
const site = () => emu.arm.site(SUB, RG, "func-api")!;
const configure = (doc: JsonObject | undefined) => {
  site().authV2 = doc;
  site().configVersion = "v2";
};
beforeEach(() => configure(settings()));

const get = (path: string, headers: Record<string, string> = {}) => callHost(emu, HOST, path, { headers });
const readToken = (claims: Record<string, unknown> = {}, client = CALLER) =>
  mintToken(emu, { audience: API, client, claims: { scp: "Greeting.Read", ...claims } });
const decision = (r: { headers: Record<string, string> }) => r.headers["x-emulator-auth-decision"];

describe("the site", () => {
  test("a stopped app answers 403 'This web app is stopped.' before Easy Auth runs", async () => {
    const r = await callHost(emu, "func-off.azurewebsites.net", "/api/greeting", {
      headers: bearer(await readToken()),
    });
    expect(r.status).toBe(403);
    expect(r.body).toContain("Error 403 - This web app is stopped.");
    expect(decision(r)).toBe("site-stopped");
  });

  test("a host name no app has answers 404; a running app does not", async () => {
    const r = await callHost(emu, "func-nobody.azurewebsites.net", "/api/greeting");
    expect(r.status).toBe(404);
    expect(decision(r)).toBe("unknown-app");
    expect((await get("/api/health")).status).not.toBe(404);
  });

  test("the certificate also covers *.scm.azurewebsites.net (Kudu itself is not emulated: 404)", async () => {
    const r = await callHost(emu, "func-api.scm.azurewebsites.net", "/api/settings");
    expect(r.status).toBe(404);
  });

  test("{app}-{slot}.azurewebsites.net reaches the slot, with the slot's own auth settings", async () => {
    const slot = emu.arm.site(SUB, RG, "func-api")!.slots.get("staging")!;
    slot.authV2 = undefined;
    const r = await callHost(emu, "func-api-staging.azurewebsites.net", "/api/whoami");
    expect(r.status).toBe(200);
    expect(decision(r)).toBe("platform-disabled");
    // production requires authentication
    expect((await get("/api/whoami")).status).toBe(401);
  });

  test("the path prefix of connectionInfo's hostBaseUrl serves the same app to a plain fetch", async () => {
    const base = connectionInfo(emu, "").hostBaseUrl;
    expect(base).toBe(`${emu.url}/_sites/{app}/`);
    const r = await callPrefix(emu, "func-api", "/api/greeting", bearer(await readToken()));
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/^Hello, world\. You were able to access this because .*Greeting\.Read scope/);
    expect((await callPrefix(emu, "func-api", "/api/greeting")).status).toBe(401);
  });
});

describe("platform and excluded paths", () => {
  test("platform.enabled false: everything passes, with no principal", async () => {
    configure(settings({ platform: { enabled: false } }));
    const r = await get("/api/greeting");
    expect(decision(r)).toBe("platform-disabled");
    // the function itself refuses a caller-less request
    expect(r.status).toBe(403);
    expect(r.headers["x-emulator-function-decision"]).toBe("no-caller");
    expect((await get("/api/open")).status).toBe(200);
  });

  test("an excluded path passes without a token; other paths do not", async () => {
    configure(settings({ gv: { excludedPaths: ["/api/health"] } }));
    const r = await get("/api/health");
    expect([r.status, decision(r), r.body]).toEqual([200, "excluded-path", "healthy"]);
    expect(decision(await get("/api/HEALTH/"))).toBe("excluded-path");
    const other = await get("/api/greeting");
    expect([other.status, decision(other)]).toEqual([401, "no-token"]);
  });
});

describe("unauthenticated requests, per unauthenticatedClientAction", () => {
  test("Return401: 401 with WWW-Authenticate: Bearer; a valid token is let through", async () => {
    const r = await get("/api/greeting");
    expect(r.status).toBe(401);
    expect(r.headers["www-authenticate"]).toBe(
      `Bearer realm="${HOST}" authorization_uri="${emu.url}/${emu.tenantId}/oauth2/v2.0/authorize" resource_id="${API}"`,
    );
    const ok = await get("/api/greeting", bearer(await readToken()));
    expect([ok.status, decision(ok)]).toEqual([200, "passed"]);
  });

  test("Return401 with login.disableWWWAuthenticate: no challenge header", async () => {
    configure(settings({ aad: { login: { disableWWWAuthenticate: true } } }));
    const r = await get("/api/greeting");
    expect(r.status).toBe(401);
    expect(r.headers["www-authenticate"]).toBeUndefined();
  });

  test("Return403: 403; a valid token is let through", async () => {
    configure(settings({ gv: { unauthenticatedClientAction: "Return403" } }));
    const r = await get("/api/greeting");
    expect([r.status, decision(r)]).toEqual([403, "no-token"]);
    expect((await get("/api/greeting", bearer(await readToken()))).status).toBe(200);
  });

  test("RedirectToLoginPage: 302 to the authority's authorize endpoint for the client id; a valid token is let through", async () => {
    configure(settings({ gv: { unauthenticatedClientAction: "RedirectToLoginPage" } }));
    const r = await get("/api/greeting?name=Ada");
    expect(r.status).toBe(302);
    const loc = new URL(r.headers.location!);
    expect(`${loc.origin}${loc.pathname}`).toBe(`${emu.url}/${emu.tenantId}/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(loc.searchParams)).toMatchObject({
      client_id: API,
      redirect_uri: `https://${HOST}/.auth/login/aad/callback`,
      response_type: "code id_token",
      state: "redir=/api/greeting?name=Ada",
    });
    expect((await get("/api/greeting", bearer(await readToken()))).status).toBe(200);
  });

  test("AllowAnonymous: no principal, the function decides; a valid token still brings its principal", async () => {
    configure(settings({ gv: { unauthenticatedClientAction: "AllowAnonymous" } }));
    const r = await get("/api/whoami");
    expect([r.status, decision(r), r.headers["x-emulator-auth-reason"]]).toEqual([200, "anonymous", "no-token"]);
    expect(JSON.parse(r.body).caller).toBeNull();
    const bad = await get("/api/whoami", bearer(await mintToken(emu, { audience: "api://someone-else" })));
    expect([decision(bad), bad.headers["x-emulator-auth-reason"]]).toEqual(["anonymous", "audience"]);
    const ok = await get("/api/whoami", bearer(await readToken({ name: "Ada Lovelace" })));
    expect(decision(ok)).toBe("passed");
    expect(JSON.parse(ok.body).caller).toEqual({ id: CALLER.objectId, name: "Ada Lovelace", idp: "aad" });
  });

  test("requireAuthentication false defers to the app whatever the action", async () => {
    configure(settings({ gv: { requireAuthentication: false, unauthenticatedClientAction: "Return401" } }));
    expect(decision(await get("/api/whoami"))).toBe("anonymous");
  });
});

describe("token validation", () => {
  test("signature: a token signed by another key (same kid) is refused; the tenant's is not", async () => {
    const foreign = await generateKeyPair("RS256");
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ aud: API, iss: v2Issuer(), azp: CALLER.clientId, scp: "Greeting.Read" })
      .setProtectedHeader({ alg: "RS256", kid: emu.directory.kid })
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(foreign.privateKey);
    expect(decision(await get("/api/greeting", bearer(forged)))).toBe("signature");
    const unsigned = `${forged.split(".").slice(0, 2).join(".")}.`;
    expect(decision(await get("/api/greeting", bearer(unsigned)))).toBe("signature");
    expect(decision(await get("/api/greeting", bearer(await readToken())))).toBe("passed");
  });

  test("issuer: a v1 token against a v2 openIdIssuer is refused; trailing slashes do not matter", async () => {
    const v1 = await mintToken(emu, { audience: `api://${API}`, version: 1, claims: { scp: "Greeting.Read" } });
    const r = await get("/api/greeting", bearer(v1));
    expect([r.status, decision(r)]).toEqual([401, "issuer"]);
    configure(settings({ aad: { registration: { clientId: API, openIdIssuer: v1Issuer().replace(/\/$/, "") } } }));
    expect(decision(await get("/api/greeting", bearer(v1)))).toBe("passed");
    configure(settings({ aad: { registration: { clientId: API, openIdIssuer: `${v2Issuer()}/` } } }));
    expect(decision(await get("/api/greeting", bearer(await readToken())))).toBe("passed");
  });

  test("audience: allowedAudiences plus the client id; api://{clientId} only when listed", async () => {
    const wrong = await mintToken(emu, { audience: "https://graph.microsoft.com", claims: { scp: "Greeting.Read" } });
    expect(decision(await get("/api/greeting", bearer(wrong)))).toBe("audience");
    const uri = await mintToken(emu, { audience: `api://${API}`, claims: { scp: "Greeting.Read" } });
    expect(decision(await get("/api/greeting", bearer(uri)))).toBe("passed");
    configure(settings({ validation: { allowedAudiences: [] } }));
    expect(decision(await get("/api/greeting", bearer(uri)))).toBe("audience");
    expect(decision(await get("/api/greeting", bearer(await readToken())))).toBe("passed");
  });

  test("lifetime: expired beyond the 5-minute skew is refused, within it is not", async () => {
    const opts = { audience: API, client: CALLER, claims: { scp: "Greeting.Read" } };
    const stale = await mintWithLifetime(emu, -400, opts);
    expect(decision(await get("/api/greeting", bearer(stale)))).toBe("expired");
    const recent = await mintWithLifetime(emu, -100, opts);
    expect(decision(await get("/api/greeting", bearer(recent)))).toBe("passed");
  });

  test("a valid token with the Microsoft provider disabled: no provider validates it → 401", async () => {
    configure(settings({ aad: { enabled: false } }));
    const r = await get("/api/greeting", bearer(await readToken()));
    expect([r.status, decision(r)]).toEqual([401, "no-provider"]);
  });
});

describe("the built-in authorization policy → 403", () => {
  test("allowedApplications: azp (v2) or appid (v1) must be listed", async () => {
    configure(settings({ validation: { defaultAuthorizationPolicy: { allowedApplications: [OTHER.clientId] } } }));
    const r = await get("/api/greeting", bearer(await readToken()));
    expect([r.status, decision(r)]).toEqual([403, "allowed-applications"]);
    expect(decision(await get("/api/greeting", bearer(await readToken({}, OTHER))))).toBe("passed");
    configure({
      ...settings({ validation: { defaultAuthorizationPolicy: { allowedApplications: [OTHER.clientId] } } }),
      identityProviders: {
        azureActiveDirectory: {
          registration: { clientId: API, openIdIssuer: v1Issuer() },
          validation: { defaultAuthorizationPolicy: { allowedApplications: [OTHER.clientId] } },
        },
      },
    });
    const v1 = (client = CALLER) =>
      mintToken(emu, { audience: API, version: 1, client, claims: { scp: "Greeting.Read" } });
    expect(decision(await get("/api/greeting", bearer(await v1())))).toBe("allowed-applications");
    expect(decision(await get("/api/greeting", bearer(await v1(OTHER))))).toBe("passed");
  });

  test("allowedPrincipals: the oid among identities, or a group among groups", async () => {
    const policy = { allowedPrincipals: { identities: [OTHER.objectId], groups: ["g-admins"] } };
    configure(settings({ validation: { defaultAuthorizationPolicy: policy } }));
    expect(decision(await get("/api/greeting", bearer(await readToken())))).toBe("allowed-principals");
    expect(decision(await get("/api/greeting", bearer(await readToken({}, OTHER))))).toBe("passed");
    expect(decision(await get("/api/greeting", bearer(await readToken({ groups: ["g-admins"] }))))).toBe("passed");
  });

  test("jwtClaimChecks: allowedClientApplications and allowedGroups", async () => {
    configure(settings({ validation: { jwtClaimChecks: { allowedClientApplications: [OTHER.clientId] } } }));
    expect(decision(await get("/api/greeting", bearer(await readToken())))).toBe("jwt-claim-checks");
    expect(decision(await get("/api/greeting", bearer(await readToken({}, OTHER))))).toBe("passed");
    configure(settings({ validation: { jwtClaimChecks: { allowedGroups: ["g1"] } } }));
    expect((await get("/api/greeting", bearer(await readToken()))).status).toBe(403);
    expect((await get("/api/greeting", bearer(await readToken({ groups: ["g1"] })))).status).toBe(200);
  });
});

describe("what the function sees", () => {
  test("greeting: 200 for the Greeting.Read scope or the Greeting.Call role, 403 otherwise", async () => {
    const scope = await get("/api/greeting?name=Ada", bearer(await readToken({ scp: "User.Read Greeting.Read" })));
    expect([scope.status, scope.headers["x-emulator-function-decision"]]).toEqual([200, "scope"]);
    expect(scope.body).toContain("Hello, Ada.");
    const app = await mintToken(emu, { audience: API, client: OTHER, claims: { roles: ["Greeting.Call"] } });
    const role = await get("/api/greeting", bearer(app));
    expect([role.status, role.headers["x-emulator-function-decision"]]).toEqual([200, "role"]);
    const none = await get("/api/greeting", bearer(await readToken({ scp: "Greeting.Write" })));
    expect([none.status, decision(none)]).toEqual([403, "passed"]);
    expect(none.body).toContain("missing Greeting.Read scope or Greeting.Call role");
  });

  test("X-MS-CLIENT-PRINCIPAL sent by a client is dropped: it cannot forge a caller", async () => {
    configure(settings({ platform: { enabled: false } }));
    const forged = Buffer.from(
      JSON.stringify({
        auth_typ: "aad",
        claims: [{ typ: "scp", val: "Greeting.Read" }],
        name_typ: "name",
        role_typ: "roles",
      }),
    ).toString("base64");
    const r = await get("/api/greeting", { "x-ms-client-principal": forged, "x-ms-client-principal-id": "me" });
    expect([r.status, r.headers["x-emulator-function-decision"]]).toEqual([403, "no-caller"]);
  });

  test("no answer echoes the token", async () => {
    const token = await readToken();
    for (const action of ["Return401", "Return403", "RedirectToLoginPage", "AllowAnonymous"]) {
      configure(settings({ gv: { unauthenticatedClientAction: action }, validation: { allowedAudiences: ["x"] } }));
      for (const path of ["/api/greeting", "/api/whoami"]) {
        const r = await get(path, bearer(token));
        expect(JSON.stringify(r)).not.toContain(token.split(".")[2]);
      }
    }
  });

  test("the gate reads authsettingsV2 live: a PUT through ARM changes the next answer", async () => {
    const arm = toolArmClient(emu);
    await arm.put(`${sitePath("func-api")}/config/authsettingsV2`, {
      properties: settings({ gv: { unauthenticatedClientAction: "Return403" } }),
    });
    expect((await get("/api/greeting")).status).toBe(403);
    await arm.put(`${sitePath("func-api")}/config/authsettingsV2`, { properties: settings() });
    expect((await get("/api/greeting")).status).toBe(401);
  });
});
