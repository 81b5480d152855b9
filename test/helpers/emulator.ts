import { readFileSync } from "node:fs";
import { join } from "node:path";
import { connectionInfo, startEmulator, type Emulator, type EmulatorOptions } from "../../lib/emulator/index.ts";

/** Starts an in-process emulator signed by the run's shared test CA (see global-setup.ts). */
export async function startTestEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const dir = process.env.EASYAUTH_TEST_CA_DIR;
  if (!dir) throw new Error("EASYAUTH_TEST_CA_DIR is not set: run the tests through vitest (global-setup.ts).");
  const ca = {
    certPem: readFileSync(join(dir, "ca.pem"), "utf8"),
    keyPem: readFileSync(join(dir, "ca-key.pem"), "utf8"),
  };
  return startEmulator({ ...opts, ca });
}

/** Environment a tool process or in-process client needs to reach `emu`: what scripts/emulator.ts prints. */
export function emulatorEnv(emu: Emulator): Record<string, string> {
  return connectionInfo(emu, process.env.NODE_EXTRA_CA_CERTS ?? "").env;
}
