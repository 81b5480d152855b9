import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { CHECKS } from "../../lib/audit/checks/index.ts";
import { SEVERITIES } from "../../lib/audit/finding.ts";
import { runChecks } from "../../lib/audit/report.ts";
import { broken, CASES, healthy } from "./audit-fixtures.ts";

describe("the audit's checks as data", () => {
  test("ids are stable EAnnn, unique, and every definition is complete", () => {
    const ids = CHECKS.map((c) => c.definition.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { definition: d } of CHECKS) {
      expect(d.id).toMatch(/^EA\d{3}$/);
      expect(SEVERITIES).toContain(d.severity);
      expect(d.title.length).toBeGreaterThan(5);
      expect(d.description.length).toBeGreaterThan(20);
      expect(d.fix.length).toBeGreaterThan(5);
    }
  });

  test("every check has a fixture pair (no check without both), and no case names an unknown check", () => {
    expect(Object.keys(CASES).sort()).toEqual(CHECKS.map((c) => c.definition.id).sort());
  });

  test("the healthy fleet, documents as the service stores them (every provider filled in), has no finding", () => {
    expect(runChecks(healthy())).toEqual([]);
  });

  test("each case makes its own check fire, and nothing unrelated", () => {
    for (const id of Object.keys(CASES)) {
      const ids = [...new Set(runChecks(broken(id)).map((f) => f.checkId))];
      expect(ids, id).toContain(id);
      expect(ids.sort(), id).toEqual([id, ...(CASES[id]!.also ?? [])].sort());
    }
  });

  test("findings come worst first", () => {
    const o = broken("EA023");
    CASES.EA001!.mutate(o);
    CASES.EA017!.mutate(o);
    const order = runChecks(o).map((f) => f.severity);
    expect(order).toEqual([...order].sort((a, b) => SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b)));
    expect(order[0]).toBe("critical");
  });

  test("docs/audit.md describes every check, and every docs anchor is a heading of docs/troubleshooting.md", () => {
    const audit = readFileSync(new URL("../../docs/audit.md", import.meta.url), "utf8");
    const trouble = readFileSync(new URL("../../docs/troubleshooting.md", import.meta.url), "utf8");
    // GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens.
    const anchors = [...trouble.matchAll(/^#+ (.+)$/gm)].map((m) =>
      m[1]!
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, "")
        .replace(/ /g, "-"),
    );
    for (const { definition: d } of CHECKS) {
      expect(audit, d.id).toContain(`### ${d.id} ${d.title}`);
      expect(trouble, d.id).toContain(`**${d.id}**`);
      if (d.docsAnchor) expect(anchors, d.id).toContain(d.docsAnchor);
    }
  });
});
