import { readFileSync } from "node:fs";
import { Agent, fetch } from "undici";
import type { ConnectionInfo } from "../emulator/connection-info.ts";
import type { LoggedRequest } from "../emulator/request-log.ts";

/** The emulator's admin API (docs/emulator.md), over HTTPS signed by the emulator's own CA. */
export interface EmulatorAdmin {
  /** ARM buckets (`reads=250:25,…`) and Graph limits (`units=3500:350,writes=3000:20`); buckets start full. */
  throttle(arm: string, graph: string): Promise<void>;
  requests(): Promise<LoggedRequest[]>;
  clearRequests(): Promise<void>;
  /** The emulator's CPU seconds so far (user + system). */
  cpuSeconds(): Promise<number>;
}

export function emulatorAdmin(info: ConnectionInfo): EmulatorAdmin {
  const caFile = info.env.NODE_EXTRA_CA_CERTS;
  const dispatcher = new Agent({ connect: caFile ? { ca: readFileSync(caFile, "utf8") } : {} });
  const call = async (path: string, method: string, body?: unknown): Promise<string> => {
    const r = await fetch(`${info.admin}/${path}`, {
      method,
      dispatcher,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`emulator admin ${method} ${path}: ${r.status} ${text}`);
    return text;
  };
  return {
    throttle: async (arm, graph) => void (await call("throttle", "PUT", { spec: arm, graph })),
    requests: async () => JSON.parse(await call("requests", "GET")) as LoggedRequest[],
    clearRequests: async () => void (await call("requests", "DELETE")),
    cpuSeconds: async () => {
      const u = JSON.parse(await call("cpu", "GET")) as { user: number; system: number };
      return (u.user + u.system) / 1e6;
    },
  };
}
