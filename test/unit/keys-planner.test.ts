import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Secret } from "../../lib/azure/secret.ts";
import type { KeyMap } from "../../lib/resources/keys/listkeys.ts";
import { keyChanges, keyKindPlan } from "../../lib/resources/keys/plan-changes.ts";
import {
  planRotation,
  type Published,
  type RotationInput,
  type RotationPlan,
  type Step,
} from "../../lib/resources/keys/plan.ts";
import { formatPhysicalName, parsePhysicalName } from "../../lib/resources/keys/physical-name.ts";
import type { KeyPolicy } from "../../lib/resources/keys/policy.ts";

const H = 3_600_000;
const D = 24 * H;
const GRACE = 4.5 * H;
const T0 = new Date("2026-11-23T08:30:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const name = (ms: number) => formatPhysicalName("apim", at(ms));

/** The world a plan is made from and applied to: the app's keys and the secret's current version. */
interface World {
  keys: Map<string, string>;
  kv: { keyName?: string; value: string; publishedAt: Date } | "absent" | "disabled";
}

let counter = 0;
const fresh = () => `generated-${++counter}`;

function keyMap(w: World): KeyMap {
  return new Map([...w.keys].map(([k, v]) => [k, new Secret(v)]));
}

function published(w: World): Published {
  if (w.kv === "absent" || w.kv === "disabled") return { state: w.kv };
  return {
    state: "found",
    version: "v",
    keyName: w.kv.keyName,
    publishedAt: w.kv.publishedAt,
    value: new Secret(w.kv.value),
  };
}

function input(w: World, now: Date, o: Partial<RotationInput> = {}): RotationInput {
  return {
    logical: "apim",
    renewInPlace: false,
    maxAgeMs: 30 * D,
    graceMs: GRACE,
    replaces: [],
    keys: keyMap(w),
    published: published(w),
    now,
    force: false,
    allowNoOverlap: false,
    ...o,
  };
}

/** Applies steps to a copy of the world, as the emulator would; `upTo` stops early (a crash after that many steps). */
function apply(w: World, plan: RotationPlan, now: Date, upTo = plan.steps.length): World {
  const next: World = { keys: new Map(w.keys), kv: w.kv === "absent" || w.kv === "disabled" ? w.kv : { ...w.kv } };
  for (const s of plan.steps.slice(0, upTo)) {
    if (s.kind === "create" || s.kind === "renew") next.keys.set(s.name, fresh());
    if (s.kind === "publish") next.kv = { keyName: s.name, value: next.keys.get(s.name)!, publishedAt: now };
    if (s.kind === "delete") next.keys.delete(s.name);
  }
  return next;
}

/** "At least one published key is valid on the app": Key Vault holds the value of a key that exists. */
const publishedValid = (w: World) =>
  typeof w.kv === "object" && w.kv.keyName !== undefined && w.keys.get(w.kv.keyName) === w.kv.value;
const kinds = (p: RotationPlan) => p.steps.map((s) => (s.kind === "delete" ? `delete ${s.name}` : s.kind));
const creates = (p: RotationPlan) => p.steps.filter((s) => s.kind === "create").length;

describe("planRotation examples", () => {
  test("no key yet: create, publish, verify; nothing else", () => {
    const p = planRotation(input({ keys: new Map([["default", "d"]]), kv: "absent" }, T0));
    expect(kinds(p)).toEqual(["create", "publish", "verify"]);
    expect(p.newest).toBe(name(0));
    expect(p.steps[0]).toMatchObject({ kind: "create", name: "apim-20261123t0830z" });
  });

  test("published, verified and young: nothing; old enough: a new key, the current one kept for the grace period", () => {
    const w: World = { keys: new Map([[name(0), "a"]]), kv: { keyName: name(0), value: "a", publishedAt: at(0) } };
    expect(kinds(planRotation(input(w, at(29 * D))))).toEqual([]);
    const due = planRotation(input(w, at(30 * D)));
    expect(kinds(due)).toEqual(["create", "publish", "verify"]);
    expect(due.notes.join("\n")).toMatch(/stays valid for 4h30m after apim-20261223t0830z is published/);
    expect(kinds(planRotation(input(w, at(D), { force: true })))).toEqual(["create", "publish", "verify"]);
  });

  test("old keys are deleted only after the grace period since the newest was published", () => {
    const w: World = {
      keys: new Map([
        [name(0), "a"],
        [name(D), "b"],
        ["default", "d"],
      ]),
      kv: { keyName: name(D), value: "b", publishedAt: at(D + H) },
    };
    const inside = planRotation(input(w, at(D + H + GRACE - 1000)));
    expect(kinds(inside)).toEqual([]);
    expect(inside.notes.join("\n")).toMatch(/apim-20261123t0830z stays valid until 2026-11-24T14:00Z/);
    expect(kinds(planRotation(input(w, at(D + H + GRACE))))).toEqual([`delete ${name(0)}`]);
  });

  test("crash after create: the unpublished newest key is published, never replaced, even with --force", () => {
    const w: World = {
      keys: new Map([
        [name(0), "a"],
        [name(31 * D), "b"],
      ]),
      kv: { keyName: name(0), value: "a", publishedAt: at(0) },
    };
    for (const force of [false, true]) {
      const p = planRotation(input(w, at(31 * D + 60_000), { force }));
      expect(kinds(p)).toEqual(["publish", "verify"]);
      expect(p.notes.join("\n")).toMatch(/finishing an interrupted rotation/);
    }
  });

  test("keys older than the key Key Vault held are retired while the newest is being published", () => {
    const w: World = {
      keys: new Map([
        [name(0), "z"],
        [name(10 * D), "a"],
        [name(12 * D), "b"],
      ]),
      kv: { keyName: name(10 * D), value: "a", publishedAt: at(10 * D) },
    };
    const p = planRotation(input(w, at(12 * D + H)));
    expect(kinds(p)).toEqual(["publish", "verify", `delete ${name(0)}`]);
  });

  test("--revoke the published newest: new key first, the revoked one deleted in the same run", () => {
    const w: World = { keys: new Map([[name(0), "a"]]), kv: { keyName: name(0), value: "a", publishedAt: at(0) } };
    const p = planRotation(input(w, at(H), { revoke: name(0).toUpperCase() }));
    expect(kinds(p)).toEqual(["create", "publish", "verify", `delete ${name(0)}`]);
    expect(p.revokeMatched).toBe(true);
    expect((p.steps[3] as Extract<Step, { kind: "delete" }>).why).toBe("revoked");
  });

  test("--revoke an older key: deleted now, no new key; an unknown name matches nothing", () => {
    const w: World = {
      keys: new Map([
        [name(0), "a"],
        [name(D), "b"],
      ]),
      kv: { keyName: name(D), value: "b", publishedAt: at(D) },
    };
    expect(kinds(planRotation(input(w, at(D + H), { revoke: name(0) })))).toEqual([`delete ${name(0)}`]);
    const none = planRotation(input(w, at(D + H), { revoke: "default" }));
    expect(none.revokeMatched).toBe(false);
    expect(kinds(none)).toEqual([]);
  });

  test("replaces: a hand-made key is retired after the first rotation's grace period, or at once when revoked", () => {
    const w: World = {
      keys: new Map([["apim", "legacy"]]),
      kv: { keyName: "apim", value: "legacy", publishedAt: at(-D) },
    };
    const first = planRotation(input(w, at(0), { replaces: ["apim"] }));
    expect(kinds(first)).toEqual(["create", "publish", "verify"]);
    const after = apply(w, first, at(0));
    expect(kinds(planRotation(input(after, at(GRACE - 1), { replaces: ["apim"] })))).toEqual([]);
    expect(kinds(planRotation(input(after, at(GRACE), { replaces: ["apim"] })))).toEqual(["delete apim"]);
    expect(kinds(planRotation(input(w, at(0), { replaces: ["apim"], revoke: "apim" })))).toEqual([
      "create",
      "publish",
      "verify",
      "delete apim",
    ]);
  });

  test("Key Vault out of step with the app: republished with a warning", () => {
    const base = { keys: new Map([[name(0), "a"]]) };
    expect(
      planRotation(
        input({ ...base, kv: { keyName: name(0), value: "other", publishedAt: at(0) } }, at(H)),
      ).warnings.join(),
    ).toMatch(/different value/);
    expect(
      planRotation(
        input({ ...base, kv: { keyName: "apim-gone", value: "x", publishedAt: at(0) } }, at(H)),
      ).warnings.join(),
    ).toMatch(/no longer exists on the app/);
    expect(planRotation(input({ ...base, kv: "disabled" }, at(H))).warnings.join()).toMatch(/disabled/);
    for (const kv of [{ keyName: name(0), value: "other", publishedAt: at(0) }, "disabled" as const])
      expect(kinds(planRotation(input({ ...base, kv }, at(H))))).toEqual(["publish", "verify"]);
  });

  test("a function key shadowing a host key of the same name is flagged; new names avoid host key names", () => {
    const w: World = { keys: new Map([[name(0), "a"]]), kv: { keyName: name(0), value: "a", publishedAt: at(0) } };
    const p = planRotation(input(w, at(H), { shadows: new Map([[name(0), "the host keys"]]) }));
    expect(p.warnings.join()).toMatch(
      /key 'apim-20261123t0830z' also exists among the host keys: a function key shadows the host key/,
    );
    const made = planRotation(
      input({ keys: new Map(), kv: "absent" }, at(0), { shadows: new Map([[name(0), "the host keys"]]) }),
    );
    expect(made.newest).not.toBe(name(0));
  });

  test("_master: renew-only, refused without --allow-no-overlap; a half-done renewal is published, not renewed again", () => {
    const w: World = {
      keys: new Map([["_master", "m1"]]),
      kv: { keyName: "_master", value: "m1", publishedAt: at(0) },
    };
    const o = { logical: "_master", renewInPlace: true };
    const refused = planRotation(input(w, at(H), { ...o, force: true }));
    expect(refused.refused?.message).toMatch(/can only be renewed in place/);
    expect(kinds(refused)).toEqual([]);
    expect(kinds(planRotation(input(w, at(H), { ...o, force: true, allowNoOverlap: true })))).toEqual([
      "renew",
      "publish",
      "verify",
    ]);
    const halfDone: World = {
      keys: new Map([["_master", "m2"]]),
      kv: { keyName: "_master", value: "m1", publishedAt: at(0) },
    };
    expect(kinds(planRotation(input(halfDone, at(H), { ...o, force: true, allowNoOverlap: true })))).toEqual([
      "publish",
      "verify",
    ]);
  });

  test("plan entries hold key names and (sensitive), never values; generated names are volatile", () => {
    const w: World = {
      keys: new Map([
        [name(0), "canary-value-1"],
        ["legacy", "canary-value-2"],
      ]),
      kv: { keyName: name(0), value: "canary-value-1", publishedAt: at(0) },
    };
    const policy: KeyPolicy = {
      at: "apps[0].keys.rotate[0]",
      logical: "apim",
      scope: "function",
      functionName: "greeting",
      hostKeyType: "functionKeys",
      slots: [undefined],
      secretNameTemplate: "",
      maxAgeMs: 30 * D,
      graceMs: GRACE,
      tags: {},
      replaces: ["legacy"],
      renewInPlace: false,
    };
    const plan = planRotation(input(w, at(30 * D + GRACE), { replaces: ["legacy"] }));
    const changes = keyChanges(plan, policy, "s-apim", published(w));
    expect(changes.map((c) => [c.kind, c.field])).toEqual([
      ["add", "key apim-20261223t1300z"],
      ["change", "secret s-apim"],
      ["remove", "key legacy (replaced)"],
    ]);
    expect(changes.filter((c) => c.path[0] === "keys").every((c) => c.sensitive)).toBe(true);
    expect(changes.filter((c) => c.volatile).map((c) => c.kind)).toEqual(["add", "change"]);
    const tp = keyKindPlan(policy, plan, "s-apim", published(w));
    expect(JSON.stringify(tp)).not.toMatch(/canary-value/);
  });
});

// ---- properties over arbitrary observed states -------------------------------------------------------------------

const worldArb = fc
  .record({
    offsets: fc.uniqueArray(fc.integer({ min: 0, max: 60 * 24 * 90 }), { maxLength: 5 }),
    legacy: fc.boolean(),
    pubChoice: fc.integer({ min: 0, max: 8 }),
    pubMatches: fc.boolean(),
    pubAgeMin: fc.integer({ min: 0, max: 60 * 24 * 10 }),
    kvState: fc.constantFrom("found", "found", "found", "absent", "disabled"),
  })
  .map(({ offsets, legacy, pubChoice, pubMatches, pubAgeMin, kvState }) => {
    const keys = new Map<string, string>([["default", "d"]]);
    for (const o of offsets) keys.set(formatPhysicalName("apim", at(o * 60_000)), `v-${o}`);
    if (legacy) keys.set("apim", "legacy");
    const names = [...keys.keys()].filter((k) => k !== "default");
    const now = at(60 * 24 * 91 * 60_000);
    let kv: World["kv"] = kvState === "absent" ? "absent" : "disabled";
    if (kvState === "found") {
      const keyName = names[pubChoice] ?? (pubChoice % 2 ? "apim-19990101t0000z" : undefined);
      kv = {
        keyName,
        value: keyName && pubMatches ? (keys.get(keyName) ?? "x") : "stale",
        publishedAt: new Date(now.getTime() - pubAgeMin * 60_000),
      };
    }
    return { world: { keys, kv } as World, now, names };
  });

const optionsArb = fc.record({
  force: fc.boolean(),
  revokePick: fc.option(fc.integer({ min: 0, max: 6 })),
  graceMs: fc.constantFrom(0, GRACE, 2 * D),
  maxAgeMs: fc.constantFrom(H, 30 * D),
});

const physicalOf = (n: string) => parsePhysicalName(n, "apim");

describe("planRotation properties", () => {
  test("safety: never deletes the newest, the key Key Vault holds (unless revoked) or a key it did not plan to; deletes come last", () => {
    fc.assert(
      fc.property(worldArb, optionsArb, ({ world, now, names }, o) => {
        const revoke = o.revokePick === null ? undefined : names[o.revokePick];
        const p = planRotation(
          input(world, now, { force: o.force, revoke, graceMs: o.graceMs, maxAgeMs: o.maxAgeMs, replaces: ["apim"] }),
        );
        const deletes = p.steps.filter((s): s is Extract<Step, { kind: "delete" }> => s.kind === "delete");
        expect(creates(p)).toBeLessThanOrEqual(1);
        for (const d of deletes) {
          expect(d.name).not.toBe(p.newest);
          expect(d.name).not.toBe("default");
          expect(d.name.startsWith("_")).toBe(false);
          // The key callers hold now goes only when revoked, or when grace 0 says callers need no time to switch.
          if (publishedValid(world) && typeof world.kv === "object" && d.name === world.kv.keyName && o.graceMs > 0)
            expect(d.why).toBe("revoked");
        }
        const firstDelete = p.steps.findIndex((s) => s.kind === "delete");
        if (firstDelete >= 0) expect(p.steps.slice(firstDelete).every((s) => s.kind === "delete")).toBe(true);
        // The newest key after the plan is published: by this plan, or it already was and verified.
        const publishes =
          p.steps.some((s) => s.kind === "publish" && s.name === p.newest) &&
          p.steps.some((s) => s.kind === "verify" && s.name === p.newest);
        if (p.newest)
          expect(
            publishes ||
              (typeof world.kv === "object" &&
                world.kv.keyName === p.newest &&
                world.keys.get(p.newest) === world.kv.value),
          ).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test("crash at any step: Key Vault always holds a valid key, and the next run finishes without a second new key", () => {
    fc.assert(
      fc.property(worldArb, optionsArb, fc.nat(), ({ world, now, names }, o, cut) => {
        const revoke = o.revokePick === null ? undefined : names[o.revokePick];
        const opts = { force: o.force, revoke, graceMs: o.graceMs, maxAgeMs: o.maxAgeMs, replaces: ["apim"] };
        const first = planRotation(input(world, now, opts));
        const upTo = cut % (first.steps.length + 1);
        const validBefore = publishedValid(world);
        for (let k = 0; k <= upTo; k++) if (validBefore) expect(publishedValid(apply(world, first, now, k))).toBe(true);
        const crashed = apply(world, first, now, upTo);
        // The next run: same clock, no --force (a forced rerun would rightly rotate again), same --revoke.
        const second = planRotation(input(crashed, now, { ...opts, force: false }));
        const createdBefore = first.steps.slice(0, upTo).some((s) => s.kind === "create");
        if (createdBefore) expect(creates(second)).toBe(0);
        const done = apply(crashed, second, now);
        expect(publishedValid(done)).toBe(true);
        // And then it is finished: a third run has nothing left to do, unless the key it finished publishing is itself
        // already older than maxAge (then rotating it is the policy, not a repeat).
        const newest = [...done.keys.keys()]
          .filter((k) => physicalOf(k))
          .sort((a, b) => physicalOf(b)!.getTime() - physicalOf(a)!.getTime())[0];
        expect(typeof done.kv === "object" && done.kv.keyName).toBe(newest);
        const third = planRotation(input(done, now, { ...opts, force: false }));
        const stale = now.getTime() - physicalOf(newest!)!.getTime() >= o.maxAgeMs;
        expect(kinds(third).filter((k) => !k.startsWith("delete"))).toEqual(
          stale ? ["create", "publish", "verify"] : [],
        );
        if (!stale) expect(kinds(third)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  test("the plan is a pure function of its input", () => {
    fc.assert(
      fc.property(worldArb, optionsArb, ({ world, now }, o) => {
        const i = input(world, now, { force: o.force, graceMs: o.graceMs, maxAgeMs: o.maxAgeMs });
        expect(JSON.stringify(planRotation(i))).toBe(JSON.stringify(planRotation(i)));
      }),
      { numRuns: 100 },
    );
  });
});
