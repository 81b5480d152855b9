import { copyFileSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ArmClient } from "../../lib/azure/arm-client.ts";
import { formatError } from "../../lib/cli/main.ts";
import { applyCommand } from "../../lib/commands/apply.ts";
import { restoreCommand } from "../../lib/commands/restore.ts";
import { updateManifestCommand } from "../../lib/commands/update-manifest.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { listBackups } from "../../lib/pipeline/backup.ts";
import type { BackupRecord } from "../../lib/pipeline/contract.ts";
import { emulatorEnv, startTestEmulator } from "../helpers/emulator.ts";
import { graphClientFor } from "../helpers/graph.ts";
import { toolArmClient } from "../helpers/clients.ts";
import { captureIo } from "../helpers/io.ts";

const SUB = "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2";
const site = (name: string) => `/subscriptions/${SUB}/resourceGroups/rg-demo-api/providers/Microsoft.Web/sites/${name}`;
const WRITES = new Set(["PUT", "PATCH", "DELETE"]);
const APP_SETTING_CANARY = "demo-placeholder-not-a-secret";

let emu: Emulator;
let dir: string;
let backups: string;
let arm: ArmClient;
let passwordCanary = "";

type Cmd = (argv: string[], io: ReturnType<typeof captureIo>) => Promise<number>;
async function run(cmd: Cmd, args: string[], opts: { tty?: boolean; answer?: boolean } = {}) {
  const io = captureIo(emulatorEnv(emu), opts);
  const code = await cmd(args, io).catch((e: unknown) => {
    io.stderr.write(formatError(e));
    return 1;
  });
  return { code, out: io.out(), err: io.err() };
}

const newest = (kind: string, name: string) =>
  listBackups(backups)
    .filter((b) => b.record.kind === kind && b.record.target.name === name && !b.record.target.slot)
    .at(-1)!;

beforeAll(async () => {
  emu = await startTestEmulator({ seed: YAML.parse(readFileSync("config/demo-seed.yaml", "utf8")) });
  dir = mkdtempSync(join(tmpdir(), "restore-"));
  backups = join(dir, "backups");
  arm = toolArmClient(emu);
  const b = ["--backup-dir", backups];
  expect((await run(updateManifestCommand, ["--config", "config/demo.yaml", "--yes", ...b])).code).toBe(0);
  // A client secret on the registration: its text must never reach a backup.
  const graph = graphClientFor(emu);
  const app = (await graph.api("/applications(uniqueName='func-orders-api')").get()) as { id: string };
  const pw = (await graph
    .api(`/applications/${app.id}/addPassword`)
    .post({ passwordCredential: { displayName: "ci" } })) as {
    secretText: string;
  };
  passwordCanary = pw.secretText;
  // A hand-made change the next update-manifest undoes (so it backs the registration up first).
  await graph.api(`/applications/${app.id}`).patch({ displayName: "Orders API (hand-renamed)" });
  expect((await run(updateManifestCommand, ["--config", "config/demo.yaml", "--yes", ...b])).code).toBe(0);
  const applied = await run(applyCommand, ["--config", "config/demo.yaml", "--yes", "--app", "!(func-batch)", ...b]);
  expect(applied.err).not.toMatch(/failed:/);
}, 60_000);
afterAll(() => emu?.close());

describe("backups", () => {
  test("every kind that writes leaves a record of what it changed: kind, tenant, subscription, target, time, version", () => {
    const all = listBackups(backups);
    const kinds = new Set(all.map((b) => b.record.kind));
    for (const k of ["auth", "site", "registration"]) expect(kinds.has(k)).toBe(true);
    for (const b of all) {
      expect(b.record).toMatchObject({
        formatVersion: 2,
        tenantId: emu.tenantId,
        subscriptionId: SUB,
        toolVersion: "0.1.0",
      });
      expect(statSync(b.file).mode & 0o777).toBe(0o600);
    }
    const reg = newest("registration", "func-orders").record.document as { application: { displayName: string } };
    expect(reg.application.displayName).toBe("Orders API (hand-renamed)");
  });

  test("no secret in any backup: app settings, function keys, client secrets (canaries)", () => {
    expect(passwordCanary.length).toBeGreaterThan(8);
    const files = readdirSync(backups, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".json"));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(join(backups, f), "utf8");
      expect(text).not.toContain(passwordCanary);
      expect(text).not.toContain(APP_SETTING_CANARY);
      expect(text).not.toMatch(/secretText|"key":/);
    }
  });
});

describe("restore of each kind through the emulator", () => {
  test("site: a bad hand-made change (raw ARM PATCH, as az rest would) is put back; a second run plans nothing", async () => {
    const before = newest("site", "func-reports");
    await arm.patch(`${site("func-reports")}/config/web`, {
      properties: { minTlsVersion: "1.0", ftpsState: "AllAllowed" },
    });
    const r = await run(restoreCommand, ["--backup", before.file, "--yes", "--backup-dir", backups]);
    expect(r.err).not.toMatch(/failed:/);
    expect(r.code).toBe(0);
    const web = (await arm.get<{ properties: Record<string, unknown> }>(`${site("func-reports")}/config/web`)).body
      .properties;
    const doc = before.record.document as { web: Record<string, unknown> };
    expect(web.minTlsVersion).toBe(doc.web.minTlsVersion);
    expect(web.ftpsState).toBe(doc.web.ftpsState);
    emu.log.clear();
    const again = await run(restoreCommand, [
      "--backup",
      before.file,
      "--dry-run",
      "--detailed-exitcode",
      "--backup-dir",
      backups,
    ]);
    expect(again.code).toBe(0);
    expect(emu.log.list().filter((x) => WRITES.has(x.method))).toEqual([]);
  });

  test("auth: the whole document comes back (unknown sections and other providers included), after its own backup", async () => {
    const before = newest("auth", "func-orders");
    const count = listBackups(backups).length;
    await arm.put(`${site("func-orders")}/config/authsettingsV2`, { properties: { platform: { enabled: false } } });
    const r = await run(restoreCommand, [
      "--target",
      "func-orders",
      "--kind",
      "auth",
      "--at",
      new Date().toISOString(),
      "--yes",
      "--backup-dir",
      backups,
    ]);
    expect(r.err).not.toMatch(/failed:/);
    expect(r.code).toBe(0);
    const now = (
      await arm.get<{ properties: Record<string, unknown> }>(`${site("func-orders")}/config/authsettingsV2/list`)
    ).body;
    const wanted = (before.record.document as { properties: Record<string, unknown> }).properties;
    expect(now.properties).toMatchObject({
      futureSection: wanted.futureSection,
      identityProviders: wanted.identityProviders,
    });
    expect(listBackups(backups).length).toBe(count + 1);
  });

  test("registration: the owned fields come back (the hand-renamed display name of the backup)", async () => {
    const before = newest("registration", "func-orders");
    const r = await run(restoreCommand, ["--backup", before.file, "--yes", "--backup-dir", backups]);
    expect(r.err).not.toMatch(/failed:/);
    expect(r.code).toBe(0);
    const app = (await graphClientFor(emu).api("/applications(uniqueName='func-orders-api')").get()) as {
      displayName: string;
    };
    expect(app.displayName).toBe("Orders API (hand-renamed)");
  });

  test("restore list: backups per target, newest first, with what changed since", async () => {
    const r = await run(restoreCommand, ["list", "--backup-dir", backups]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/func-reports {2}site site/);
    expect(r.out).toMatch(/field(s)? changed since|nothing it holds changed since/);
    const times = [...r.out.matchAll(/^ {2}(\d{4}-\S+Z) /gm)].map((m) => m[1]!);
    expect(times.length).toBeGreaterThan(3);
  });
});

describe("restore refusals", () => {
  test("a stale target: changed since the restore plan was saved, nothing is written", async () => {
    const b = newest("site", "func-reports");
    const path = site("func-reports");
    const planFile = join(dir, "restore.plan.json");
    await arm.patch(`${path}/config/web`, { properties: { minTlsVersion: "1.0" } });
    const saved = await run(restoreCommand, ["--backup", b.file, "--plan-out", planFile, "--backup-dir", backups]);
    expect(saved.code).toBe(0);
    await arm.patch(`${path}/config/web`, { properties: { ftpsState: "AllAllowed" } });
    emu.log.clear();
    const r = await run(restoreCommand, ["--backup", b.file, "--plan", planFile, "--backup-dir", backups]);
    expect(r.code).toBe(1);
    expect(r.err + r.out).toMatch(
      /The saved plan is stale; nothing was applied\. func-reports: site changed since the plan was made/,
    );
    expect(emu.log.list().filter((x) => WRITES.has(x.method))).toEqual([]);
  });

  test("a backup from another tenant is refused before any read of the target", async () => {
    const b = newest("site", "func-reports");
    const foreign = join(dir, "foreign.site.json");
    const record = JSON.parse(readFileSync(b.file, "utf8")) as BackupRecord;
    writeFileSync(foreign, JSON.stringify({ ...record, tenantId: "00000000-0000-4000-8000-000000000001" }));
    emu.log.clear();
    const r = await run(restoreCommand, ["--backup", foreign, "--yes", "--backup-dir", backups]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is from tenant 00000000-0000-4000-8000-000000000001[\s\S]*fix:/);
    expect(emu.log.list().filter((x) => x.service === "arm")).toEqual([]);
  });

  test("bad input: one message and the fix, exit 1", async () => {
    expect((await run(restoreCommand, [])).err).toMatch(/Say what to do/);
    expect((await run(restoreCommand, ["--target", "func-orders"])).err).toMatch(/--target needs --at/);
    expect((await run(restoreCommand, ["--target", "func-orders", "--at", "yesterday"])).err).toMatch(/is not a time/);
    expect((await run(restoreCommand, ["--keep", "-1"])).err).toMatch(/--keep must be/);
    expect((await run(restoreCommand, ["--older-than", "soon"])).err).toMatch(/is not a duration/);
    expect((await run(restoreCommand, ["--backup", join(dir, "missing.json")])).err).toMatch(/Cannot read backup/);
  });
});

describe("pruning", () => {
  test("--keep N keeps the newest N of each target; --older-than removes only older ones; --dry-run deletes nothing", async () => {
    const pruneDir = join(dir, "prune");
    // A copy of the folder: five backups of one target at known times, two of another.
    const src = newest("site", "func-reports");
    const record = JSON.parse(readFileSync(src.file, "utf8")) as BackupRecord;
    const { writeBackup } = await import("../../lib/pipeline/backup.ts");
    const at = (d: number) => new Date(Date.UTC(2026, 10, d, 8, 0, 0));
    for (const d of [1, 2, 3, 4, 5])
      writeBackup(pruneDir, record.target, "site", record.document, { kind: "site", now: at(d) });
    const other = { ...record.target, name: "func-other" };
    for (const d of [1, 2]) writeBackup(pruneDir, other, "site", record.document, { kind: "site", now: at(d) });
    copyFileSync(src.file, join(pruneDir, "unrelated.json.bak"));

    const dry = await run(restoreCommand, ["--keep", "2", "--dry-run", "--backup-dir", pruneDir]);
    expect(dry.out).toMatch(/3 backups to delete/);
    expect(listBackups(pruneDir)).toHaveLength(7);

    expect((await run(restoreCommand, ["--keep", "2", "--backup-dir", pruneDir])).code).toBe(0);
    const left = listBackups(pruneDir).map((b) => `${b.record.target.name} ${b.record.takenAt.slice(0, 10)}`);
    expect(left.sort()).toEqual(
      ["func-other 2026-11-01", "func-other 2026-11-02", "func-reports 2026-11-04", "func-reports 2026-11-05"].sort(),
    );
    const old = await run(restoreCommand, ["--keep", "1", "--older-than", "1d", "--backup-dir", pruneDir]);
    expect(old.out).toMatch(/2 backups deleted/);
    expect(listBackups(pruneDir)).toHaveLength(2);
  });
});
