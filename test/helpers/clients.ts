import { ClientSecretCredential, type TokenCredential } from "@azure/identity";
import { WebSiteManagementClient } from "@azure/arm-appservice";
import { createArmClient, type ArmClient } from "../../lib/azure/arm-client.ts";
import { endpointsFromEnv } from "../../lib/azure/endpoints.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { emulatorEnv } from "./emulator.ts";

export function credentialFor(emu: Emulator): ClientSecretCredential {
  return new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.url,
    disableInstanceDiscovery: true,
  });
}

/** The real SDK client, wired as docs/contracts/arm.md §8 describes (custom endpoint + explicit credentials.scopes). */
export function sdkClient(
  emu: Emulator,
  credential: TokenCredential = credentialFor(emu),
  scope = "https://management.azure.com/.default",
): WebSiteManagementClient {
  return new WebSiteManagementClient(credential, emu.subscriptionId, {
    endpoint: emu.url,
    credentials: { scopes: [scope] },
  });
}

/** The tool's raw-JSON ARM client, from the env the emulator prints. */
export function toolArmClient(emu: Emulator, opts: { maxRetries?: number; apiVersion?: string } = {}): ArmClient {
  return createArmClient({ credential: credentialFor(emu), endpoints: endpointsFromEnv(emulatorEnv(emu)), ...opts });
}

export async function adminGet<T>(emu: Emulator, path: string): Promise<T> {
  const r = await fetch(`${emu.url}/_emulator/${path}`);
  return (await r.json()) as T;
}

export async function adminPost(emu: Emulator, path: string, body: unknown): Promise<Response> {
  return fetch(`${emu.url}/_emulator/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}
