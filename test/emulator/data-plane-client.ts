import { request } from "node:https";
import type { LookupFunction } from "node:net";
import type { ClientPrincipal } from "../../lib/emulator/directory.ts";
import type { Emulator } from "../../lib/emulator/index.ts";

// Real clients of the data plane: node:https resolving `{app}.azurewebsites.net` to the emulator (what
// `curl --connect-to` does: SNI, certificate check and Host all name the app), and fetch on the path prefix.

export interface SiteResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const toLoopback: LookupFunction = (_hostname, options, callback) => {
  if (options.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
};

/** `https://{host}{path}` against the emulator's port, verifying its certificate for `host`. */
export function callHost(
  emu: Emulator,
  host: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<SiteResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port: emu.port,
        path,
        method: opts.method ?? "GET",
        headers: opts.headers,
        ca: emu.ca.certPem,
        lookup: toLoopback,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = String(v);
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString("utf8") });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** The same call through the path prefix (`hostBaseUrl`), with the global fetch. */
export async function callPrefix(
  emu: Emulator,
  label: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<SiteResponse> {
  const r = await fetch(`${emu.url}/_sites/${label}${path}`, { headers, redirect: "manual" });
  return { status: r.status, headers: Object.fromEntries(r.headers), body: await r.text() };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A client application of the test tenant (not registered in the Directory: tokens are minted directly). */
export function clientApp(clientId: string, objectId = crypto.randomUUID()): ClientPrincipal {
  return { clientId, objectId, displayName: clientId, federatedSubjects: [] };
}

/** An access token signed by the emulator's Directory: v2 (`azp`) or v1 (`appid`), with extra claims. */
export async function mintToken(
  emu: Emulator,
  opts: { audience: string; version?: 1 | 2; client?: ClientPrincipal; claims?: Record<string, unknown> },
): Promise<string> {
  const client = opts.client ?? clientApp("c0ffee00-0000-4000-8000-000000000001");
  const r = await emu.directory.issueAccessToken(
    client,
    { audience: opts.audience, version: opts.version ?? 2 },
    opts.claims ?? {},
  );
  return r.token;
}

/** A token minted while the Directory's lifetime is `seconds` (negative: already expired by that much). */
export async function mintWithLifetime(
  emu: Emulator,
  seconds: number,
  opts: Parameters<typeof mintToken>[1],
): Promise<string> {
  const saved = emu.directory.tokenLifetimeSeconds;
  emu.directory.tokenLifetimeSeconds = seconds;
  try {
    return await mintToken(emu, opts);
  } finally {
    emu.directory.tokenLifetimeSeconds = saved;
  }
}
