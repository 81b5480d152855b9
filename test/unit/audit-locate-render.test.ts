import { describe, expect, test } from "vitest";
import type { ArmClient } from "../../lib/azure/arm-client.ts";
import { newCounter, readOnlyArm } from "../../lib/audit/read-only.ts";
import { renderAuditText } from "../../lib/audit/render-text.ts";
import { buildReport } from "../../lib/audit/report.ts";
import { configLocator, parseConfigPath } from "../../lib/config/locate.ts";
import { InternalError } from "../../lib/errors.ts";
import { broken, CASES } from "./audit-fixtures.ts";

const YAML_TEXT = `version: 1
defaults:
  subscriptionId: 3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2
apps:
  - name: func-a
    auth:
      tokenStore: false
      azureActiveDirectory:
        clientId: fromRegistration
  - name: func-b
`;

describe("config locations", () => {
  const locate = configLocator("fleet.yaml", YAML_TEXT);

  test("a set field: its own line", () => {
    expect(parseConfigPath("apps[0].auth.tokenStore")).toEqual(["apps", 0, "auth", "tokenStore"]);
    expect(locate("apps[0].auth.tokenStore")).toEqual({ file: "fleet.yaml", line: 7, path: "apps[0].auth.tokenStore" });
    expect(locate("apps[0].auth.azureActiveDirectory.clientId")?.line).toBe(9);
  });

  test("a field the app does not set: the deepest block that exists (the app's block)", () => {
    expect(locate("apps[1].site.httpsOnly")).toEqual({ file: "fleet.yaml", line: 10, path: "apps[1]" });
    expect(locate("apps[0].auth.excludedPaths")).toEqual({ file: "fleet.yaml", line: 6, path: "apps[0].auth" });
  });

  test("an app that is not in the file, or a file that cannot be read: no location", () => {
    expect(locate("apps[7].auth")).toEqual(undefined);
    expect(configLocator("/nonexistent/fleet.yaml")("apps[0]")).toBeUndefined();
  });
});

describe("the text table", () => {
  const o = broken("EA023");
  CASES.EA017!.mutate(o);
  const report = buildReport(
    { tool: { name: "easyauth-fleet", version: "0" }, subscriptions: ["s"], createdAt: o.now },
    { observations: o, targets: o.sites.map((s) => s.target), errors: [] },
    { reads: 5, writeBucket: 2 },
    (path) => ({ file: "fleet.yaml", line: 4, path }),
  );

  test("groups by target, worst first, with the fix, the command and the config line; no colour when off", () => {
    const text = renderAuditText(report, { color: false });
    expect(text.indexOf("\nfunc-a\n")).toBeLessThan(text.indexOf("\napplication 'func-a-api'\n"));
    expect(text).toMatch(/^ {2}high +EA023 {2}CORS allows '\*'/m);
    expect(text).toMatch(
      /run: tsx scripts\/configure-site\.ts {2}at: fleet\.yaml:4 \(apps\[0\]\.site\.cors\.allowedOrigins\)/,
    );
    expect(text).toMatch(
      /2 findings \(1 high, 1 low\) on 2 of 2 targets; 0 not readable; requests: 5 reads, 2 on the write bucket/,
    );
    expect(text).not.toContain("\u001b[");
  });
});

describe("read-only clients", () => {
  test("writes are refused before any request; read POSTs are counted on the write bucket", async () => {
    const calls: string[] = [];
    const fake = (m: string) => async (p: string) => {
      calls.push(`${m} ${p}`);
      return { status: 200, headers: {}, body: {} as never };
    };
    const arm: ArmClient = {
      get: fake("GET"),
      put: fake("PUT"),
      patch: fake("PATCH"),
      post: fake("POST"),
      delete: fake("DELETE"),
    };
    const count = newCounter();
    const ro = readOnlyArm(arm, count);
    await ro.get("/s");
    await ro.post("/s/config/appsettings/list");
    expect(() => ro.put("/s/config/authsettingsV2", {})).toThrow(InternalError);
    expect(() => ro.patch("/s", {})).toThrow(InternalError);
    expect(() => ro.delete("/s/keys/k")).toThrow(InternalError);
    expect(() => ro.post("/s/host/default/sync")).toThrow(/read-only/);
    expect(calls).toEqual(["GET /s", "POST /s/config/appsettings/list"]);
    expect(count).toEqual({ reads: 1, writeBucket: 1 });
  });
});
