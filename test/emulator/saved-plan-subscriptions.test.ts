import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { formatError } from "../../lib/cli/main.ts";
import { configureAuthCommand } from "../../lib/commands/configure-auth.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { getPath } from "../../lib/azure/json.ts";
import { toolArmClient } from "../helpers/clients.ts";
import { emulatorEnv } from "../helpers/emulator.ts";
import { startFleetFixture } from "../helpers/fleet-fixture.ts";
import { captureIo } from "../helpers/io.ts";
import { RG, SUB } from "../helpers/seeds.ts";

// A second subscription holding the same resource group and app name as the first.
const SUB_B = "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d";
const site = (sub: string) => `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.Web/sites/func-x`;

const world = {
  subscriptions: [SUB, SUB_B].map((subscriptionId, i) => ({
    subscriptionId,
    resourceGroups: [
      {
        name: RG,
        sites: [
          {
            name: "func-x",
            authV2:
              i === 0
                ? { platform: { enabled: true }, globalValidation: { requireAuthentication: true } }
                : { platform: { enabled: true } },
          },
        ],
      },
    ],
  })),
};
const fleet = {
  defaults: { resourceGroup: RG, auth: { requireAuthentication: true } },
  apps: [SUB, SUB_B].map((subscriptionId) => ({ name: "func-x", subscriptionId, auth: {} })),
};

let emu: Emulator;
let dir: string;
let configFile: string;

beforeAll(async () => {
  ({ emu, dir, configFile } = await startFleetFixture("saved-plan-subs", world, fleet));
});
afterAll(() => emu?.close());

const run = async (args: string[]) => {
  const io = captureIo(emulatorEnv(emu));
  // The entry point turns a thrown error into exit 1 and its message on stderr; so does this.
  const code = await configureAuthCommand(
    ["--config", configFile, "--backup-dir", join(dir, "backups"), ...args],
    io,
  ).catch((e: unknown) => {
    io.stderr.write(formatError(e));
    return 1;
  });
  return { code, out: io.out(), err: io.err() };
};

describe("saved plans match targets by subscription, resource group, app and slot", () => {
  test("two subscriptions holding rg-api/func-x: the saved plan applies to the right one", async () => {
    const planFile = join(dir, "two-subs.plan.json");
    const planned = await run(["--dry-run", "--plan-out", planFile]);
    expect(planned.code).toBe(0);
    expect(planned.out).toMatch(
      /Plan: 0 to add, 1 to change, 0 to destroy \(1 unchanged\)\. Fields: 1 to add, 0 to change, 0 to remove/,
    );
    // The same label twice: the subscription tells them apart.
    expect(planned.out).toContain(`${SUB_B}/${RG}`);

    const applied = await run(["--plan", planFile]);
    expect(applied.err).not.toMatch(/no longer produces/);
    expect(applied.code).toBe(0);
    const arm = toolArmClient(emu);
    for (const sub of [SUB, SUB_B]) {
      const doc = await arm.get<{ properties: Record<string, unknown> }>(`${site(sub)}/config/authsettingsV2/list`);
      expect(getPath(doc.body.properties, ["globalValidation", "requireAuthentication"])).toBe(true);
    }
    expect((await run(["--dry-run", "--detailed-exitcode"])).code).toBe(0);
  });

  test("--plan-out saves the plan and stops, as terraform plan -out: exit 2 with --detailed-exitcode, zero writes", async () => {
    const planFile = join(dir, "stop.plan.json");
    await toolArmClient(emu).put(`${site(SUB_B)}/config/authsettingsV2`, {
      properties: { platform: { enabled: true }, globalValidation: { requireAuthentication: false } },
    });
    emu.log.clear();
    const saved = await run(["--plan-out", planFile, "--detailed-exitcode", "--yes"]);
    expect(saved.code).toBe(2);
    expect(existsSync(planFile)).toBe(true);
    expect(emu.log.list().filter((r) => ["PUT", "PATCH", "DELETE"].includes(r.method))).toEqual([]);
    expect((await run(["--plan-out", planFile])).code).toBe(0);
    expect((await run(["--plan", planFile])).code).toBe(0);
    expect((await run(["--dry-run", "--detailed-exitcode"])).code).toBe(0);
  });

  test("a change in one subscription's app makes the plan stale; the same app in the other subscription is not mistaken for it", async () => {
    const planFile = join(dir, "stale.plan.json");
    await toolArmClient(emu).put(`${site(SUB_B)}/config/authsettingsV2`, {
      properties: { platform: { enabled: true }, globalValidation: { requireAuthentication: false } },
    });
    expect((await run(["--dry-run", "--plan-out", planFile])).code).toBe(0);
    // Someone edits the app in the first subscription, which the plan holds as unchanged.
    await toolArmClient(emu).put(`${site(SUB)}/config/authsettingsV2`, {
      properties: {
        platform: { enabled: true },
        globalValidation: { requireAuthentication: true },
        login: { preserveUrlFragmentsForLogins: true },
      },
    });
    const stale = await run(["--plan", planFile]);
    expect(stale.code).toBe(1);
    expect(stale.err).toMatch(/stale/);
  });
});
