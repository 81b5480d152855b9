import { readdirSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { $ } from "zx";
import { spawnEmulator, TSX } from "../../lib/demo/emulator-process.ts";

const scripts = readdirSync("scripts").filter((f) => f.endsWith(".ts"));

// Real processes: what a user or a pipeline sees (exit codes, stdout/stderr split).
describe("scripts as processes", () => {
  test.each(scripts)("%s --help prints usage and exits 0", async (script) => {
    const r = await $({ quiet: true, nothrow: true })`${TSX} scripts/${script} --help`;
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Usage: tsx scripts\//);
  });

  test.each(scripts.filter((s) => s !== "export-schema.ts"))(
    "%s refuses an unknown flag with exit 1",
    async (script) => {
      const r = await $({ quiet: true, nothrow: true })`${TSX} scripts/${script} --no-such-flag`;
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/Unknown option '--no-such-flag'/);
    },
  );

  test("configure-auth with an invalid config: every problem on stderr, exit 1, nothing on stdout", async () => {
    const r = await $({
      quiet: true,
      nothrow: true,
      input: "",
    })`${TSX} scripts/configure-auth.ts --config test/fixtures/invalid-fleet.yaml`;
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/problems in the config/);
    expect(r.stderr).toMatch(/apps\[0\]\.auth\.azureActiveDirectory\.tokenVersion/);
    expect(r.stderr).toMatch(/apps\[1\]: unknown field 'slot'/);
    expect(r.stderr).toMatch(/^fix: /m);
  });

  test("emulator: prints its JSON line, serves the env it prints, stops cleanly on SIGTERM", async () => {
    // spawnEmulator fails if the JSON line does not come (it waits up to 20 s; about 2 s here).
    const emu = await spawnEmulator(["--port", "0"]);
    expect(Object.keys(emu.info.env).sort()).toEqual(
      [
        "AZURE_AUTHORITY_HOST",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        // The cloud the emulator impersonates (--cloud), so a client picks that cloud's audiences.
        "AZURE_CLOUD",
        "AZURE_KEYVAULT_URL",
        "AZURE_RESOURCE_MANAGER_ENDPOINT",
        "AZURE_SUBSCRIPTION_ID",
        "AZURE_TENANT_ID",
        "MICROSOFT_GRAPH_ENDPOINT",
        "NODE_EXTRA_CA_CERTS",
      ].sort(),
    );
    try {
      // A fresh process that knows only the printed env reaches ARM through the real SDK.
      const probe = `import { ClientSecretCredential } from "@azure/identity"; import { WebSiteManagementClient } from "@azure/arm-appservice";
        const e = process.env; const c = new ClientSecretCredential(e.AZURE_TENANT_ID, e.AZURE_CLIENT_ID, e.AZURE_CLIENT_SECRET, { authorityHost: e.AZURE_AUTHORITY_HOST, disableInstanceDiscovery: true });
        const w = new WebSiteManagementClient(c, e.AZURE_SUBSCRIPTION_ID, { endpoint: e.AZURE_RESOURCE_MANAGER_ENDPOINT, credentials: { scopes: ["https://management.azure.com/.default"] } });
        let n = 0; for await (const s of w.webApps.list()) n++; console.log("sites", n);`;
      const r = await $({
        quiet: true,
        nothrow: true,
        env: { ...process.env, ...emu.info.env },
      })`node --input-type=module -e ${probe}`;
      expect(r.stderr).toBe("");
      expect(r.stdout.trim()).toBe("sites 0");
    } finally {
      await emu.stop();
    }
  });
});
