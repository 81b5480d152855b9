import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { formatError } from "../../lib/cli/main.ts";
import { applyCommand } from "../../lib/commands/apply.ts";
import { configureAuthCommand } from "../../lib/commands/configure-auth.ts";
import { configureSiteCommand } from "../../lib/commands/configure-site.ts";
import { rotateKeysCommand } from "../../lib/commands/rotate-keys.ts";
import type { Command } from "../../lib/commands/run-kinds.ts";
import { updateManifestCommand } from "../../lib/commands/update-manifest.ts";
import { emulatorEnv } from "../helpers/emulator.ts";
import { startFleetFixture, type FleetFixture } from "../helpers/fleet-fixture.ts";
import { captureIo } from "../helpers/io.ts";
import { LP_FLEET, LP_SCOPE, LP_WORLD } from "./least-privilege-world.ts";

/**
 * Each command run with exactly the permissions docs/permissions.md lists for it succeeds; with any one of them
 * removed it fails with "missing permission X on scope Y for command Z" and the fix, never a raw 403. The sets are
 * read from the doc's `permissions:<command>` blocks, so the doc cannot drift from what the commands need.
 */
interface PermissionSet {
  arm: string[];
  graph: string[];
  keyVault: string[];
}

function documentedSets(): Record<string, PermissionSet> {
  const doc = readFileSync("docs/permissions.md", "utf8");
  const sets: Record<string, PermissionSet> = {};
  for (const m of doc.matchAll(/<!-- permissions:([a-z-]+) -->\s*```json\n([\s\S]*?)```/g))
    sets[m[1]!] = JSON.parse(m[2]!) as PermissionSet;
  return sets;
}

const SETS = documentedSets();
const T0 = Math.ceil(Date.now() / 60_000) * 60_000;
const DAY = 86_400_000;

/** A command's runs, in order, from a fresh world: what it takes for every call the command makes to happen. */
interface Scenario {
  command: string;
  /** Unrestricted runs that set the stage (a registration for configure-auth to resolve). */
  before: Array<{ cmd: Command; args: string[] }>;
  runs: Array<{ cmd: Command; args: string[]; at?: number }>;
}

const backups = (f: FleetFixture) => ["--backup-dir", join(f.dir, "backups")];
const SCENARIOS: Scenario[] = [
  { command: "update-manifest", before: [], runs: [{ cmd: updateManifestCommand, args: [] }] },
  {
    command: "configure-auth",
    before: [{ cmd: updateManifestCommand, args: [] }],
    runs: [{ cmd: configureAuthCommand, args: [] }],
  },
  { command: "configure-site", before: [], runs: [{ cmd: configureSiteCommand, args: [] }] },
  {
    command: "rotate-keys",
    before: [],
    // The rotation, then the retire run after the grace period: create, publish, verify, delete.
    runs: [
      { cmd: rotateKeysCommand, args: [], at: T0 },
      { cmd: rotateKeysCommand, args: [], at: T0 + 31 * DAY },
      { cmd: rotateKeysCommand, args: [], at: T0 + 32 * DAY },
    ],
  },
  // Easy Auth resolves `fromRegistration` while planning, so the registration exists before apply plans (as in the demo).
  {
    command: "apply",
    before: [{ cmd: updateManifestCommand, args: [] }],
    runs: [{ cmd: applyCommand, args: [] }],
  },
];

async function run(f: FleetFixture, cmd: Command, args: string[], at = Date.now()) {
  const io = captureIo(emulatorEnv(f.emu));
  const withBackups = cmd === rotateKeysCommand || cmd === updateManifestCommand ? [] : backups(f);
  const code = await cmd(["--config", f.configFile, ...withBackups, "--yes", ...args], io, {
    now: () => new Date(at),
  }).catch((e: unknown) => {
    io.stderr.write(formatError(e));
    return 1;
  });
  return { code, text: io.out() + io.err() };
}

/** Runs the scenario from a fresh world with the principal restricted to `set`; the first failing run's output. */
async function attempt(s: Scenario, set: PermissionSet): Promise<{ code: number; text: string }> {
  const f = await startFleetFixture(`lp-${s.command}`, LP_WORLD, LP_FLEET);
  try {
    for (const b of s.before) expect((await run(f, b.cmd, b.args)).code).toBe(0);
    f.emu.authorization.set(f.emu.clientId, {
      arm: [{ actions: set.arm, scope: LP_SCOPE }],
      graph: set.graph,
      keyVault: [{ dataActions: set.keyVault }],
    });
    let last = { code: 0, text: "" };
    for (const r of s.runs) {
      last = await run(f, r.cmd, r.args, r.at);
      if (last.code !== 0) return last;
    }
    return last;
  } finally {
    await f.emu.close();
  }
}

const without = (set: PermissionSet, service: keyof PermissionSet, p: string): PermissionSet => ({
  ...set,
  [service]: set[service].filter((x) => x !== p),
});

// Every attempt has its own emulator, so they run side by side.
describe.concurrent("least privilege: docs/permissions.md is exactly what each command needs", {
  timeout: 120_000,
}, () => {
  test("the doc lists a set for every writing command", () => {
    expect(Object.keys(SETS).sort()).toEqual(SCENARIOS.map((s) => s.command).sort());
  });

  for (const s of SCENARIOS) {
    const set = SETS[s.command] ?? { arm: [], graph: [], keyVault: [] };
    test(`${s.command} succeeds with exactly its documented permissions`, async () => {
      const r = await attempt(s, set);
      expect(r.text).not.toMatch(/missing permission/);
      expect(r.code, r.text).toBe(0);
    });

    // apply's set is the union of the others, each removal of which is tested there: one per service here.
    const removals = (["arm", "graph", "keyVault"] as const).flatMap((service) =>
      (s.command === "apply" ? set[service].slice(0, 1) : set[service]).map((p) => ({ service, p })),
    );
    test.each(removals)(
      `${s.command} without $p fails that target with the missing permission named`,
      async ({ service, p }) => {
        const r = await attempt(s, without(set, service, p));
        expect(r.code).toBe(1);
        const m = new RegExp(
          `missing permission (\\S+) on scope (\\S+).* for command ${s.command === "apply" ? "\\S+" : s.command}`,
        ).exec(r.text);
        expect(m, r.text).not.toBeNull();
        // ARM and Key Vault name the action they refused; Graph names none, so the tool names what the call needs.
        if (service !== "graph") expect(m![1]!.toLowerCase()).toBe(p.toLowerCase());
        expect(r.text).toMatch(/fix: To the signed-in principal/);
        expect(r.text).not.toMatch(/AuthorizationFailed|Authorization_RequestDenied|ForbiddenByRbac|"error":/);
      },
    );
  }
});
