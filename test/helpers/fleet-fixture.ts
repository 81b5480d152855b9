import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { SecretClient } from "@azure/keyvault-secrets";
import type { Emulator, EmulatorOptions } from "../../lib/emulator/index.ts";
import { credentialFor } from "./clients.ts";
import { startTestEmulator } from "./emulator.ts";

export interface FleetFixture {
  emu: Emulator;
  /** A fresh temporary folder for the test's files (config, backups, plans). */
  dir: string;
  /** `dir/fleet.yaml`, holding the fleet given. */
  configFile: string;
}

/** An emulator seeded with `world`, and the fleet config a command under test reads. */
export async function startFleetFixture(
  name: string,
  world: unknown,
  fleet: unknown,
  opts: EmulatorOptions = {},
): Promise<FleetFixture> {
  const emu = await startTestEmulator({ ...opts, seed: world });
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const configFile = join(dir, "fleet.yaml");
  writeFileSync(configFile, YAML.stringify(fleet));
  return { emu, dir, configFile };
}

/** The real SecretClient on the emulator's vault (a loopback vault: no challenge resource check). */
export function vaultClientFor(emu: Emulator): SecretClient {
  return new SecretClient(emu.url, credentialFor(emu), { disableChallengeResourceVerification: true });
}
