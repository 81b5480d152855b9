import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { runScript } from "../lib/cli/main.ts";
import { UsageError } from "../lib/errors.ts";
import {
  connectionInfo,
  EMULATED_CLOUDS,
  emulatedCloud,
  parseFaultsArg,
  parseThrottleSpec,
  startEmulator,
} from "../lib/emulator/index.ts";
import { parseSeed } from "../lib/emulator/seed.ts";

const spec = {
  name: "emulator",
  summary:
    "Start the embedded Azure emulator (Entra ID, ARM, Microsoft Graph, Key Vault) over HTTPS with a fresh CA.\n" +
    "Prints one JSON line with the env a client needs, then serves until SIGINT/SIGTERM.",
  options: {
    port: { type: "string", valueName: "n", description: "Port to listen on; 0 picks a free one", default: "0" },
    host: { type: "string", valueName: "addr", description: "Address to bind", default: "127.0.0.1" },
    seed: {
      type: "string",
      valueName: "yaml",
      description: "Initial world: subscriptions, resource groups, sites (docs/emulator.md); YAML, or JSON if *.json",
    },
    faults: {
      type: "string",
      valueName: "json|file",
      description: "Faults to inject from the start (JSON or a file holding JSON)",
    },
    throttle: {
      type: "string",
      valueName: "spec",
      description: "Buckets, e.g. reads=250:25,writes=200:10,deletes=200:10, or off",
    },
    latency: { type: "string", valueName: "ms", description: "Latency added to every request", default: "0" },
    cloud: {
      type: "string",
      valueName: "name",
      description: `Azure cloud to impersonate (its token audiences and issuers): ${EMULATED_CLOUDS.join(" | ")}`,
      default: "AzureCloud",
    },
    "page-size": {
      type: "string",
      valueName: "n",
      description: "Items per page for ARM list operations",
      default: "50",
    },
  },
  examples: [
    "npx tsx scripts/emulator.ts --seed config/demo-seed.yaml",
    "npx tsx scripts/emulator.ts --port 8443 --throttle writes=20:2 --latency 20",
    "npx tsx scripts/emulator.ts --cloud AzureUSGovernment",
  ],
} as const;

function int(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer, got '${v}'.`);
  return n;
}

runScript(spec, async (v) => {
  const readText = (p: string) => {
    try {
      return readFileSync(p, "utf8");
    } catch (e) {
      throw new UsageError(`Cannot read '${p}': ${(e as Error).message}`);
    }
  };
  let seed: unknown;
  if (v.seed) {
    // A *.json seed is read with JSON.parse: the same document (JSON is YAML), a hundred times faster to read than
    // through the YAML parser, which matters for the bench's thousands of apps.
    const json = /\.json$/i.test(v.seed);
    try {
      const text = readText(v.seed);
      seed = json ? JSON.parse(text) : YAML.parse(text);
    } catch (e) {
      throw new UsageError(`--seed ${v.seed} is not valid ${json ? "JSON" : "YAML"}: ${(e as Error).message}`);
    }
    try {
      parseSeed(seed);
    } catch (e) {
      throw new UsageError(`--seed ${v.seed}: ${(e as Error).message}.`, {
        fix: "Pass a seed file (see config/demo-seed.yaml); fleet configs go to the commands' --config.",
      });
    }
  }
  let faults: unknown;
  if (v.faults) {
    try {
      faults = parseFaultsArg(v.faults, readText);
    } catch (e) {
      throw new UsageError(`--faults is not valid JSON: ${(e as Error).message}`);
    }
  }
  let throttle: ReturnType<typeof parseThrottleSpec> | undefined;
  try {
    throttle = v.throttle ? parseThrottleSpec(v.throttle) : undefined;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let cloud: ReturnType<typeof emulatedCloud>;
  try {
    cloud = emulatedCloud(v.cloud);
  } catch (e) {
    throw new UsageError(`--cloud: ${(e as Error).message}`);
  }
  const emu = await startEmulator({
    cloud: cloud.name,
    port: int("port", v.port),
    host: v.host,
    seed,
    faults,
    throttle,
    latencyMs: int("latency", v.latency),
    pageSize: Math.max(1, int("page-size", v["page-size"])),
  }).catch((e: unknown) => {
    throw new UsageError(`Emulator did not start: ${(e as Error).message}`, {
      fix: "Check --seed/--faults, or pick another --port.",
    });
  });
  const dir = mkdtempSync(join(tmpdir(), "easyauth-emulator-"));
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, emu.ca.certPem);
  process.stdout.write(JSON.stringify(connectionInfo(emu, caFile)) + "\n");

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
  return 0;
});
