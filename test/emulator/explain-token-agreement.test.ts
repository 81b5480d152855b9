import { generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import pLimit from "p-limit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openSession } from "../../lib/azure/session.ts";
import { explainToken, type ExplainResult } from "../../lib/audit/explain/explain.ts";
import type { IssuerKeys } from "../../lib/audit/explain/signature.ts";
import { explainContext } from "../../lib/commands/explain-token.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import type { AppConfig, RunContext } from "../../lib/pipeline/contract.ts";
import { parseAuth } from "../../lib/resources/auth/schema.ts";
import { emulatorEnv, startTestEmulator } from "../helpers/emulator.ts";
import { RG, SUB, sitePath } from "../helpers/seeds.ts";
import { bearer, callHost, callPrefix, clientApp, mintToken } from "./data-plane-client.ts";

// explain-token agrees with the gate: for every token × settings × path of a generated corpus, the verdict
// explain-token computes (in-process, through the tool's ARM client and the issuer's JWKS) equals the status the
// emulator's data plane answers to the same request. The two decisions share no code.

const API = "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c";
const CALLER = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9";
const OTHER = "7f7f7f7f-1111-4222-8333-444455556666";
const USER_OID = "0a0b0c0d-1111-4222-8333-0a0b0c0d0e0f";
const GROUP = "9e9e9e9e-2222-4333-8444-9e9e9e9e9e9e";
const PATHS = ["/api/greeting", "/api/whoami"];

type Doc = Record<string, unknown>;
interface Variant {
  name: string;
  doc: (tenant: string) => Doc;
}

const v2 = (t: string) => `https://login.microsoftonline.com/${t}/v2.0`;
const v1 = (t: string) => `https://sts.windows.net/${t}/`;

function settings(
  o: { issuer?: string | undefined; gv?: Doc; platform?: Doc; aad?: Doc; validation?: Doc; audiences?: string[] } = {},
): Doc {
  return {
    platform: { enabled: true, runtimeVersion: "~1", ...o.platform },
    globalValidation: { requireAuthentication: true, unauthenticatedClientAction: "Return401", ...o.gv },
    identityProviders: {
      azureActiveDirectory: {
        enabled: true,
        registration: { clientId: API, ...(o.issuer ? { openIdIssuer: o.issuer } : {}) },
        validation: { allowedAudiences: o.audiences ?? [`api://${API}`], ...o.validation },
        ...o.aad,
      },
    },
  };
}

// One app per settings variant: authsettingsV2 written through ARM, read back by explain-token through ARM.
const VARIANTS: Variant[] = [
  {
    name: "func-v2-strict",
    doc: (t) =>
      settings({ issuer: v2(t), validation: { defaultAuthorizationPolicy: { allowedApplications: [CALLER] } } }),
  },
  { name: "func-v1-config", doc: (t) => settings({ issuer: v1(t), audiences: [`api://${API}`, API] }) },
  {
    name: "func-anonymous",
    doc: (t) =>
      settings({ issuer: v2(t), gv: { requireAuthentication: false, unauthenticatedClientAction: "AllowAnonymous" } }),
  },
  {
    name: "func-excluded",
    doc: (t) =>
      settings({ issuer: v2(t), gv: { unauthenticatedClientAction: "Return403", excludedPaths: ["/api/whoami"] } }),
  },
  { name: "func-platform-off", doc: (t) => settings({ issuer: v2(t), platform: { enabled: false } }) },
  // No openIdIssuer (either of the tenant's), no action (the default RedirectToLoginPage: 302).
  { name: "func-redirect", doc: () => settings({ gv: { unauthenticatedClientAction: undefined } }) },
  {
    name: "func-principals",
    doc: (t) =>
      settings({
        issuer: v2(t),
        validation: {
          defaultAuthorizationPolicy: { allowedPrincipals: { identities: [USER_OID], groups: [GROUP] } },
          jwtClaimChecks: { allowedClientApplications: [CALLER] },
        },
      }),
  },
  { name: "func-no-provider", doc: (t) => settings({ issuer: v2(t), aad: { enabled: false } }) },
  {
    name: "func-other-client",
    doc: (t) =>
      settings({
        issuer: v2(t),
        gv: { unauthenticatedClientAction: "Return403" },
        validation: { defaultAuthorizationPolicy: { allowedApplications: [OTHER] } },
      }),
  },
  {
    name: "func-any-v1-or-v2",
    doc: () =>
      settings({
        audiences: [`api://${API}`, API],
        gv: { requireAuthentication: undefined, unauthenticatedClientAction: "Return403" },
      }),
  },
];

let emu: Emulator;
let ctx: RunContext;
let keys: IssuerKeys;
const tokens: { name: string; category: string; token: string }[] = [];

async function userToken(body: Record<string, unknown>): Promise<string> {
  const r = await fetch(`${emu.url}/_emulator/entra/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`minting a token: HTTP ${r.status} ${await r.text()}`);
  return ((await r.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  const fn = { greeting: { authLevel: "anonymous", respond: "greeting" }, whoami: { authLevel: "anonymous" } };
  emu = await startTestEmulator({
    seed: {
      subscriptions: [
        {
          subscriptionId: SUB,
          resourceGroups: [{ name: RG, sites: VARIANTS.map((v) => ({ name: v.name, functions: fn })) }],
        },
      ],
    },
  });
  const session = await openSession({ auth: "env" }, emulatorEnv(emu));
  ({ ctx, keys } = explainContext(session, emulatorEnv(emu), {}));
  for (const v of VARIANTS)
    await session.arm.put(`${sitePath(v.name)}/config/authsettingsV2`, { properties: v.doc(emu.tenantId) });

  const now = Math.floor(Date.now() / 1000);
  const base = { audience: API, version: 2, azp: CALLER, oid: USER_OID, scp: "Greeting.Read" };
  const add = (category: string, name: string, token: string) => tokens.push({ category, name, token });
  add("valid", "v2 user, Greeting.Read", await userToken(base));
  add("valid", "v2 user, aud api://", await userToken({ ...base, audience: `api://${API}` }));
  add(
    "wrong audience",
    "v2 token for Graph",
    await userToken({ ...base, audience: "https://graph.microsoft.com", scp: "User.Read" }),
  );
  add("wrong audience", "v2 token for another API", await userToken({ ...base, audience: "api://another-api" }));
  add(
    "v1 token",
    "v1 user, aud api://",
    await userToken({ ...base, version: 1, audience: `api://${API}`, appid: CALLER, azp: undefined }),
  );
  add("v1 token", "v1 user, aud client id", await userToken({ ...base, version: 1, appid: CALLER, azp: undefined }));
  add("expired", "expired an hour ago", await userToken({ ...base, expiresInSeconds: -3600 }));
  add("expired", "expired 2 min ago (within skew)", await userToken({ ...base, expiresInSeconds: -120 }));
  add("not yet valid", "nbf in an hour", await userToken({ ...base, nbf: now + 3600, expiresInSeconds: 7200 }));
  add("not yet valid", "nbf in 2 min (within skew)", await userToken({ ...base, nbf: now + 120 }));
  add("missing scope", "scp User.Read only", await userToken({ ...base, scp: "User.Read" }));
  add("missing scope", "no scp, no roles", await userToken({ ...base, scp: undefined }));
  add("wrong azp", "another client", await userToken({ ...base, azp: OTHER }));
  add(
    "wrong azp",
    "another client, another user in the group",
    await userToken({ ...base, azp: OTHER, oid: OTHER, claims: { groups: [GROUP] } }),
  );
  add(
    "app-only",
    "roles Greeting.Call",
    await mintToken(emu, { audience: API, client: clientApp(CALLER), claims: { roles: ["Greeting.Call"] } }),
  );
  add(
    "app-only",
    "v1 app-only, roles Greeting.Call",
    await mintToken(emu, {
      audience: API,
      version: 1,
      client: clientApp(CALLER),
      claims: { roles: ["Greeting.Call"] },
    }),
  );
  // Forged: unsigned, signed by another key under the tenant's kid, a payload changed after signing.
  const good = tokens[0]!.token;
  const [h, p] = good.split(".") as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>;
  add("unsigned", "alg none", new UnsecuredJWT(claims).encode());
  add("unsigned", "RS256 header, no signature", `${h}.${p}.`);
  const { privateKey } = await generateKeyPair("RS256");
  add(
    "bad signature",
    "another key, the tenant's kid",
    await new SignJWT(claims).setProtectedHeader({ alg: "RS256", typ: "JWT", kid: emu.directory.kid }).sign(privateKey),
  );
  const tampered = Buffer.from(JSON.stringify({ ...claims, scp: "Greeting.Read Greeting.Write" })).toString(
    "base64url",
  );
  add("bad signature", "payload changed after signing", `${h}.${tampered}.${good.split(".")[2]}`);
  add("malformed", "not a JWT", "not-a-jwt");
});
afterAll(() => emu?.close());

const app = (name: string, i: number): AppConfig => ({
  index: i,
  name,
  subscriptionId: SUB,
  resourceGroup: RG,
  slots: [],
  // The greeting function's own requirement (its code checks scp/roles; Easy Auth does not).
  auth: parseAuth({ functions: { greeting: { scopes: ["Greeting.Read"], roles: ["Greeting.Call"] } } }),
});

describe("explain-token agrees with the gate", () => {
  test("every token × settings × path of the corpus gets the emulator's answer", async () => {
    const rows: {
      variant: string;
      token: string;
      category: string;
      path: string;
      explained: ExplainResult;
      status: number;
      gate: string;
    }[] = [];
    const limit = pLimit(6);
    const cases = VARIANTS.flatMap((v, i) => tokens.flatMap((t) => PATHS.map((path) => ({ v, i, t, path }))));
    await Promise.all(
      cases.map(({ v, i, t, path }, n) =>
        limit(async () => {
          const explained = await explainToken(ctx, keys, { token: t.token, app: app(v.name, i), path });
          // The data plane by host name (SNI and certificate of the app) for a share of the cases, by the path
          // prefix (same app, same answers, kept-alive connections) for the rest.
          const r =
            n % 8 === 0
              ? await callHost(emu, `${v.name}.azurewebsites.net`, path, { headers: bearer(t.token) })
              : await callPrefix(emu, v.name, path, bearer(t.token));
          const gate = [r.headers["x-emulator-auth-decision"], r.headers["x-emulator-function-decision"]]
            .filter(Boolean)
            .join("/");
          rows.push({ variant: v.name, token: t.name, category: t.category, path, explained, status: r.status, gate });
        }),
      ),
    );
    const disagree = rows
      .filter((r) => r.explained.verdict.status !== r.status)
      .map(
        (r) =>
          `${r.variant} ${r.path} [${r.token}]: explain-token ${r.explained.verdict.status} (${r.explained.verdict.decidedBy}), gate ${r.status} (${r.gate})`,
      );
    const agreed = rows.length - disagree.length;
    process.stdout.write(`explain-token agrees with the gate: ${agreed} of ${rows.length}\n`);
    expect(disagree).toEqual([]);
    expect(rows.length).toBeGreaterThanOrEqual(200);

    // The corpus is not one-sided: every answer and every deciding step occurs, and every category of token.
    const statuses = new Set(rows.map((r) => r.status));
    expect([...statuses].sort()).toEqual([200, 302, 401, 403]);
    const decided = new Set(rows.map((r) => r.explained.verdict.decidedBy));
    for (const id of [
      "platform",
      "excluded-path",
      "provider",
      "signature",
      "issuer",
      "audience",
      "lifetime",
      "unauthenticated-action",
      "allowed-applications",
      "allowed-principals",
      "claim-checks",
      "function-requirement",
    ] as const)
      expect(decided, id).toContain(id);
    expect([...new Set(tokens.map((t) => t.category))].sort()).toEqual(
      [
        "valid",
        "wrong audience",
        "v1 token",
        "expired",
        "not yet valid",
        "missing scope",
        "wrong azp",
        "app-only",
        "unsigned",
        "bad signature",
        "malformed",
      ].sort(),
    );
    const counts = [...statuses].sort().map((st) => `${st}: ${rows.filter((r) => r.status === st).length}`);
    process.stdout.write(
      `corpus: ${tokens.length} tokens × ${VARIANTS.length} settings × ${PATHS.length} paths; answers ${counts.join(", ")}\n`,
    );
    // Signatures really are checked against the tenant's JWKS: the valid tokens verify, the forged ones do not.
    const sig = (name: string) =>
      rows
        .find((r) => r.token === name && r.variant === "func-v2-strict")!
        .explained.steps.find((s) => s.id === "signature")!.status;
    expect(sig("v2 user, Greeting.Read")).toBe("pass");
    expect(sig("another key, the tenant's kid")).toBe("fail");
    expect(sig("payload changed after signing")).toBe("fail");
  }, 120_000);
});
