import { ClientSecretCredential } from "@azure/identity";

/**
 * The demo's last act: call the `greeting` function the way a user would (the curl of the Azure-Samples/ms-identity-docs-code-functions-python sample), through the emulator's
 * data plane, and show why each call is let in or kept out. Runs in a process started with the emulator's env
 * (NODE_EXTRA_CA_CERTS names its CA, the tool's own client signs in).
 */

/** API Management's identity, as the emulator's demo caller (assigned Greeting.Call in config/demo.yaml). */
export const APIM_CALLER = { appId: "6a9c3e51-2b7d-4f80-9c1e-5d4a8b2f7e06", displayName: "apim-gateway (demo caller)" };
/** A caller nobody assigned a role to: Entra refuses it a token for an API that requires assignment. */
export const UNASSIGNED_CALLER = {
  appId: "7b0d4f62-3c8e-4a91-8d2f-6e5b9c3a8f17",
  displayName: "unassigned-client (demo caller)",
};

interface Env {
  authority: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  subscriptionId: string;
}

export interface CallOutcome {
  what: string;
  expected: string;
  got: string;
  ok: boolean;
  why?: string;
}

function envOf(e: NodeJS.ProcessEnv): Env {
  const need = (k: string) => {
    const v = e[k];
    if (!v) throw new Error(`${k} is not set: run this through scripts/demo.ts, which passes the emulator's env`);
    return v;
  };
  return {
    authority: need("AZURE_AUTHORITY_HOST"),
    tenantId: need("AZURE_TENANT_ID"),
    clientId: need("AZURE_CLIENT_ID"),
    clientSecret: need("AZURE_CLIENT_SECRET"),
    subscriptionId: need("AZURE_SUBSCRIPTION_ID"),
  };
}

async function adminPost<T>(env: Env, path: string, body: unknown): Promise<T> {
  const r = await fetch(`${env.authority}/_emulator/${path}`, { method: "POST", body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`emulator admin POST ${path}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

const secretFor = (appId: string) => `demo-${appId.slice(0, 8)}-not-a-real-secret`;

/** Before update-manifest runs: the two callers exist as service principals that can sign in (emulator-only). */
export async function prepareCallers(e: NodeJS.ProcessEnv = process.env): Promise<void> {
  const env = envOf(e);
  for (const c of [APIM_CALLER, UNASSIGNED_CALLER]) {
    await adminPost(env, "graph/managed-identities", { displayName: c.displayName, appId: c.appId });
    await adminPost(env, "entra/clients", {
      clientId: c.appId,
      secret: secretFor(c.appId),
      displayName: c.displayName,
    });
  }
}

const credentialOf = (env: Env, clientId: string, secret: string) =>
  new ClientSecretCredential(env.tenantId, clientId, secret, {
    authorityHost: env.authority,
    disableInstanceDiscovery: true,
  });

async function armToken(env: Env): Promise<string> {
  return (await credentialOf(env, env.clientId, env.clientSecret).getToken("https://management.azure.com/.default"))
    .token;
}

async function greetingAppId(env: Env): Promise<string> {
  const graph = (
    await credentialOf(env, env.clientId, env.clientSecret).getToken("https://graph.microsoft.com/.default")
  ).token;
  const r = await fetch(`${env.authority}/v1.0/applications(uniqueName='func-greeting-api')?$select=appId`, {
    headers: { authorization: `Bearer ${graph}` },
  });
  if (!r.ok) throw new Error(`reading the greeting registration: HTTP ${r.status}`);
  return ((await r.json()) as { appId: string }).appId;
}

/** The greeting function's `apim-…` keys, newest first (both live during a rotation's overlap). */
async function apimKeys(env: Env): Promise<string[]> {
  const site = `/subscriptions/${env.subscriptionId}/resourceGroups/rg-demo-api/providers/Microsoft.Web/sites/func-greeting`;
  const r = await fetch(`${env.authority}${site}/functions/greeting/listkeys?api-version=2024-11-01`, {
    method: "POST",
    headers: { authorization: `Bearer ${await armToken(env)}` },
  });
  if (!r.ok) throw new Error(`listkeys of greeting: HTTP ${r.status}`);
  const keys = (await r.json()) as Record<string, string>;
  return Object.entries(keys)
    .filter(([name]) => name.startsWith("apim-"))
    .sort(([a], [b]) => b.localeCompare(a))
    .map(([, value]) => value);
}

async function call(
  env: Env,
  headers: Record<string, string>,
): Promise<{ status: number; decision: string; body: string }> {
  const r = await fetch(`${env.authority}/_sites/func-greeting/api/greeting?name=demo`, { headers });
  const decision = [
    r.headers.get("x-emulator-auth-decision"),
    r.headers.get("x-emulator-key-decision"),
    r.headers.get("x-emulator-function-decision"),
  ]
    .filter(Boolean)
    .join(", ");
  return { status: r.status, decision, body: (await r.text()).slice(0, 80) };
}

async function tokenOrError(env: Env, appId: string, scope: string): Promise<{ token?: string; error?: string }> {
  try {
    return { token: (await credentialOf(env, appId, secretFor(appId)).getToken(scope)).token };
  } catch (err) {
    const m = /AADSTS\d+/.exec(err instanceof Error ? err.message : String(err));
    return { error: m?.[0] ?? "token refused" };
  }
}

/** A user's calls and the reasons a token is refused (docs/contracts/graph.md §3.1), each with the answer it should get. */
export async function callGreeting(e: NodeJS.ProcessEnv = process.env): Promise<CallOutcome[]> {
  const env = envOf(e);
  const appId = await greetingAppId(env);
  const [newKey, oldKey] = await apimKeys(env);
  if (!newKey || !oldKey)
    throw new Error("the greeting function should hold two apim keys (the demo's forced rotation)");
  const key = { "x-functions-key": newKey };
  const out: CallOutcome[] = [];
  const expectStatus = async (what: string, expected: number, headers: Record<string, string>) => {
    const r = await call(env, headers);
    out.push({
      what,
      expected: String(expected),
      got: String(r.status),
      ok: r.status === expected,
      why: r.decision || r.body,
    });
  };

  await expectStatus("no token", 401, key);
  // A v2 token from the same tenant, for Microsoft Graph: the issuer is right, the audience is not.
  const graph = await adminPost<{ access_token: string }>(env, "entra/tokens", {
    audience: "https://graph.microsoft.com",
    version: 2,
    scp: "User.Read",
  });
  await expectStatus("a v2 token for another audience (Graph)", 401, {
    ...key,
    authorization: `Bearer ${graph.access_token}`,
  });
  const v1 = await adminPost<{ access_token: string }>(env, "entra/tokens", {
    resourceAppId: appId,
    version: 1,
    scp: "Greeting.Read",
  });
  await expectStatus("a v1 token against the v2-only app", 401, { ...key, authorization: `Bearer ${v1.access_token}` });

  const unassigned = await tokenOrError(env, UNASSIGNED_CALLER.appId, `${appId}/.default`);
  out.push({
    what: "an unassigned app asks Entra for a token",
    expected: "AADSTS501051",
    got: unassigned.error ?? "a token",
    ok: unassigned.error === "AADSTS501051",
  });

  const assigned = await tokenOrError(env, APIM_CALLER.appId, `${appId}/.default`);
  if (!assigned.token) throw new Error(`the assigned caller got no token: ${assigned.error}`);
  const bearer = { authorization: `Bearer ${assigned.token}` };
  await expectStatus("the assigned app (role Greeting.Call), new key", 200, { ...bearer, ...key });
  await expectStatus("the same call with the old key, inside the grace period", 200, {
    ...bearer,
    "x-functions-key": oldKey,
  });
  await expectStatus("the same call with no key", 401, bearer);
  return out;
}

/**
 * The wrong-audience call of callGreeting (a v2 token of the tenant for Microsoft Graph, with a valid function key)
 * and the emulator's answer to it, for the demo's explain-token step. The token is returned to be written to a file,
 * never printed.
 */
export async function wrongAudienceCall(
  e: NodeJS.ProcessEnv = process.env,
): Promise<{ token: string; status: number; decision: string }> {
  const env = envOf(e);
  const [key] = await apimKeys(env);
  const graph = await adminPost<{ access_token: string }>(env, "entra/tokens", {
    audience: "https://graph.microsoft.com",
    version: 2,
    scp: "User.Read",
  });
  const r = await call(env, {
    ...(key ? { "x-functions-key": key } : {}),
    authorization: `Bearer ${graph.access_token}`,
  });
  return { token: graph.access_token, status: r.status, decision: r.decision };
}
