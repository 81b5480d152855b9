import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  mergeLoginParameters,
  parseLoginParameters,
  scopeResources,
} from "../../lib/resources/auth/login-parameters.ts";

describe("loginParameters merge", () => {
  test("adds the ARM scope to an existing scope entry and keeps other pairs (docs/contracts/arm.md §12)", () => {
    expect(
      mergeLoginParameters(
        ["response_type=code id_token", "scope=openid email"],
        ["scope=openid profile https://management.azure.com/user_impersonation"],
      ),
    ).toEqual([
      "response_type=code id_token",
      "scope=openid email profile https://management.azure.com/user_impersonation",
    ]);
  });

  test("a desired non-scope key replaces its value in place; new keys are appended", () => {
    expect(
      mergeLoginParameters(
        ["response_type=code", "prompt=login"],
        ["response_type=code id_token", "domain_hint=contoso.com"],
      ),
    ).toEqual(["response_type=code id_token", "prompt=login", "domain_hint=contoso.com"]);
  });

  test("duplicate scope entries collapse into one set; values containing '=' survive", () => {
    expect(mergeLoginParameters(["scope=openid", "scope=email openid", "state=a=b"], [])).toEqual([
      "scope=openid email",
      "state=a=b",
    ]);
  });

  test("exact mode keeps only the desired entries", () => {
    expect(mergeLoginParameters(["scope=openid email", "prompt=login"], ["scope=openid"], "exact")).toEqual([
      "scope=openid",
    ]);
  });

  test("resources of scopes: OIDC scopes ignored, bare scopes are Graph's", () => {
    expect(
      scopeResources(["openid", "profile", "https://management.azure.com/user_impersonation", "User.Read"]),
    ).toEqual(["https://management.azure.com", "https://graph.microsoft.com"]);
    expect(scopeResources(["openid", "email"])).toEqual([]);
  });

  const key = fc.constantFrom("scope", "response_type", "prompt", "domain_hint", "state");
  const scope = fc.constantFrom(
    "openid",
    "email",
    "profile",
    "offline_access",
    "https://management.azure.com/user_impersonation",
    "api://x/Greeting.Read",
  );
  const entry = fc.oneof(
    fc.array(scope, { minLength: 1, maxLength: 4 }).map((s) => `scope=${s.join(" ")}`),
    fc
      .tuple(
        key.filter((k) => k !== "scope"),
        fc.stringMatching(/^[a-z =]{0,8}$/),
      )
      .map(([k, v]) => `${k}=${v}`),
  );
  const entries = fc.array(entry, { maxLength: 6 });

  test("property: the merge never loses an existing key or scope, and never duplicates a key", () => {
    fc.assert(
      fc.property(entries, entries, (existing, desired) => {
        const merged = mergeLoginParameters(existing, desired);
        const before = parseLoginParameters(existing);
        const after = parseLoginParameters(merged);
        for (const k of before.order) expect(after.order).toContain(k);
        for (const s of [...before.scopes, ...parseLoginParameters(desired).scopes]) expect(after.scopes).toContain(s);
        const keys = merged.map((m) => m.slice(0, m.indexOf("=")));
        expect(new Set(keys).size).toBe(keys.length);
      }),
    );
  });

  test("property: merging is idempotent", () => {
    fc.assert(
      fc.property(entries, entries, (existing, desired) => {
        const once = mergeLoginParameters(existing, desired);
        expect(mergeLoginParameters(once, desired)).toEqual(once);
      }),
    );
  });
});
