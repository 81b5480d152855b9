import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { ArmClient, ArmResponse } from "../../lib/azure/arm-client.ts";
import { getPath, isRecord } from "../../lib/azure/json.ts";
import { VerificationError } from "../../lib/errors.ts";
import type { AppConfig } from "../../lib/pipeline/contract.ts";
import { fingerprint } from "../../lib/pipeline/fingerprint.ts";
import { normalizeListPolicy } from "../../lib/pipeline/list-policy.ts";
import { patchSite, verifySite } from "../../lib/resources/site/apply.ts";
import { parseSite, siteSchema, type SiteConfig, type SiteConfigInput } from "../../lib/resources/site/schema.ts";
import { readSite, siteTargets } from "../../lib/resources/site/observe.ts";
import { mergeOrigins, ownedSiteFields, webKeysOf } from "../../lib/resources/site/owned-fields.ts";
import { planSite, unpersistedFields, type SiteWrite } from "../../lib/resources/site/plan.ts";

const REF = { subscriptionId: "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2", resourceGroup: "rg", name: "func-a" };

/** The two resources of one site as ARM holds them, unknown fields included. */
interface World {
  site: Record<string, unknown>;
  web: Record<string, unknown>;
  calls: string[];
  /** Writes answered 200 but not kept (the emulator's not-persisted fault). */
  dropWrites?: boolean;
}

/**
 * An in-memory ARM with the PATCH semantics of the real one: top-level properties of the body replace the stored ones,
 * properties the body leaves out stay, and a nested object (cors) is replaced whole.
 */
function fakeArm(w: World): ArmClient {
  const which = (path: string): "site" | "web" => (path.endsWith("/config/web") ? "web" : "site");
  const ok = <T>(body: unknown): ArmResponse<T> => ({ status: 200, headers: {}, body: body as T });
  const refuse = (): never => {
    throw new Error("only GET and PATCH are expected");
  };
  return {
    async get(path) {
      w.calls.push(`GET ${which(path)}`);
      return ok({ id: path, properties: structuredClone(w[which(path)]) });
    },
    async patch(path, body) {
      w.calls.push(`PATCH ${which(path)}`);
      const props = isRecord(body) && isRecord(body.properties) ? body.properties : {};
      const next = { ...w[which(path)], ...structuredClone(props) };
      if (!w.dropWrites) w[which(path)] = next;
      return ok({ id: path, properties: next });
    },
    put: refuse,
    post: refuse,
    delete: refuse,
  };
}

async function observeAndPlan(w: World, cfg: SiteConfig) {
  const o = await readSite(fakeArm(w), REF, ownedSiteFields(cfg));
  return { o, plan: planSite(o, cfg) };
}

/** observe → plan → PATCH → verify, as the pipeline runs a target. */
async function reconcile(w: World, cfg: SiteConfig) {
  const { o, plan } = await observeAndPlan(w, cfg);
  const write = plan.detail!;
  if (plan.status === "change") {
    await patchSite(fakeArm(w), REF, write, () => undefined);
    await verifySite(fakeArm(w), REF, write, ownedSiteFields(cfg));
  }
  return { o, plan, write };
}

const world = (site: Record<string, unknown>, web: Record<string, unknown>): World => ({ site, web, calls: [] });
const lower = (l: unknown) => (Array.isArray(l) ? l.map((x) => String(x).toLowerCase()) : []);

describe("site config parsing", () => {
  test("YAML numbers for TLS versions become the strings ARM wants", () => {
    expect(parseSite({ minTlsVersion: 1.2 as unknown as "1.2", scmMinTlsVersion: 1 as unknown as "1.0" })).toEqual({
      minTlsVersion: "1.2",
      scmMinTlsVersion: "1.0",
    });
  });
});

describe("planSite examples", () => {
  test("only owned fields that change are sent, each to the resource that holds it", async () => {
    const w = world(
      { httpsOnly: false, state: "Stopped" },
      { minTlsVersion: "1.2", ftpsState: "AllAllowed", alwaysOn: true, http20Enabled: false },
    );
    const { plan, write } = await reconcile(
      w,
      parseSite({ httpsOnly: true, minTlsVersion: "1.2", ftpsState: "Disabled" }),
    );
    expect(plan.status).toBe("change");
    expect(plan.changes.map((c) => [c.field, c.kind, c.security])).toEqual([
      ["httpsOnly", "change", true],
      ["siteConfig.ftpsState", "change", true],
    ]);
    expect(plan.unchanged).toBe(1);
    expect(write.site).toEqual({ properties: { httpsOnly: true } });
    expect(write.web).toEqual({ properties: { ftpsState: "Disabled" } });
    expect(w.calls).toEqual(["GET site", "GET web", "PATCH site", "PATCH web", "GET site", "GET web"]);
    expect(w.web).toEqual({ minTlsVersion: "1.2", ftpsState: "Disabled", alwaysOn: true, http20Enabled: false });
  });

  test("a resource the config owns nothing in is neither read nor written", async () => {
    const w = world({ httpsOnly: false }, { minTlsVersion: "1.0" });
    await reconcile(w, parseSite({ minTlsVersion: "1.2" }));
    expect(w.calls).toEqual(["GET web", "PATCH web", "GET web"]);
    expect(w.site).toEqual({ httpsOnly: false });
  });

  test("a CORS change sends the live cors object with only the owned members changed", async () => {
    const w = world(
      {},
      {
        cors: { allowedOrigins: ["https://old.example"], supportCredentials: true, futureCorsField: 5 },
        minTlsVersion: "1.2",
      },
    );
    const { write } = await reconcile(w, parseSite({ cors: { allowedOrigins: ["https://portal.example"] } }));
    expect(write.web).toEqual({
      properties: {
        cors: {
          allowedOrigins: ["https://old.example", "https://portal.example"],
          supportCredentials: true,
          futureCorsField: 5,
        },
      },
    });
  });

  test("cors null on the app: an empty include list is no change, a new origin creates the object", async () => {
    expect(
      (await observeAndPlan(world({}, { cors: null }), parseSite({ cors: { allowedOrigins: [] } }))).plan.status,
    ).toBe("no-op");
    expect(
      (
        await observeAndPlan(
          world({}, { cors: null }),
          parseSite({ cors: { allowedOrigins: { mode: "exact", values: [] } } }),
        )
      ).plan.status,
    ).toBe("no-op");
    const { write } = await reconcile(
      world({}, { cors: null }),
      parseSite({ cors: { allowedOrigins: ["https://a.example"], supportCredentials: false } }),
    );
    expect(write.web).toEqual({
      properties: { cors: { allowedOrigins: ["https://a.example"], supportCredentials: false } },
    });
  });

  test("origins compare as a set, case-insensitively: reordering or case is no change", async () => {
    const w = world(
      {},
      { cors: { allowedOrigins: ["https://b.example", "https://A.example"], supportCredentials: false } },
    );
    const exact = parseSite({
      cors: { allowedOrigins: { mode: "exact", values: ["https://a.example", "https://b.example"] } },
    });
    expect((await observeAndPlan(w, exact)).plan.changes).toEqual([]);
    expect(
      mergeOrigins(["https://a.example"], { mode: "include", values: ["https://A.example", "https://a.example"] }),
    ).toEqual(["https://a.example"]);
  });

  test("exact removes origins the config does not list and the plan shows a removal", async () => {
    const w = world({}, { cors: { allowedOrigins: ["https://a.example", "*"] } });
    const { plan } = await reconcile(
      w,
      parseSite({ cors: { allowedOrigins: { mode: "exact", values: ["https://a.example"] } } }),
    );
    expect(plan.changes).toMatchObject([
      { field: "siteConfig.cors.allowedOrigins", kind: "remove", security: true, after: ["https://a.example"] },
    ]);
    expect(getPath(w.web, ["cors", "allowedOrigins"])).toEqual(["https://a.example"]);
  });

  test("a live '*' that include mode keeps is a warning, even when nothing changes", async () => {
    const w = world({}, { cors: { allowedOrigins: ["*", "https://a.example"] } });
    const { plan } = await observeAndPlan(w, parseSite({ cors: { allowedOrigins: ["https://a.example"] } }));
    expect(plan.status).toBe("no-op");
    expect(plan.warnings.join("\n")).toMatch(/any origin \('\*'\).*mode: exact/);
  });

  test("http20Enabled is not a security change; the TLS minimums are", async () => {
    const { plan } = await observeAndPlan(
      world({}, {}),
      parseSite({ http20Enabled: true, scmMinTlsVersion: "1.2", remoteDebuggingEnabled: false }),
    );
    expect(Object.fromEntries(plan.changes.map((c) => [c.field, Boolean(c.security)]))).toEqual({
      "siteConfig.scmMinTlsVersion": true,
      "siteConfig.remoteDebuggingEnabled": true,
      "siteConfig.http20Enabled": false,
    });
    expect(plan.changes.every((c) => c.kind === "add")).toBe(true);
  });

  test("'200 but not kept' fails verification naming every owned field that did not stick", async () => {
    const w = world({ httpsOnly: false }, { minTlsVersion: "1.0", http20Enabled: true });
    w.dropWrites = true;
    const err = await reconcile(w, parseSite({ httpsOnly: true, minTlsVersion: "1.2", http20Enabled: true })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VerificationError);
    expect((err as VerificationError).fields).toEqual(["httpsOnly", "siteConfig.minTlsVersion"]);
    expect((err as Error).message).toMatch(/did not keep: httpsOnly, siteConfig\.minTlsVersion/);
  });

  test("unpersistedFields only looks at the resources written", () => {
    const write: SiteWrite = {
      web: { properties: { minTlsVersion: "1.2" } },
      expect: [
        { resource: "site", key: ["httpsOnly"], field: "httpsOnly", list: false, value: true },
        { resource: "web", key: ["minTlsVersion"], field: "siteConfig.minTlsVersion", list: false, value: "1.2" },
      ],
    };
    expect(unpersistedFields(write, { web: { minTlsVersion: "1.2" } })).toEqual([]);
    expect(unpersistedFields(write, { web: { minTlsVersion: "1.0" } })).toEqual(["siteConfig.minTlsVersion"]);
  });

  test("the fingerprint covers owned fields only: an unowned change elsewhere does not make a plan stale", async () => {
    const cfg = parseSite({ minTlsVersion: "1.2", cors: { allowedOrigins: ["https://a.example"] } });
    const w = world(
      { httpsOnly: true },
      { minTlsVersion: "1.2", alwaysOn: false, cors: { allowedOrigins: [], supportCredentials: false } },
    );
    const before = fingerprint(await readSite(fakeArm(w), REF, ownedSiteFields(cfg)));
    w.web.alwaysOn = true;
    w.site.httpsOnly = false;
    expect(fingerprint(await readSite(fakeArm(w), REF, ownedSiteFields(cfg)))).toBe(before);
    // cors is sent back whole, so a change to any of its members is a change the plan was not made from.
    (w.web.cors as Record<string, unknown>).supportCredentials = true;
    expect(fingerprint(await readSite(fakeArm(w), REF, ownedSiteFields(cfg)))).not.toBe(before);
  });
});

describe("siteTargets", () => {
  const app = (site: SiteConfig | undefined, slots: string[] = []): AppConfig => ({
    index: 0,
    name: "func-a",
    subscriptionId: REF.subscriptionId,
    resourceGroup: "rg",
    slots,
    ...(site ? { site } : {}),
  });

  test("production and every slot, each its own target; --slot narrows (production is the app itself)", () => {
    const cfg = parseSite({ httpsOnly: true });
    expect(siteTargets(app(cfg, ["staging"])).map((t) => t.ref.slot ?? "production")).toEqual([
      "production",
      "staging",
    ]);
    expect(siteTargets(app(cfg, ["staging"]), "Staging").map((t) => t.ref.slot)).toEqual(["staging"]);
    expect(siteTargets(app(cfg, ["staging"]), "production").map((t) => t.ref.slot)).toEqual([undefined]);
    expect(siteTargets(app(cfg, ["staging"]))[0]!.resource).toBe("site");
  });

  test("an app whose site block owns nothing, or that has none, is no target (no reads)", () => {
    expect(siteTargets(app(parseSite({})))).toEqual([]);
    expect(siteTargets(app(parseSite({ cors: { allowAnyOrigin: true } })))).toEqual([]);
    expect(siteTargets(app(undefined))).toEqual([]);
  });
});

// ---- properties ----

const originArb = fc.constantFrom(
  "https://a.example",
  "https://A.example",
  "https://b.example",
  "http://localhost:3000",
  "https://c.example:8443",
);
const originsArb = fc.array(originArb, { maxLength: 4 });
const policyArb = fc.oneof(
  originsArb,
  fc.record({ mode: fc.constantFrom("include" as const, "exact" as const), values: originsArb }),
);
const tlsArb = fc.constantFrom("1.0" as const, "1.1" as const, "1.2" as const, "1.3" as const);

const configArb = fc.record(
  {
    httpsOnly: fc.boolean(),
    minTlsVersion: tlsArb,
    scmMinTlsVersion: tlsArb,
    ftpsState: fc.constantFrom("AllAllowed" as const, "FtpsOnly" as const, "Disabled" as const),
    remoteDebuggingEnabled: fc.boolean(),
    http20Enabled: fc.boolean(),
    cors: fc.record({ allowedOrigins: policyArb, supportCredentials: fc.boolean() }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

const leaf = fc.oneof(fc.boolean(), fc.integer(), fc.constant(null), fc.string({ maxLength: 4 }));
const liveOriginsArb = fc.oneof(
  fc.constant(null),
  fc.array(fc.oneof(originArb, fc.constant("*"), fc.constant("https://other.example")), { maxLength: 4 }),
);
const webArb = fc.record(
  {
    minTlsVersion: fc.oneof(tlsArb, fc.constant(null)),
    scmMinTlsVersion: fc.oneof(tlsArb, fc.constant(null)),
    ftpsState: fc.constantFrom("AllAllowed", "FtpsOnly", "Disabled"),
    remoteDebuggingEnabled: fc.boolean(),
    http20Enabled: fc.oneof(fc.boolean(), fc.constant(null)),
    cors: fc.oneof(
      fc.constant(null),
      fc.record(
        {
          allowedOrigins: liveOriginsArb,
          supportCredentials: fc.oneof(fc.boolean(), fc.constant(null)),
          futureCorsField: leaf,
        },
        { requiredKeys: [] },
      ),
    ),
    alwaysOn: fc.boolean(),
    ipSecurityRestrictions: fc.constant([{ ipAddress: "Any", action: "Allow" }]),
    futureField: fc.dictionary(fc.constantFrom("k1", "k2"), leaf),
  },
  { requiredKeys: [] },
);
const siteArb = fc.record(
  {
    httpsOnly: fc.oneof(fc.boolean(), fc.constant(null)),
    clientAffinityEnabled: fc.boolean(),
    state: fc.constantFrom("Running", "Stopped"),
  },
  { requiredKeys: [] },
);

/** The top-level config/web keys and cors members the config owns. */
function ownedKeys(cfg: SiteConfig) {
  const fields = ownedSiteFields(cfg);
  return {
    web: webKeysOf(fields),
    cors: fields.filter((f) => f.key[0] === "cors").map((f) => f.key[1]!),
    site: fields.filter((f) => f.resource === "site").map((f) => f.key[0]!),
  };
}

describe("planSite properties", () => {
  test("after applying the planned write, a second plan is empty, verify passes, and nothing more is written", async () => {
    await fc.assert(
      fc.asyncProperty(siteArb, webArb, configArb, async (site, web, cfgIn) => {
        const cfg = parseSite(cfgIn as SiteConfigInput);
        const w = world(structuredClone(site), structuredClone(web));
        await reconcile(w, cfg);
        w.calls = [];
        const second = await reconcile(w, cfg);
        expect(second.plan.status).toBe("no-op");
        expect(second.plan.changes).toEqual([]);
        expect(w.calls.filter((c) => c.startsWith("PATCH"))).toEqual([]);
      }),
    );
  });

  test("unowned fields are never in a write body, and what is sent is only what changes", async () => {
    await fc.assert(
      fc.asyncProperty(siteArb, webArb, configArb, async (site, web, cfgIn) => {
        const cfg = parseSite(cfgIn as SiteConfigInput);
        const { plan, write } = await reconcile(world(structuredClone(site), structuredClone(web)), cfg);
        const owned = ownedKeys(cfg);
        const changedTop = new Set(plan.changes.map((c) => (c.path[0] === "siteConfig" ? c.path[1]! : c.path[0]!)));
        for (const k of Object.keys(write.site?.properties ?? {})) expect(owned.site).toContain(k);
        for (const k of Object.keys(write.web?.properties ?? {})) {
          expect(owned.web).toContain(k);
          expect(changedTop).toContain(k);
        }
        const sentCors = write.web?.properties.cors;
        if (isRecord(sentCors)) {
          // Members the config does not own go back exactly as read: ARM replaces the cors object whole.
          const live = isRecord(web.cors) ? web.cors : {};
          for (const [k, v] of Object.entries(live)) if (!owned.cors.includes(k)) expect(sentCors[k]).toEqual(v);
          for (const k of Object.keys(sentCors)) expect(owned.cors.includes(k) || k in live).toBe(true);
        }
      }),
    );
  });

  test("fields outside the owned set are untouched on the app after apply", async () => {
    await fc.assert(
      fc.asyncProperty(siteArb, webArb, configArb, async (site, web, cfgIn) => {
        const cfg = parseSite(cfgIn as SiteConfigInput);
        const w = world(structuredClone(site), structuredClone(web));
        await reconcile(w, cfg);
        const owned = ownedKeys(cfg);
        const strip = (o: Record<string, unknown>, keys: string[]) =>
          Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
        expect(strip(w.site, owned.site)).toEqual(strip(site, owned.site));
        expect(strip(w.web, owned.web)).toEqual(strip(web, owned.web));
      }),
    );
  });

  test("include never removes an origin; exact leaves exactly the configured origins", async () => {
    await fc.assert(
      fc.asyncProperty(webArb, policyArb, async (web, policyIn) => {
        const cfg = parseSite({ cors: { allowedOrigins: policyIn } });
        const w = world({}, structuredClone(web));
        const { plan } = await reconcile(w, cfg);
        const before = lower(getPath(web, ["cors", "allowedOrigins"]));
        const after = lower(getPath(w.web, ["cors", "allowedOrigins"]));
        const policy = normalizeListPolicy(cfg.cors!.allowedOrigins)!;
        for (const v of policy.values) expect(after).toContain(v.toLowerCase());
        if (policy.mode === "include") {
          for (const b of before) expect(after).toContain(b);
          expect(plan.changes.some((c) => c.kind === "remove")).toBe(false);
        } else {
          expect(new Set(after)).toEqual(new Set(policy.values.map((v) => v.toLowerCase())));
        }
      }),
    );
  });

  test("'*' in allowedOrigins is refused unless allowAnyOrigin: true is in the same block", () => {
    fc.assert(
      fc.property(
        originsArb,
        fc.nat(4),
        fc.boolean(),
        fc.option(fc.boolean(), { nil: undefined }),
        (origins, at, exact, allow) => {
          const values = [...origins.slice(0, at), "*", ...origins.slice(at)];
          const pos = Math.min(at, origins.length);
          const cors = {
            allowedOrigins: exact ? { mode: "exact" as const, values } : values,
            ...(allow !== undefined ? { allowAnyOrigin: allow } : {}),
          };
          const r = siteSchema.safeParse({ cors });
          if (allow === true) expect(r.success).toBe(true);
          else {
            expect(r.success).toBe(false);
            expect(r.error!.issues.map((i) => i.path)).toEqual([
              exact ? ["cors", "allowedOrigins", "values", pos] : ["cors", "allowedOrigins", pos],
            ]);
            expect(r.error!.issues[0]!.message).toMatch(/allowAnyOrigin: true/);
          }
        },
      ),
    );
  });
});
