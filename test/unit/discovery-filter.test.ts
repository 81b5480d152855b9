import { describe, expect, test } from "vitest";
import {
  describeSelection,
  discoveryQuery,
  listPaths,
  parseTagFlags,
  resourceListFilter,
  selectSites,
} from "../../lib/azure/discovery.ts";
import { withFoundApps } from "../../lib/config/resolve.ts";
import { validateConfig } from "../../lib/config/load.ts";
import { UsageError } from "../../lib/errors.ts";

const SUB = "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2";
const SUB_B = "5d0e9c1a-7b3f-4e2d-8a6c-1f9b0e2d3c4a";
const site = (rg: string, name: string, tags: Record<string, string> = {}, kind = "functionapp") => ({
  id: `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Web/sites/${name}`,
  name,
  type: "Microsoft.Web/sites",
  kind,
  location: "westeurope",
  tags,
});
const slot = (rg: string, name: string, s: string) => ({
  id: `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Web/sites/${name}/slots/${s}`,
  name: `${name}/${s}`,
  type: "Microsoft.Web/sites/slots",
  kind: "functionapp",
  location: "westeurope",
});

describe("the resources list query", () => {
  test("server-side: the two resource types only (a tag filter cannot be combined with them)", () => {
    expect(resourceListFilter()).toBe(
      "resourceType eq 'Microsoft.Web/sites' or resourceType eq 'Microsoft.Web/sites/slots'",
    );
  });

  test("one list per subscription, or per resource group when named", () => {
    expect(listPaths({ subscriptions: [SUB, SUB_B] })).toEqual([
      `/subscriptions/${SUB}/resources`,
      `/subscriptions/${SUB_B}/resources`,
    ]);
    expect(listPaths({ subscriptions: [SUB], resourceGroups: ["rg a", "rg-b"] })).toEqual([
      `/subscriptions/${SUB}/resourceGroups/rg%20a/resources`,
      `/subscriptions/${SUB}/resourceGroups/rg-b/resources`,
    ]);
  });

  test("client-side: every tag and the kind word must match; slots follow their site, whatever their own tags", () => {
    const page = [
      slot("rg", "func-a", "staging"),
      site("rg", "func-a", { team: "payments", env: "prod" }),
      site("rg", "func-b", { team: "payments" }),
      site("rg", "web-c", { team: "payments", env: "prod" }, "app,linux"),
      slot("rg", "func-b", "staging"),
      {
        id: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st",
        name: "st",
        type: "Microsoft.Storage/storageAccounts",
      },
    ];
    const q = { subscriptions: [SUB], tags: { team: "payments", env: "prod" } };
    expect(selectSites(page, q).map((s) => [s.name, s.slots])).toEqual([
      ["func-a", ["staging"]],
      ["web-c", []],
    ]);
    expect(selectSites(page, { ...q, kind: "functionapp" }).map((s) => s.name)).toEqual(["func-a"]);
    expect(selectSites(page, { subscriptions: [SUB], kind: "linux" }).map((s) => s.name)).toEqual(["web-c"]);
  });
});

describe("select:, --tag and --subscription", () => {
  test("--tag name=value (the first '=' splits); a tag without '=' is a usage error naming the fix", () => {
    expect(parseTagFlags(["team=payments", "expr=a=b"])).toEqual({ team: "payments", expr: "a=b" });
    expect(() => parseTagFlags(["team"])).toThrow(UsageError);
  });

  test("flags join the select block: --subscription replaces, --tag adds or overrides", () => {
    const select = { subscriptions: [SUB], tags: { team: "payments", env: "dev" }, kind: "functionapp" };
    expect(discoveryQuery(select, { tag: ["env=prod"], subscription: [SUB_B] }, undefined)).toEqual({
      subscriptions: [SUB_B],
      tags: { team: "payments", env: "prod" },
      kind: "functionapp",
    });
    expect(discoveryQuery(undefined, {}, SUB)).toBeUndefined();
    expect(discoveryQuery(undefined, { tag: ["team=x"] }, SUB)).toEqual({ subscriptions: [SUB], tags: { team: "x" } });
    expect(() => discoveryQuery(undefined, { tag: ["team=x"] }, undefined)).toThrow(/needs a subscription/);
    expect(() => discoveryQuery(undefined, { subscription: ["not-a-guid"] }, undefined)).toThrow(
      /not a subscription id/,
    );
  });

  test("found apps join the listed ones: the listed entry wins, found ones get defaults and their slots", () => {
    const loaded = validateConfig(
      {
        defaults: { subscriptionId: SUB, resourceGroup: "rg", auth: { requireAuthentication: true } },
        select: { tags: { team: "payments" } },
        apps: [{ name: "func-a", auth: { requireAuthentication: false } }],
      },
      "fleet.yaml",
      {},
    );
    const found = selectSites(
      [
        site("rg", "FUNC-A", { team: "payments" }),
        site("rg", "func-b", { team: "payments" }),
        slot("rg", "func-b", "staging"),
      ],
      {
        subscriptions: [SUB],
      },
    );
    const apps = withFoundApps(loaded.fleet, loaded.apps, found);
    expect(apps.map((a) => [a.name, a.index, a.slots])).toEqual([
      ["func-a", 0, []],
      ["func-b", 1, ["staging"]],
    ]);
    expect(apps[0]!.auth?.requireAuthentication).toBe(false);
    expect(apps[1]!.auth?.requireAuthentication).toBe(true);
    expect(describeSelection({ subscriptions: [SUB], tags: { team: "payments" } }, 1, 1)).toBe(
      `1 app found (subscriptions ${SUB}; tags team=payments), 1 listed`,
    );
  });
});
