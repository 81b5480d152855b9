import { $, type ProcessPromise } from "zx";
import type { ConnectionInfo } from "../emulator/connection-info.ts";

export const TSX = new URL("../../node_modules/.bin/tsx", import.meta.url).pathname;
const EMULATOR = new URL("../../scripts/emulator.ts", import.meta.url).pathname;

export interface RunningEmulator {
  info: ConnectionInfo;
  stop(): Promise<void>;
}

/**
 * Starts scripts/emulator.ts as a child process and waits for its JSON line. A child, not in-process: its CA must be
 * in NODE_EXTRA_CA_CERTS before any client process starts, and Node reads that variable only at start-up.
 */
export async function spawnEmulator(args: string[], timeoutMs = 20_000): Promise<RunningEmulator> {
  const child: ProcessPromise = $({ quiet: true, nothrow: true })`${TSX} ${EMULATOR} ${args}`;
  const info = await new Promise<ConnectionInfo>((resolve, reject) => {
    let buffer = "";
    const timer = setTimeout(
      () => reject(new Error(`the emulator did not print its connection line within ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += String(chunk);
      const nl = buffer.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buffer.slice(0, nl)) as ConnectionInfo);
      } catch (e) {
        reject(new Error(`the emulator printed something other than its JSON line: ${(e as Error).message}`));
      }
    });
    void child.then((out) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited early (code ${out.exitCode}): ${out.stderr.trim()}`));
    });
  });
  return {
    info,
    stop: async () => {
      await child.kill("SIGTERM");
      await child;
    },
  };
}
