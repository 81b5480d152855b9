import type { Log as SarifLog } from "sarif";
import { describe, expect, it } from "vitest";
import type { AuditReport } from "../../lib/audit/finding.ts";
import { FINGERPRINT_KEY, relativeUri, renderSarif } from "../../lib/audit/sarif.ts";
import { CANARY, sampleReport } from "../helpers/audit-report-fixture.ts";
import { sarifValidator } from "../helpers/sarif-schema.ts";

function render(report: AuditReport = sampleReport(), options = {}): SarifLog {
  return JSON.parse(renderSarif(report, options)) as SarifLog;
}

function run(log: SarifLog) {
  const r = log.runs[0];
  if (!r) throw new Error("no run");
  return r;
}

describe("renderSarif: SARIF 2.1.0 schema", () => {
  const validate = sarifValidator();

  it("the varied report validates against the official schema", () => {
    const log = render();
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(run(log).results?.length).toBe(sampleReport().findings.length);
  });

  it("an empty report (no findings, no errors) validates too", () => {
    const empty: AuditReport = { ...sampleReport(), findings: [], errors: [], targets: [] };
    expect(validate(render(empty))).toBe(true);
    expect(run(render(empty)).results).toEqual([]);
  });

  it("the validator is not a rubber stamp: a broken log fails", () => {
    const log = render();
    const bad = structuredClone(log) as unknown as { version: string; runs: Array<{ results: Array<object> }> };
    bad.version = "2.0.0";
    expect(validate(bad)).toBe(false);
    const noMessage = structuredClone(log);
    const first = run(noMessage).results?.[0] as { message?: unknown } | undefined;
    if (!first) throw new Error("fixture lost its results");
    delete first.message;
    expect(validate(noMessage)).toBe(false);
    const badUri = structuredClone(log);
    const loc = run(badUri).results?.[0]?.locations?.[0]?.physicalLocation?.artifactLocation;
    if (!loc) throw new Error("fixture lost its location");
    loc.uri = "config/fleet yaml with spaces";
    expect(validate(badUri)).toBe(false);
  });
});

describe("renderSarif: what GitHub code scanning needs", () => {
  const log = render();
  const r = run(log);
  const rules = r.tool.driver.rules ?? [];
  const results = r.results ?? [];

  it("has $schema, version 2.1.0, one run and a described driver", () => {
    expect(log.$schema).toMatch(/^https:\/\/.*sarif-schema-2\.1\.0\.json$/);
    expect(log.version).toBe("2.1.0");
    expect(log.runs).toHaveLength(1);
    expect(r.tool.driver).toMatchObject({ name: "easyauth-fleet", version: "0.1.0", semanticVersion: "0.1.0" });
    expect(r.tool.driver.informationUri).toMatch(/^https:\/\//);
  });

  it("declares every check as a rule, once, with descriptions, help and level", () => {
    const ids = rules.map((x) => x.id);
    expect(ids).toEqual(sampleReport().checks.map((c) => c.id));
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of rules) {
      const check = sampleReport().checks.find((c) => c.id === rule.id);
      expect(rule.name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
      expect(rule.shortDescription?.text).toBe(check?.title);
      expect(rule.fullDescription?.text).toBe(check?.description);
      expect(rule.help?.text).toContain(check?.fix);
      expect(rule.help?.markdown).toContain(check?.fix);
      if (check?.command) expect(rule.help?.markdown).toContain(`tsx scripts/${check.command.replace(" ", ".ts ")}`);
      expect(["error", "warning", "note"]).toContain(rule.defaultConfiguration?.level);
      expect(rule.properties?.tags).toContain("security");
    }
  });

  it("maps severities to levels and to security-severity numbers in strings, in GitHub's bands", () => {
    const bands = { critical: [9, 10], high: [7, 8.9], medium: [4, 6.9], low: [0.1, 3.9] } as const;
    const expectedLevel = { critical: "error", high: "error", medium: "warning", low: "note", info: "note" };
    for (const check of sampleReport().checks) {
      const rule = rules.find((x) => x.id === check.id);
      expect(rule?.defaultConfiguration?.level).toBe(expectedLevel[check.severity]);
      const ss = rule?.properties?.["security-severity"] as unknown;
      if (check.severity === "info") {
        expect(ss).toBeUndefined();
        continue;
      }
      expect(typeof ss).toBe("string");
      expect(String(ss)).toMatch(/^\d+(\.\d+)?$/);
      const [lo, hi] = bands[check.severity];
      expect(Number(ss)).toBeGreaterThanOrEqual(lo);
      expect(Number(ss)).toBeLessThanOrEqual(hi);
    }
  });

  it("every result's ruleIndex points at its rule and its level follows the finding's severity", () => {
    for (const res of results) {
      expect(res.ruleIndex).toBeTypeOf("number");
      expect(rules[res.ruleIndex as number]?.id).toBe(res.ruleId);
      expect(["error", "warning", "note"]).toContain(res.level);
      expect(res.message.text?.length).toBeGreaterThan(0);
    }
    expect(results.map((x) => x.ruleId)).toEqual(["EA001", "EA002", "EA010", "EA030", "EA020", "EA020", "EA040"]);
    expect(results[0]?.message.text).toBe(
      "Easy Auth is disabled on func-a. Fix: Set apps[0].auth.enabled: true. " +
        "Command: tsx scripts/configure-auth.ts --config config/fleet.yaml --app func-a",
    );
  });

  it("locates each result at a repository-relative config line, with the target as a logical location", () => {
    for (const res of results) {
      const [loc, ...more] = res.locations ?? [];
      expect(more).toEqual([]);
      const phys = loc?.physicalLocation;
      expect(phys?.artifactLocation?.uri).toBe("config/fleet.yaml");
      expect(phys?.artifactLocation?.uri).not.toMatch(/^([a-z]+:|\/)/i);
      expect(phys?.region?.startLine).toBeGreaterThanOrEqual(1);
      expect(loc?.logicalLocations?.[0]?.name).toBeTruthy();
    }
    const ea001 = results.find((x) => x.ruleId === "EA001");
    expect(ea001?.locations?.[0]?.physicalLocation?.region?.startLine).toBe(12);
    expect(ea001?.locations?.[0]?.logicalLocations?.[0]).toEqual({
      name: "func-a",
      fullyQualifiedName:
        "/subscriptions/00000000-0000-0000-0000-0000000000a1/resourceGroups/rg-fleet/providers/Microsoft.Web/sites/func-a",
      kind: "resource",
    });
    const slot = results.find((x) => x.ruleId === "EA002");
    expect(slot?.locations?.[0]?.physicalLocation?.region?.startLine).toBe(1); // config without a line
    expect(slot?.locations?.[0]?.logicalLocations?.[0]?.fullyQualifiedName).toMatch(/\/sites\/func-a\/slots\/staging$/);
    const registration = results.find((x) => x.ruleId === "EA040");
    expect(registration?.locations?.[0]?.logicalLocations?.[0]?.name).toBe("application 'api-a'");
  });

  it("never writes an absolute URI: inside the repo root it becomes relative, outside it stays logical only", () => {
    const abs = sampleReport();
    abs.findings = abs.findings.map((f) => ({ ...f, config: { file: "/repo/config/fleet.yaml", line: 3, path: "x" } }));
    const inRoot = run(render(abs, { repoRoot: "/repo" }));
    expect(inRoot.results?.[0]?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe("config/fleet.yaml");
    const outside = run(render(abs, { repoRoot: "/elsewhere" }));
    expect(outside.results?.[0]?.locations?.[0]?.physicalLocation).toBeUndefined();
    expect(outside.results?.[0]?.locations?.[0]?.logicalLocations?.[0]?.name).toBeTruthy();
    expect(relativeUri("./config\\fleet.yaml")).toBe("config/fleet.yaml");
    expect(relativeUri("C:\\repo\\config\\a b.yaml", "C:/repo")).toBe("config/a%20b.yaml");
    expect(relativeUri("../outside.yaml")).toBeUndefined();
    expect(relativeUri("file:///repo/x.yaml")).toBeUndefined();
  });

  it("partialFingerprints are stable across runs and differ between findings", () => {
    const again = sampleReport();
    // A later run: other time, other counts, reordered findings, changed wording and evidence, moved config line.
    again.createdAt = "2027-01-01T00:00:00.000Z";
    again.requests = { reads: 1, writeBucket: 0 };
    again.findings = [...again.findings].reverse().map((f) => ({
      ...f,
      message: `${f.message} (again)`,
      evidence: { changed: true },
      ...(f.config ? { config: { ...f.config, line: (f.config.line ?? 1) + 5 } } : {}),
    }));
    const key = (res: { ruleId?: string; locations?: unknown; partialFingerprints?: Record<string, string> }) =>
      res.partialFingerprints?.[FINGERPRINT_KEY];
    const first = new Map(results.map((res) => [`${res.ruleId}|${res.properties?.target}`, key(res)]));
    const second = new Map(
      (run(render(again)).results ?? []).map((res) => [`${res.ruleId}|${res.properties?.target}`, key(res)]),
    );
    expect(second).toEqual(first);
    const all = results.map(key);
    expect(all.every((k) => typeof k === "string" && /^[0-9a-f]{64}$/.test(k))).toBe(true);
    expect(new Set(all).size).toBe(all.length);
  });

  it("reports unobservable targets as tool execution errors", () => {
    const inv = r.invocations?.[0];
    expect(inv?.executionSuccessful).toBe(false);
    expect(inv?.toolExecutionNotifications?.[0]?.message.text).toContain("func-gone");
    expect(inv?.toolExecutionNotifications?.[0]?.level).toBe("error");
  });

  it("is deterministic: the same report renders the same bytes", () => {
    expect(renderSarif(sampleReport())).toBe(renderSarif(sampleReport()));
  });
});

describe("renderSarif: no secret values", () => {
  it("a canary in raw observations or in evidence never reaches the file", () => {
    const report = sampleReport();
    report.findings = report.findings.map((f) => ({ ...f, evidence: { ...f.evidence, seen: CANARY } }));
    expect(JSON.stringify(report)).toContain(CANARY); // the fixture does carry it
    expect(renderSarif(report)).not.toContain(CANARY);
  });
});
