import { createServer, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { join } from "node:path";
import { SecretClient } from "@azure/keyvault-secrets";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { createGraphApi } from "../../lib/azure/graph-client.ts";
import { endpointsFromEnv } from "../../lib/azure/endpoints.ts";
import { bypassesProxy, describeProxy, proxyConfigFromEnv } from "../../lib/azure/proxy.ts";
import { formatError } from "../../lib/cli/main.ts";
import { configureAuthCommand } from "../../lib/commands/configure-auth.ts";
import { updateManifestCommand } from "../../lib/commands/update-manifest.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { credentialFor } from "../helpers/clients.ts";
import { emulatorEnv } from "../helpers/emulator.ts";
import { startFleetFixture } from "../helpers/fleet-fixture.ts";
import { captureIo } from "../helpers/io.ts";
import { RG, SUB } from "../helpers/seeds.ts";
import { writeFileSync } from "node:fs";
import YAML from "yaml";

/**
 * Every client through an HTTPS proxy (issue 15, part 4). The proxy is a logging HTTP CONNECT proxy on loopback
 * that counts the tunnels per target `host:port`; TLS runs end to end through it, so it sees targets, not requests.
 *
 * The emulator serves every service on one port, so each run reaches the service under test by the alias
 * `localhost` and everything else by `127.0.0.1`, which NO_PROXY lists: a tunnel to `localhost:{port}` can then only
 * come from the service under test. NO_PROXY stays one value for the whole file because @azure/core-rest-pipeline
 * reads it once per process, when its first pipeline is built (HTTPS_PROXY is read per client).
 */

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

interface LoggingProxy {
  url: string;
  tunnels: Map<string, number>;
  close(): Promise<void>;
}

async function startLoggingProxy(): Promise<LoggingProxy> {
  const tunnels = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => {
    // Plain-HTTP forwarding is not what an https client asks for: fail loudly.
    res.writeHead(501).end("CONNECT only");
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("connect", (req, client: Socket, head: Buffer) => {
    const target = req.url ?? "";
    const at = target.lastIndexOf(":");
    const host = target.slice(0, at);
    const port = Number(target.slice(at + 1));
    if (!LOOPBACK.has(host) || !Number.isInteger(port)) {
      client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    tunnels.set(target, (tunnels.get(target) ?? 0) + 1);
    const upstream = connect({ host: host.replace(/^\[|\]$/g, ""), port }, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const world = {
  subscriptions: [{ subscriptionId: SUB, resourceGroups: [{ name: RG, sites: [{ name: "func-proxied" }] }] }],
};
const authFleet = {
  defaults: { subscriptionId: SUB, resourceGroup: RG },
  apps: [
    {
      name: "func-proxied",
      auth: {
        requireAuthentication: true,
        unauthenticatedClientAction: "Return401",
        azureActiveDirectory: { clientId: "4b2d6f8a-1c3e-4a5b-9d7f-0e2c4a6b8d10", allowedAudiences: ["api://{appId}"] },
      },
    },
  ],
};
const registrationFleet = {
  defaults: { subscriptionId: SUB, resourceGroup: RG },
  apps: [
    {
      name: "func-proxied",
      registration: {
        uniqueName: "proxied-api",
        displayName: "proxied-api (test)",
        scopes: [
          {
            value: "Greeting.Read",
            adminConsentDisplayName: "Read API Greetings",
            adminConsentDescription: "Allows the user to see greetings from the API.",
          },
        ],
      },
    },
  ],
};

let emu: Emulator;
let dir: string;
let authConfig: string;
let registrationConfig: string;
let proxy: LoggingProxy;
let alias: string;
const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY };
const NO_PROXY = "example.invalid, 127.0.0.1";

beforeAll(async () => {
  proxy = await startLoggingProxy();
  // Before any Azure SDK client exists in this process (NO_PROXY is read once, see above).
  process.env.HTTPS_PROXY = proxy.url;
  process.env.NO_PROXY = NO_PROXY;
  ({ emu, dir, configFile: authConfig } = await startFleetFixture("proxy", world, authFleet));
  registrationConfig = join(dir, "registration.yaml");
  writeFileSync(registrationConfig, YAML.stringify(registrationFleet));
  alias = `https://localhost:${new URL(emu.url).port}`;
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await emu?.close();
  await proxy?.close();
});
beforeEach(() => {
  emu.log.clear();
  proxy.tunnels.clear();
});

/** The command's env: the emulator's, the proxy, and NO_PROXY; `overrides` send one service by the alias. */
const envWith = (overrides: Record<string, string> = {}) => ({
  ...emulatorEnv(emu),
  HTTPS_PROXY: proxy.url,
  NO_PROXY,
  ...overrides,
});

async function run(
  command: typeof configureAuthCommand,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo(env);
  let code: number;
  try {
    code = await command(args, io);
  } catch (e) {
    io.stderr.write(formatError(e) + "\n");
    code = 1;
  }
  return { code, out: io.out(), err: io.err() };
}

const calls = (service: string) => emu.log.list().filter((r) => r.service === service);
const aliasTarget = () => `localhost:${new URL(emu.url).port}`;
const tunnels = () => Object.fromEntries(proxy.tunnels);

describe("HTTPS_PROXY and NO_PROXY, through a logging CONNECT proxy", () => {
  test("update-manifest: Microsoft Graph requests go through the proxy", async () => {
    const env = envWith({ MICROSOFT_GRAPH_ENDPOINT: alias });
    const r = await run(updateManifestCommand, ["--config", registrationConfig, "--dry-run"], env);
    expect(r.code, r.err).toBe(0);
    expect(calls("graph").length).toBeGreaterThan(0);
    // Only Graph is reached by the alias: sign-in and ARM went direct (NO_PROXY lists 127.0.0.1).
    expect(Object.keys(tunnels())).toEqual([aliasTarget()]);
    expect(proxy.tunnels.get(aliasTarget())).toBeGreaterThan(0);
  });

  test("configure-auth: ARM requests go through the proxy", async () => {
    const env = envWith({ AZURE_RESOURCE_MANAGER_ENDPOINT: alias });
    const r = await run(
      configureAuthCommand,
      ["--config", authConfig, "--backup-dir", join(dir, "backups"), "--dry-run"],
      env,
    );
    expect(r.code, r.err).toBe(0);
    expect(calls("arm").length).toBeGreaterThan(0);
    expect(Object.keys(tunnels())).toEqual([aliasTarget()]);
  });

  test("sign-in (Entra) goes through the proxy too", async () => {
    const env = envWith({ AZURE_AUTHORITY_HOST: alias });
    const r = await run(
      configureAuthCommand,
      ["--config", authConfig, "--backup-dir", join(dir, "backups"), "--dry-run"],
      env,
    );
    expect(r.code, r.err).toBe(0);
    expect(calls("entra").length).toBeGreaterThan(0);
    expect(Object.keys(tunnels())).toEqual([aliasTarget()]);
  });

  test("NO_PROXY covering the emulator's host: both commands reach it directly, no tunnel at all", async () => {
    const env = envWith();
    const graph = await run(updateManifestCommand, ["--config", registrationConfig, "--dry-run"], env);
    expect(graph.code, graph.err).toBe(0);
    const arm = await run(
      configureAuthCommand,
      ["--config", authConfig, "--backup-dir", join(dir, "backups"), "--dry-run"],
      env,
    );
    expect(arm.code, arm.err).toBe(0);
    expect(calls("graph").length).toBeGreaterThan(0);
    expect(calls("arm").length).toBeGreaterThan(0);
    expect(tunnels()).toEqual({});
  });

  test("the Graph client reads the proxy variables from the env it is given", async () => {
    const endpoints = endpointsFromEnv({ ...emulatorEnv(emu), MICROSOFT_GRAPH_ENDPOINT: alias });
    // process.env names the proxy; the env given names none: Graph goes direct.
    const direct = createGraphApi({ credential: credentialFor(emu), endpoints, env: {} });
    await direct.list("/applications");
    expect(tunnels()).toEqual({});
    // And the other way round: NO_PROXY in the env given, not in process.env's value, is honoured as well.
    const bypassed = createGraphApi({
      credential: credentialFor(emu),
      endpoints,
      env: { HTTPS_PROXY: proxy.url, NO_PROXY: "localhost" },
    });
    await bypassed.list("/applications");
    expect(tunnels()).toEqual({});
    const proxied = createGraphApi({ credential: credentialFor(emu), endpoints, env: { https_proxy: proxy.url } });
    await proxied.list("/applications");
    expect(Object.keys(tunnels())).toEqual([aliasTarget()]);
  });

  test("Key Vault goes through the proxy (the Azure SDK's proxy policy, process.env)", async () => {
    const vault = new SecretClient(alias, credentialFor(emu), { disableChallengeResourceVerification: true });
    for await (const _ of vault.listPropertiesOfSecrets()) break;
    expect(calls("keyvault").length).toBeGreaterThan(0);
    expect(Object.keys(tunnels())).toEqual([aliasTarget()]);
  });

  test("a proxy that is down fails Graph calls rather than silently going direct", async () => {
    const endpoints = endpointsFromEnv({ ...emulatorEnv(emu), MICROSOFT_GRAPH_ENDPOINT: alias });
    const g = createGraphApi({ credential: credentialFor(emu), endpoints, env: { HTTPS_PROXY: "http://127.0.0.1:9" } });
    await expect(g.postOnce("/applications", { displayName: "never" })).rejects.toThrow(/POST \/applications/);
    expect(calls("graph")).toEqual([]);
  });
});

describe("proxy settings from the env (the Azure SDK's rules)", () => {
  test("HTTPS_PROXY, then ALL_PROXY, then HTTP_PROXY; upper case before lower case", () => {
    expect(proxyConfigFromEnv({})).toBeUndefined();
    expect(proxyConfigFromEnv({ HTTP_PROXY: "http://h:1", ALL_PROXY: "http://a:2" })?.proxyUrl.host).toBe("a:2");
    expect(proxyConfigFromEnv({ https_proxy: "http://l:3", HTTP_PROXY: "http://h:1" })?.proxyUrl.host).toBe("l:3");
    expect(proxyConfigFromEnv({ HTTPS_PROXY: "http://u:4", https_proxy: "http://l:3" })?.proxyUrl.host).toBe("u:4");
  });

  test("a bad proxy URL names the variable, never its value (it may hold a password)", () => {
    for (const bad of ["user:s3cret@corp-proxy:8080", "corp-proxy.internal:8080", "not a url s3cret"]) {
      expect(() => proxyConfigFromEnv({ HTTPS_PROXY: bad })).toThrow(/^HTTPS_PROXY is not an http\(s\) URL/);
      expect(() => proxyConfigFromEnv({ HTTPS_PROXY: bad })).not.toThrow(/s3cret|corp-proxy/);
    }
    const c = proxyConfigFromEnv({ HTTPS_PROXY: "http://user:s3cret@proxy.example.com:8080" });
    expect(c && describeProxy(c)).toBe("http://proxy.example.com:8080");
  });

  test("NO_PROXY: exact hosts and .domain suffixes (which match the domain itself); no ports, no *", () => {
    const no = proxyConfigFromEnv({
      HTTPS_PROXY: "http://p:1",
      no_proxy: " Internal.Example , .corp.example,,",
    })!.noProxy;
    expect(no).toEqual(["internal.example", ".corp.example"]);
    expect(bypassesProxy("https://internal.example/x", no)).toBe(true);
    expect(bypassesProxy("https://a.internal.example/x", no)).toBe(false);
    expect(bypassesProxy("https://vault.corp.example/x", no)).toBe(true);
    expect(bypassesProxy("https://corp.example/x", no)).toBe(true);
    expect(bypassesProxy("https://notcorp.example/x", no)).toBe(false);
    expect(bypassesProxy("https://127.0.0.1:8443/x", ["127.0.0.1"])).toBe(true);
    expect(bypassesProxy("https://127.0.0.1:8443/x", ["127.0.0.1:8443"])).toBe(false);
    expect(bypassesProxy("https://graph.microsoft.com/x", ["*"])).toBe(false);
  });
});
