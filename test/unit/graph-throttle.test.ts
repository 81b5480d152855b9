import { describe, expect, test } from "vitest";
import { GraphThrottle, graphCost, parseGraphThrottleSpec } from "../../lib/emulator/throttle.ts";

const q = (s = "") => new URLSearchParams(s);

describe("Graph identity and access limits (learn.microsoft.com/graph/throttling-limits)", () => {
  test("documented costs: applications GETs cost 2, $select −1, $expand +1, $top < 20 −1, writes 1 + a write", () => {
    expect(graphCost("GET", "/applications", q())).toEqual({ units: 2, write: false });
    expect(graphCost("GET", "/applications(uniqueName='x')", q("$select=id,appId"))).toEqual({
      units: 1,
      write: false,
    });
    expect(graphCost("GET", "/servicePrincipals/1/appRoleAssignments", q("$expand=x"))).toEqual({
      units: 3,
      write: false,
    });
    expect(graphCost("GET", "/servicePrincipals(appId='1')", q("$select=id"))).toEqual({ units: 1, write: false });
    expect(graphCost("GET", "/oauth2PermissionGrants", q("$top=5"))).toEqual({ units: 1, write: false });
    expect(graphCost("PATCH", "/applications/1", q())).toEqual({ units: 1, write: true });
  });

  test("a drained resource-unit bucket refuses with a whole-second Retry-After and spends nothing", () => {
    const t = new GraphThrottle(parseGraphThrottleSpec("units=4:1,writes=100:1"));
    expect(t.take("app", "tenant", "GET", "/applications", q()).ok).toBe(true);
    expect(t.take("app", "tenant", "GET", "/applications", q()).ok).toBe(true);
    const refused = t.take("app", "tenant", "GET", "/applications", q());
    expect(refused).toMatchObject({ ok: false, information: "ResourceUnitLimitExceeded" });
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Another application of the same tenant has its own limit.
    expect(t.take("other-app", "tenant", "GET", "/applications", q()).ok).toBe(true);
  });

  test("writes have their own limit", () => {
    const t = new GraphThrottle(parseGraphThrottleSpec("units=1000:100,writes=2:0.01"));
    expect(t.take("a", "t", "POST", "/applications", q()).ok).toBe(true);
    expect(t.take("a", "t", "POST", "/applications", q()).ok).toBe(true);
    expect(t.take("a", "t", "POST", "/applications", q())).toMatchObject({
      ok: false,
      information: "WriteLimitExceeded",
    });
    expect(t.take("a", "t", "GET", "/servicePrincipals", q()).ok).toBe(true);
  });

  test("off, and a malformed spec names the expected form", () => {
    expect(parseGraphThrottleSpec("off").enabled).toBe(false);
    expect(() => parseGraphThrottleSpec("units=3500")).toThrow(/units=size:refillPerSecond/);
  });
});
