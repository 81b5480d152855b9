import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../lib/emulator/index.ts";

/** Starts an in-process emulator signed by the run's shared test CA (see global-setup.ts). */
export async function startTestEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const dir = process.env.EASYAUTH_TEST_CA_DIR;
  if (!dir) throw new Error("EASYAUTH_TEST_CA_DIR is not set: run the tests through vitest (global-setup.ts).");
  const ca = { certPem: readFileSync(join(dir, "ca.pem"), "utf8"), keyPem: readFileSync(join(dir, "ca-key.pem"), "utf8") };
  return startEmulator({ ...opts, ca });
}

/** Environment a tool process or in-process client needs to reach `emu`. */
export function emulatorEnv(emu: Emulator): Record<string, string> {
  return {
    AZURE_AUTHORITY_HOST: emu.url,
    AZURE_TENANT_ID: emu.tenantId,
    AZURE_CLIENT_ID: emu.clientId,
    AZURE_CLIENT_SECRET: emu.clientSecret,
    AZURE_SUBSCRIPTION_ID: emu.subscriptionId,
    AZURE_RESOURCE_MANAGER_ENDPOINT: emu.url,
    MICROSOFT_GRAPH_ENDPOINT: emu.url,
    AZURE_KEYVAULT_URL: emu.url,
    NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? "",
  };
}
