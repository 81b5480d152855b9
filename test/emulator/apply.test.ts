import { readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { formatError } from "../../lib/cli/main.ts";
import { applyCommand } from "../../lib/commands/apply.ts";
import { configureAuthCommand } from "../../lib/commands/configure-auth.ts";
import { updateManifestCommand } from "../../lib/commands/update-manifest.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { startTestEmulator, emulatorEnv } from "../helpers/emulator.ts";
import { captureIo } from "../helpers/io.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";

// The demo world and fleet: every kind has work, and func-batch is stopped (its keys cannot be read).
const CONFIG = "config/demo.yaml";
const RUNNING = "!(func-batch)";
const WRITES = new Set(["PUT", "PATCH", "DELETE"]);

let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await startTestEmulator({ seed: YAML.parse(readFileSync("config/demo-seed.yaml", "utf8")) });
  dir = mkdtempSync(join(tmpdir(), "apply-"));
});
afterAll(() => emu?.close());

type Command = typeof applyCommand;
const run = async (command: Command, args: string[], opts: { tty?: boolean; answer?: boolean } = {}) => {
  const io = captureIo(emulatorEnv(emu), opts);
  let prompts = 0;
  const confirm = io.confirm;
  io.confirm = (q) => {
    prompts++;
    return confirm(q);
  };
  const backups = command === updateManifestCommand ? [] : ["--backup-dir", join(dir, "backups")];
  const code = await command(["--config", CONFIG, ...backups, ...args], io).catch((e: unknown) => {
    io.stderr.write(formatError(e));
    return 1;
  });
  return { code, out: io.out(), err: io.err(), prompts };
};

describe("apply: every kind, one plan, dependency order", () => {
  test("one plan over auth, site and keys; one confirmation; applied kind by kind in order; a second run plans nothing", async () => {
    // Registrations first (Easy Auth reads their appIds while planning).
    expect((await run(updateManifestCommand, ["--yes"])).code).toBe(0);

    const dry = await run(applyCommand, ["--dry-run", "--json", "--app", RUNNING]);
    expect(dry.code).toBe(0);
    const doc = JSON.parse(dry.out) as {
      command: string;
      plan: { targets: Array<{ kind: string; status: string; target: { name: string }; resource: string }> };
    };
    expect(doc.command).toBe("apply");
    const changing = doc.plan.targets.filter((t) => t.status === "change");
    // client-secret: func-greeting's Easy Auth secret (config/demo.yaml), planned again once auth has run.
    expect(new Set(changing.map((t) => t.kind))).toEqual(new Set(["auth", "client-secret", "site", "keys"]));
    expect(changing.some((t) => t.kind === "site" && t.target.name === "func-reports")).toBe(true);

    emu.log.clear();
    const applied = await run(applyCommand, ["--app", RUNNING], { tty: true, answer: true });
    expect(applied.err).not.toMatch(/failed:/);
    expect(applied.code).toBe(0);
    expect(applied.prompts).toBe(1);
    expect(applied.out).toMatch(/Apply complete: \d+ updated/);

    // Kind by kind: every Easy Auth PUT before the first site PATCH, every site PATCH before the first key write.
    const writes = emu.log.list().filter((r) => WRITES.has(r.method));
    const kindOf = (path: string) =>
      /authsettingsV2$/i.test(path)
        ? "auth"
        : /\/(keys|functionKeys|systemKeys|masterKey)\//i.test(path)
          ? "keys"
          : /(\/config\/web|\/sites\/[^/]+(\/slots\/[^/]+)?)$/i.test(path)
            ? "site"
            : "other";
    const order = writes.map((w) => kindOf(w.path)).filter((k) => k !== "other");
    expect(order.length).toBeGreaterThan(3);
    expect(order).toEqual(
      [...order].sort((a, b) => ["auth", "site", "keys"].indexOf(a) - ["auth", "site", "keys"].indexOf(b)),
    );

    emu.log.clear();
    const again = await run(applyCommand, ["--dry-run", "--detailed-exitcode", "--app", RUNNING]);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(
      /Plan: 0 to add, 0 to change, 0 to destroy \(\d+ unchanged\)\. Fields: 0 to add, 0 to change, 0 to remove/,
    );
    expect(emu.log.list().filter((r) => WRITES.has(r.method))).toEqual([]);
  });

  test("a saved apply plan belongs to apply: configure-auth refuses it", async () => {
    const planFile = join(dir, "apply.plan.json");
    expect((await run(applyCommand, ["--dry-run", "--plan-out", planFile, "--app", RUNNING])).code).toBe(0);
    const refused = await run(configureAuthCommand, ["--plan", planFile, "--app", RUNNING]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/is a apply plan, not a configure-auth plan|apply plan/);
  });

  test("the stopped app is one failed target; every other target is still planned", async () => {
    const r = await run(applyCommand, ["--dry-run", "--json"]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out) as {
      plan: { targets: Array<{ kind: string; status: string; target: { name: string } }> };
    };
    const failed = doc.plan.targets.filter((t) => t.status === "error");
    expect(failed.map((t) => `${t.kind} ${t.target.name}`)).toEqual(["keys func-batch"]);
    expect(doc.plan.targets.filter((t) => t.status !== "error").length).toBeGreaterThan(5);
  });
});
