import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import type { Emulator } from "../../../lib/emulator/index.ts";
import { parseThrottleSpec } from "../../../lib/emulator/index.ts";
import type { Fault, FaultInput } from "../../../lib/emulator/faults.ts";
import type { LoggedRequest } from "../../../lib/emulator/request-log.ts";
import { emulatorEnv, startTestEmulator } from "../../helpers/emulator.ts";
import { captureIo, type CapturedIo } from "../../helpers/io.ts";
import { REPO, runInProcess, type ChaosCommand } from "./commands.ts";

/** The demo fleet on its seed: every kind, unknown fields, a V1 app and a stopped app. */
export const DEMO_CONFIG = join(REPO, "config/demo.yaml");
const DEMO_SEED = join(REPO, "config/demo-seed.yaml");

/** One emulator holding the demo world, driven only through its admin API (`/_emulator`), as a harness out of process would. */
export class World {
  private constructor(
    readonly emu: Emulator,
    readonly env: Record<string, string>,
    private snapshotId = "",
  ) {}

  /** Throttling off: thousands of trial requests would otherwise wait on Retry-After, which other suites cover. */
  static async start(opts: { seed?: (seed: DemoSeed) => void; clientSecret?: string } = {}): Promise<World> {
    const seed = YAML.parse(readFileSync(DEMO_SEED, "utf8")) as DemoSeed;
    opts.seed?.(seed);
    const emu = await startTestEmulator({
      seed,
      throttle: parseThrottleSpec("off"),
      ...(opts.clientSecret ? { clientSecret: opts.clientSecret } : {}),
    });
    return new World(emu, emulatorEnv(emu));
  }

  async admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await fetch(`${this.emu.url}/_emulator/${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    if (!r.ok) throw new Error(`admin ${method} ${path}: ${r.status} ${await r.text()}`);
    const text = await r.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Runs the command's prerequisites, then saves the world every trial starts from. */
  async prepare(c: ChaosCommand): Promise<void> {
    for (const p of c.prepare) {
      const io = this.io();
      const args = (p.args ?? ["--yes"]).map((a) => a.replaceAll("{tmp}", trialDir(`prepare-${p.name}`)));
      const code = await runInProcess(p.name, ["--config", DEMO_CONFIG, ...args], io, p.overrides);
      // The demo's stopped app fails rotate-keys on purpose (exit 1); anything else is a broken preparation.
      if (code !== 0 && !/func-batch/.test(io.out()))
        throw new Error(`prepare ${p.name}: exit ${code}\n${io.out()}${io.err()}`);
    }
    this.snapshotId = (await this.admin<{ id: string }>("POST", "snapshots")).id;
  }

  /** Back to the saved world: state, no faults, no held requests, an empty request log. */
  reset(): Promise<void> {
    return this.admin("POST", `snapshots/${this.snapshotId}/restore`);
  }

  io(): CapturedIo {
    return captureIo({ ...this.env, NO_COLOR: "1" });
  }

  addFaults(f: FaultInput | FaultInput[]): Promise<Fault[]> {
    return this.admin("POST", "faults", f);
  }
  faults(): Promise<Fault[]> {
    return this.admin("GET", "faults");
  }
  release(id: number, serve: boolean): Promise<void> {
    return this.admin("POST", `faults/${id}/release`, { serve });
  }
  requests(): Promise<LoggedRequest[]> {
    return this.admin("GET", "requests");
  }

  /** Everything "Azure" holds, key values and app settings left out: ARM, Graph, Key Vault. */
  async state(): Promise<{ arm: ArmView; graph: GraphView; keyVault: VaultView }> {
    const [arm, graph, keyVault] = await Promise.all([
      this.admin<ArmView>("GET", "state"),
      this.admin<GraphView>("GET", "graph/state"),
      this.admin<VaultView>("GET", "keyvault/state"),
    ]);
    return { arm, graph, keyVault };
  }

  /** Key Vault with values: only for calling the apps with what was published. */
  vaultWithValues(): Promise<VaultView> {
    return this.admin("GET", "keyvault/state?secrets=true");
  }

  close(): Promise<void> {
    return this.emu.close();
  }
}

/** The parts of config/demo-seed.yaml a suite may change before the world starts (docs/emulator.md, seed format). */
export interface DemoSeed {
  subscriptions: { resourceGroups: { sites: SeedSite[] }[] }[];
}
export interface SeedSite {
  name: string;
  appSettings?: Record<string, string>;
  functions?: Record<string, { keys?: Record<string, string> }>;
  hostKeys?: { functionKeys?: Record<string, string> };
  authV1?: Record<string, unknown>;
  slots?: SeedSite[];
}

const made: string[] = [];
process.once("exit", () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh folder for one trial's files (backups, plans), removed when the worker exits. */
export function trialDir(label: string): string {
  const d = mkdtempSync(join(tmpdir(), `chaos-${label}-`));
  made.push(d);
  return d;
}

export interface AppView {
  name: string;
  state: string;
  authV2: Record<string, unknown> | null;
  functions: Record<string, { keys: Record<string, string> }>;
  hostKeys: { functionKeys: Record<string, string> };
}
export interface ArmView {
  sites: (AppView & { slots: AppView[] })[];
}
export type GraphObject = Record<string, unknown> & { id: string };
export interface GraphView {
  applications: GraphObject[];
  servicePrincipals: GraphObject[];
  oauth2PermissionGrants: GraphObject[];
  appRoleAssignments?: GraphObject[];
  [k: string]: unknown;
}
export interface SecretVersionView {
  version: string;
  contentType: string | null;
  tags: Record<string, string>;
  attributes: { created?: number; enabled?: boolean };
  value?: string;
}
export interface VaultView {
  secrets: { name: string; deleted: unknown; versions: SecretVersionView[] }[];
}
