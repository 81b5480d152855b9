import { writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { formatError } from "../../lib/cli/main.ts";
import { configureAuthCommand } from "../../lib/commands/configure-auth.ts";
import { emulatorEnv } from "../helpers/emulator.ts";
import { captureIo } from "../helpers/io.ts";
import { armPath } from "../../lib/azure/arm-client.ts";
import { discoverSites, RESOURCES_LIST_API_VERSION } from "../../lib/azure/discovery.ts";
import { AzureRequestError } from "../../lib/errors.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { toolArmClient } from "../helpers/clients.ts";
import { startTestEmulator } from "../helpers/emulator.ts";
import { SUB } from "../helpers/seeds.ts";

const SUB_B = "5d0e9c1a-7b3f-4e2d-8a6c-1f9b0e2d3c4a";
const PAGE = 4;

// Two subscriptions; payments apps in two resource groups, one with slots; other teams, a web app, an untagged app.
const world = {
  subscriptions: [
    {
      subscriptionId: SUB,
      resourceGroups: [
        {
          name: "rg-pay",
          sites: [
            ...Array.from({ length: 7 }, (_, i) => ({
              name: `func-pay-${i}`,
              tags: { team: "payments", env: i % 2 ? "prod" : "dev" },
              ...(i === 0 ? { slots: [{ name: "staging" }, { name: "canary", tags: { team: "other" } }] } : {}),
            })),
            { name: "web-pay", kind: "app", tags: { team: "payments", env: "prod" } },
          ],
        },
        { name: "rg-other", sites: [{ name: "func-ledger", tags: { team: "ledger" } }, { name: "func-bare" }] },
      ],
    },
    {
      subscriptionId: SUB_B,
      resourceGroups: [{ name: "rg-pay", sites: [{ name: "func-pay-b", tags: { team: "payments", env: "prod" } }] }],
    },
  ],
};

let emu: Emulator;
beforeAll(async () => {
  emu = await startTestEmulator({ seed: world, pageSize: PAGE });
});
afterAll(() => emu.close());

const listReads = () =>
  emu.log.list().filter((l) => l.service === "arm" && /\/resources$/i.test(l.path) && l.method === "GET");

describe("discoverSites through the ARM generic resources list", () => {
  test("one paged read per subscription, every page followed, slots attached to their site", async () => {
    emu.log.clear();
    const found = await discoverSites(toolArmClient(emu), { subscriptions: [SUB, SUB_B] });
    const names = found.map((s) => `${s.subscriptionId === SUB ? "a" : "b"}/${s.resourceGroup}/${s.name}`);
    expect(names).toEqual([
      "a/rg-other/func-bare",
      "a/rg-other/func-ledger",
      ...Array.from({ length: 7 }, (_, i) => `a/rg-pay/func-pay-${i}`),
      "a/rg-pay/web-pay",
      "b/rg-pay/func-pay-b",
    ]);
    expect(found.find((s) => s.name === "func-pay-0")?.slots).toEqual(["canary", "staging"]);
    expect(found.find((s) => s.name === "func-pay-1")).toMatchObject({
      kind: "functionapp",
      location: "westeurope",
      tags: { team: "payments", env: "prod" },
      slots: [],
    });
    // 10 sites + 2 slots in SUB = 12 resources at 4 a page = 3 reads; SUB_B one read. No read per app.
    const reads = listReads();
    expect(reads.map((r) => r.apiVersion)).toEqual(Array(4).fill(RESOURCES_LIST_API_VERSION));
    expect(reads.filter((r) => r.path.includes(SUB_B))).toHaveLength(1);
    expect(emu.log.list().filter((l) => l.service === "arm")).toHaveLength(4);
  });

  test("tags (all must match), kind and resource groups narrow the selection; slots follow their site", async () => {
    emu.log.clear();
    const found = await discoverSites(toolArmClient(emu), {
      subscriptions: [SUB, SUB_B],
      resourceGroups: ["rg-pay"],
      tags: { team: "payments", env: "dev" },
      kind: "functionapp",
    });
    expect(found.map((s) => s.name)).toEqual(["func-pay-0", "func-pay-2", "func-pay-4", "func-pay-6"]);
    // The canary slot carries another team's tag: it is the site's selection that counts (a slot follows its app).
    expect(found[0]?.slots).toEqual(["canary", "staging"]);
    const reads = listReads();
    expect(reads.every((r) => /\/resourceGroups\/rg-pay\/resources$/.test(r.path))).toBe(true);
    expect(reads.filter((r) => r.path.includes(SUB_B))).toHaveLength(1);

    const web = await discoverSites(toolArmClient(emu), { subscriptions: [SUB], kind: "app" });
    expect(web.map((s) => s.name)).toEqual(["web-pay"]);
  });

  test("a resource group that does not exist is ARM's 404, not an empty selection", async () => {
    const err = await discoverSites(toolArmClient(emu), { subscriptions: [SUB], resourceGroups: ["rg-nope"] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AzureRequestError);
    expect((err as AzureRequestError).code).toBe("ResourceGroupNotFound");
  });
});

describe("the emulator's $filter, as ARM answers it", () => {
  const list = (filter: string) =>
    toolArmClient(emu).get<{ value: { name: string; tags?: Record<string, string> }[]; nextLink?: string }>(
      armPath("subscriptions", SUB, "resourceGroups", "rg-pay", "resources"),
      { apiVersion: RESOURCES_LIST_API_VERSION, query: { $filter: filter } },
    );

  test("a tag filter on its own works, and its results carry no tags", async () => {
    const r = await list("tagName eq 'env' and tagValue eq 'prod'");
    expect(r.body.value.map((v) => v.name)).toEqual(["func-pay-1", "func-pay-3", "func-pay-5", "web-pay"]);
    expect(r.body.value.every((v) => v.tags === undefined)).toBe(true);
    // 8 resources carry the team tag (the untagged slot does not): two pages.
    const team = await list("tagName eq 'team' and tagValue eq 'payments'");
    expect(team.body.nextLink).toMatch(/skiptoken=4/);
    expect((await list("tagName eq 'team'")).body.value).toHaveLength(4);
  });

  test("name, substringof and or-ed resource types", async () => {
    expect((await list("name eq 'web-pay'")).body.value.map((v) => v.name)).toEqual(["web-pay"]);
    expect((await list("substringof('pay-0', name)")).body.value.map((v) => v.name).sort()).toEqual([
      "func-pay-0",
      "func-pay-0/canary",
      "func-pay-0/staging",
    ]);
    const slots = await list("resourceType eq 'Microsoft.Web/sites/slots'");
    expect(slots.body.value.map((v) => v.name).sort()).toEqual(["func-pay-0/canary", "func-pay-0/staging"]);
  });

  test.each([
    "resourceType eq 'Microsoft.Web/sites' and tagName eq 'team' and tagValue eq 'payments'",
    "tagName eq 'team' and tagValue eq 'payments' and tagName eq 'env'",
    "kind eq 'functionapp'",
    "substringof('pay', location)",
    "name eq 'x' and",
  ])("unsupported filter %s: 400 InvalidFilterInQueryString", async (filter) => {
    const err = await list(filter).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AzureRequestError);
    expect(err).toMatchObject({ status: 400, code: "InvalidFilterInQueryString" });
    expect((err as Error).message).toContain(`Invalid $filter '${filter}' specified in the query string.`);
  });
});

describe("select: and --tag choose the apps of a writing command", () => {
  const dir = mkdtempSync(join(tmpdir(), "discovery-"));
  const CLIENT = "4b2d6f8a-1c3e-4a5b-9d7f-0e2c4a6b8d10";
  const config = (fleet: unknown) => {
    const file = join(dir, `fleet-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, YAML.stringify(fleet));
    return file;
  };
  const run = async (file: string, args: string[]) => {
    const io = captureIo(emulatorEnv(emu));
    const code = await configureAuthCommand(
      ["--config", file, "--backup-dir", join(dir, "backups"), "--dry-run", ...args],
      io,
    ).catch((e: unknown) => {
      io.stderr.write(formatError(e));
      return 1;
    });
    return { code, out: io.out(), err: io.err() };
  };
  const defaults = {
    subscriptionId: SUB,
    auth: { requireAuthentication: true, azureActiveDirectory: { clientId: CLIENT } },
  };
  const writes = () =>
    emu.log.list().filter((l) => l.service === "arm" && l.method !== "GET" && !/\/list$/.test(l.path));

  test("select: finds the tagged function apps (slots included), listed apps join them with their own block", async () => {
    const file = config({
      defaults,
      select: { subscriptions: [SUB, SUB_B], tags: { team: "payments", env: "prod" }, kind: "functionapp" },
      apps: [{ name: "func-ledger", resourceGroup: "rg-other", auth: { requireAuthentication: false } }],
    });
    emu.log.clear();
    const r = await run(file, []);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /selection {5}4 apps found \(subscriptions .*; tags team=payments, env=prod; kind functionapp\), 1 listed/,
    );
    for (const name of ["func-pay-1", "func-pay-3", "func-pay-5", "func-pay-b", "func-ledger"])
      expect(r.out).toContain(name);
    expect(r.out).not.toMatch(/func-pay-0|func-pay-2|web-pay|func-bare/);
    // Both subscriptions in the header; one resources list each (a page per 4 resources), no read per app.
    expect(r.out).toContain(SUB_B);
    const lists = listReads();
    expect(lists.filter((l) => l.path.includes(SUB_B))).toHaveLength(1);
    expect(lists.filter((l) => l.path.includes(SUB))).toHaveLength(3);
    expect(writes()).toEqual([]);
  });

  test("--tag and --subscription on the command line, slots of a found app planned on their own", async () => {
    const file = config({ defaults, apps: [] });
    const r = await run(file, ["--tag", "team=payments", "--tag", "env=dev", "--subscription", SUB]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/selection {5}4 apps found \(subscriptions [^;]+; tags team=payments, env=dev\), 0 listed/);
    expect(r.out).toContain("func-pay-0/staging");
    expect(r.out).toContain("func-pay-0/canary");
    expect(r.out).not.toContain("func-pay-b");
  });

  test("a malformed --tag is a usage error before any request", async () => {
    const file = config({ defaults, apps: [] });
    emu.log.clear();
    const r = await run(file, ["--tag", "team"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("--tag 'team' is not name=value.");
    expect(emu.log.list()).toEqual([]);
  });

  test("a config with neither apps nor select: names both ways to fix it", async () => {
    const r = await run(config({ defaults }), []);
    expect(r.code).toBe(1);
    expect(r.err).toContain("apps: list at least one app");
    expect(r.err).toContain("find them with a select: block, or pass --tag name=value");
  });
});
