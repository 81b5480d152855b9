import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { ClientSecretCredential } from "@azure/identity";
import type { Emulator, MountedService } from "../../lib/emulator/index.ts";
import { send } from "../../lib/emulator/http.ts";
import { ServiceError } from "../../lib/emulator/service-error.ts";
import { startTestEmulator } from "../helpers/emulator.ts";
import { RG, SUB, sitePath } from "../helpers/seeds.ts";

// The dispatcher: one list of services, faults thrown as typed errors and answered in each service's own shape,
// and the not-persisted fault applied around exactly one request's operation.

let emu: Emulator;
let cred: ClientSecretCredential;

beforeAll(async () => {
  emu = await startTestEmulator({
    seed: {
      subscriptions: [
        {
          subscriptionId: SUB,
          resourceGroups: [{ name: RG, sites: [{ name: "func-a", functions: { greeting: {} } }, { name: "func-b" }] }],
        },
      ],
    },
  });
  cred = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.url,
    disableInstanceDiscovery: true,
  });
});
afterAll(() => emu.close());
beforeEach(() => emu.faults.clear());

async function call(method: string, path: string, body?: unknown, scope = "https://management.azure.com/.default") {
  const token = (await cred.getToken(scope))?.token ?? "";
  const sep = path.includes("?") ? "&" : "?";
  const url = path.startsWith("/v1.0") ? `${emu.url}${path}` : `${emu.url}${path}${sep}api-version=2024-11-01`;
  const r = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

const minTls = async (name: string) =>
  ((await call("GET", `${sitePath(name)}/config/web`)).body.properties as { minTlsVersion: string }).minTlsVersion;

describe("faults are answered in the service's own shape", () => {
  test("Entra: an injected 503 is an OAuth error response", async () => {
    emu.faults.add({
      service: "entra",
      method: "POST",
      path: "/oauth2/v2.0/token$",
      kind: "status",
      status: 503,
      times: 1,
    });
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: emu.clientId,
      client_secret: emu.clientSecret,
      scope: "https://management.azure.com/.default",
    });
    const r = await fetch(`${emu.url}/${emu.tenantId}/oauth2/v2.0/token`, { method: "POST", body: form });
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({
      error: "temporarily_unavailable",
      error_description: "Injected fault: HTTP 503.",
    });
  });

  test("ARM: an injected 429 is the ARM envelope with Retry-After", async () => {
    emu.faults.add({
      service: "arm",
      method: "GET",
      path: "/sites/func-a$",
      kind: "status",
      status: 429,
      retryAfter: 2,
      times: 1,
    });
    const r = await call("GET", sitePath("func-a"));
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("2");
    expect(r.body).toEqual({ error: { code: "TooManyRequests", message: "Injected fault: HTTP 429." } });
  });

  test("ARM: host-unavailable on a running app's key route is the legacy host-runtime 400", async () => {
    emu.faults.add({
      service: "arm",
      path: "/sites/func-a/host/default/listkeys$",
      kind: "host-unavailable",
      times: 1,
    });
    const r = await call("POST", `${sitePath("func-a")}/host/default/listkeys`);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({
      Code: "BadRequest",
      Message: "Encountered an error (ServiceUnavailable) from host runtime.",
    });
    expect((await call("POST", `${sitePath("func-a")}/host/default/listkeys`)).status).toBe(200);
  });
});

describe("not-persisted", () => {
  test("covers only its own request: a concurrent write to another app is kept", async () => {
    // The faulted PATCH waits 300 ms (latency) before it runs; the other PATCH lands during that wait.
    emu.faults.add([
      { service: "arm", method: "PATCH", path: "/sites/func-a/config/web$", kind: "latency", ms: 300, times: 1 },
      { service: "arm", method: "PATCH", path: "/sites/func-a/config/web$", kind: "not-persisted", times: 1 },
    ]);
    const faulted = call("PATCH", `${sitePath("func-a")}/config/web`, { properties: { minTlsVersion: "1.0" } });
    await new Promise((r) => setTimeout(r, 50));
    const other = await call("PATCH", `${sitePath("func-b")}/config/web`, { properties: { minTlsVersion: "1.1" } });
    expect(other.status).toBe(200);
    expect((await faulted).status).toBe(200);
    expect(await minTls("func-a")).toBe("1.2");
    expect(await minTls("func-b")).toBe("1.1");
  });

  test("a site created under the fault answers 201 and does not exist afterwards", async () => {
    emu.faults.add({ service: "arm", method: "PUT", path: "/sites/func-ghost$", kind: "not-persisted", times: 1 });
    const put = await call("PUT", sitePath("func-ghost"), { location: "westeurope", kind: "functionapp" });
    expect(put.status).toBe(201);
    expect((await call("GET", sitePath("func-ghost"))).status).toBe(404);
  });

  test("Graph PATCH with dropPaths keeps the write except those properties", async () => {
    const graph = "https://graph.microsoft.com/.default";
    const created = await call("POST", "/v1.0/applications", { displayName: "np-app", notes: "original" }, graph);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    emu.faults.add({
      service: "graph",
      method: "PATCH",
      path: `/applications/${id}$`,
      kind: "not-persisted",
      dropPaths: ["notes"],
      times: 1,
    });
    expect(
      (await call("PATCH", `/v1.0/applications/${id}`, { displayName: "np-app-renamed", notes: "lost" }, graph)).status,
    ).toBe(204);
    const back = await call("GET", `/v1.0/applications/${id}`, undefined, graph);
    expect(back.body).toMatchObject({ displayName: "np-app-renamed", notes: "original" });
  });
});

describe("mount()", () => {
  test("a mounted service is chosen by prefix; a ServiceError it throws goes through its own fail", async () => {
    const store = new Map<string, unknown>();
    const svc: MountedService = {
      name: "arm",
      prefix: /^\/custom(\/|$)/,
      handle: async (ctx) => () => {
        if (ctx.method === "DELETE") throw new ServiceError(409, "Busy", "try later");
        store.set("last", ctx.method);
        send(ctx, 200, { ok: true, stored: store.get("last") });
      },
      fail: (ctx, e) => send(ctx, e.status, { custom: e.code, why: e.message }),
      store: {
        checkpoint: () => {
          const saved = new Map(store);
          return () => {
            store.clear();
            for (const [k, v] of saved) store.set(k, v);
          };
        },
      },
    };
    emu.mount(svc);
    expect(await (await fetch(`${emu.url}/custom/x`, { method: "PUT" })).json()).toEqual({ ok: true, stored: "PUT" });
    const refused = await fetch(`${emu.url}/custom/x`, { method: "DELETE" });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({ custom: "Busy", why: "try later" });
    emu.faults.add({ service: "arm", method: "POST", path: "^/custom", kind: "not-persisted", times: 1 });
    expect(await (await fetch(`${emu.url}/custom/x`, { method: "POST" })).json()).toEqual({ ok: true, stored: "POST" });
    expect(store.get("last")).toBe("PUT");
  });
});
