import { writeFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { configureAuthCommand } from "../../lib/commands/configure-auth.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import type { Diagnostic } from "../../lib/pipeline/render-json.ts";
import { jsonOutputValidator } from "../helpers/contract.ts";
import { emulatorEnv } from "../helpers/emulator.ts";
import { startFleetFixture } from "../helpers/fleet-fixture.ts";
import { captureIo } from "../helpers/io.ts";
import { RG, SUB } from "../helpers/seeds.ts";

const world = { subscriptions: [{ subscriptionId: SUB, resourceGroups: [{ name: RG, sites: [{ name: "func-a" }] }] }] };
const fleet = {
  defaults: { subscriptionId: SUB, resourceGroup: RG, auth: { requireAuthentication: true } },
  apps: [
    { name: "func-a", auth: {} },
    { name: "func-gone", auth: {} },
  ],
};

let emu: Emulator;
let dir: string;
let configFile: string;

beforeAll(async () => {
  ({ emu, dir, configFile } = await startFleetFixture("json-diagnostics", world, fleet));
});
afterAll(() => emu?.close());

const runJson = async (args: string[]) => {
  const io = captureIo(emulatorEnv(emu));
  const code = await configureAuthCommand([...args, "--json"], io);
  const out = io.out();
  return { code, out, doc: JSON.parse(out) as { diagnostics: Diagnostic[]; plan?: unknown; command: string } };
};

describe("--json: every failure is part of the one document on stdout", () => {
  test("a fatal config error: exit 1, one document with the error and every issue, valid against the schema", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      YAML.stringify({ apps: [{ name: "func-a", auth: { unauthenticatedClientAction: "Return402" } }] }),
    );
    const r = await runJson(["--config", bad, "--dry-run"]);
    expect(r.code).toBe(1);
    expect(r.out.trim().split("\n").at(-1)).toBe("}");
    const validate = jsonOutputValidator();
    expect(validate(r.doc), JSON.stringify(validate.errors)).toBe(true);
    expect(r.doc.command).toBe("configure-auth");
    expect(r.doc.plan).toBeUndefined();
    expect(r.doc.diagnostics).toHaveLength(1);
    expect(r.doc.diagnostics[0]!.severity).toBe("error");
    expect(r.doc.diagnostics[0]!.detail!.join("\n")).toMatch(/apps\[0\]\.auth\.unauthenticatedClientAction/);
    expect(r.doc.diagnostics[0]!.fix).toBeTruthy();
  });

  test("an unknown flag under --json is a diagnostic too", async () => {
    const r = await runJson(["--config", configFile, "--no-such-flag"]);
    expect(r.code).toBe(1);
    expect(r.doc.diagnostics[0]!.summary).toMatch(/Unknown option '--no-such-flag'/);
  });

  test("a per-target failure: the plan, the results and a diagnostic naming the target", async () => {
    const r = await runJson(["--config", configFile, "--dry-run"]);
    expect(r.code).toBe(1);
    const validate = jsonOutputValidator();
    expect(validate(r.doc), JSON.stringify(validate.errors)).toBe(true);
    const errors = r.doc.diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => `${d.target} ${d.resource}`)).toEqual(["func-gone authsettingsV2"]);
    expect(errors[0]!.summary).toMatch(/404|not found/i);
    // Warnings of the plan are diagnostics as well (no identity provider while authentication is required).
    expect(r.doc.diagnostics.some((d) => d.severity === "warning" && d.target === "func-a")).toBe(true);
  });
});
