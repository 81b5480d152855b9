import { mkdtempSync, writeFileSync } from "node:fs";
import { DEFAULT_CONSISTENCY_RETRY } from "../../lib/resources/registration/consistency.ts";
import { jsonOutputValidator } from "../helpers/contract.ts";
import { graphClientFor, graphError } from "../helpers/graph.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { ClientSecretCredential } from "@azure/identity";
import type { Client } from "@microsoft/microsoft-graph-client";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { updateManifestCommand } from "../../lib/commands/update-manifest.ts";
import { formatError } from "../../lib/cli/main.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import type { LoggedRequest } from "../../lib/emulator/request-log.ts";
import { emulatorEnv, startTestEmulator } from "../helpers/emulator.ts";
import { captureIo } from "../helpers/io.ts";

const ARM_APP_ID = "797f4846-ba00-4fd7-ba43-dac1f8f63013";
const CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const SUB = "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2";

interface App {
  id: string;
  appId: string;
  uniqueName: string;
  identifierUris: string[];
  api: {
    requestedAccessTokenVersion: number | null;
    oauth2PermissionScopes: Array<{ id: string; value: string; isEnabled: boolean }>;
    preAuthorizedApplications: Array<{ appId: string; delegatedPermissionIds: string[] }>;
  };
  appRoles: Array<{ id: string; value: string }>;
  requiredResourceAccess: Array<{ resourceAppId: string; resourceAccess: Array<{ id: string; type: string }> }>;
}
interface Sp {
  id: string;
  appId: string;
  appRoleAssignmentRequired: boolean;
}
interface Grant {
  id: string;
  clientId: string;
  resourceId: string;
  consentType: string;
  scope: string;
}

const registration = (uniqueName: string, extra: Record<string, unknown> = {}) => ({
  uniqueName,
  displayName: `${uniqueName} (test)`,
  scopes: [
    {
      value: "Greeting.Read",
      adminConsentDisplayName: "Read API Greetings",
      adminConsentDescription: "Allows the user to see greetings from the API.",
    },
  ],
  requiredResourceAccess: [{ resource: "arm", scopes: ["user_impersonation"] }],
  appRoleAssignmentRequired: true,
  adminConsent: true,
  preAuthorizedApplications: [{ appId: CLI, scopes: ["Greeting.Read"] }],
  ...extra,
});

let emu: Emulator;
let graph: Client;
let dir: string;
let n = 0;

beforeAll(async () => {
  emu = await startTestEmulator();
  const credential = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.url,
    disableInstanceDiscovery: true,
  });
  graph = graphClientFor(emu, { credential: credential, scopes: ["https://graph.microsoft.com/.default"] });
  dir = mkdtempSync(join(tmpdir(), "update-manifest-"));
});
afterAll(() => emu.close());
beforeEach(async () => {
  emu.faults.clear();
  await setGraphOptions({ visibilityDelayMs: 0 });
  emu.log.clear();
});

async function setGraphOptions(options: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emu.url}/_emulator/graph/options`, { method: "PUT", body: JSON.stringify(options) });
  expect(res.status).toBe(200);
}

/** A one-app fleet file with this registration. */
function fleet(reg: Record<string, unknown>, name = `func-${++n}`): string {
  const file = join(dir, `${name}-${n}.yaml`);
  writeFileSync(
    file,
    YAML.stringify({ defaults: { subscriptionId: SUB, resourceGroup: "rg-api" }, apps: [{ name, registration: reg }] }),
  );
  return file;
}

async function run(config: string, args: string[]) {
  const io = captureIo(emulatorEnv(emu));
  let code: number;
  try {
    code = await updateManifestCommand(["--config", config, ...args], io);
  } catch (e) {
    io.stderr.write(formatError(e) + "\n");
    code = 1;
  }
  return { code, out: io.out(), err: io.err() };
}

const graphCalls = (): LoggedRequest[] => emu.log.list().filter((r) => r.service === "graph");
const graphWrites = () => graphCalls().filter((r) => r.method !== "GET");
const byUniqueName = async (u: string): Promise<App[]> =>
  (await graph.api("/applications").filter(`uniqueName eq '${u}'`).get()).value;
const spOf = (appId: string): Promise<Sp> => graph.api(`/servicePrincipals(appId='${appId}')`).get();
const grantsOf = async (spId: string): Promise<Grant[]> =>
  (await graph.api("/oauth2PermissionGrants").filter(`clientId eq '${spId}'`).get()).value;
const armSpId = async () => ((await graph.api(`/servicePrincipals(appId='${ARM_APP_ID}')`).get()) as Sp).id;

const summary = (calls: LoggedRequest[]) => ({
  total: calls.length,
  reads: calls.filter((c) => c.method === "GET").length,
  writes: calls.filter((c) => c.method !== "GET").length,
});
const measured: Record<string, ReturnType<typeof summary>> = {};

describe("update-manifest through the emulator with the real Graph client", () => {
  test("dry run plans the create (exit 2), writes nothing; apply creates application, service principal and consent; a second run is a no-op with zero writes", async () => {
    const config = fleet(registration("greeting-api"));
    const dry = await run(config, ["--dry-run", "--detailed-exitcode"]);
    expect(dry.code).toBe(2);
    expect(dry.out).toMatch(/~ func-\d+ {2}application\(uniqueName='greeting-api'\)/);
    expect(dry.out).toMatch(/\+ application {2}\{"uniqueName":"greeting-api"\}/);
    expect(dry.out).toMatch(/\+ oauth2PermissionGrant\[arm\] {2}"user_impersonation" {2}\[security\]/);
    expect(graphWrites()).toEqual([]);

    emu.log.clear();
    const applied = await run(config, ["--yes"]);
    expect(applied.code, applied.err).toBe(0);
    expect(applied.out).toMatch(
      /updated +func-\d+ application\(uniqueName='greeting-api'\): created, appId [0-9a-f-]{36}/,
    );
    measured.create = summary(graphCalls());
    expect(graphWrites().map((w) => `${w.method} ${w.path.replace(/[0-9a-f-]{36}/g, "{id}")} ${w.status}`)).toEqual([
      "PATCH /v1.0/applications(uniqueName='greeting-api') 201",
      "PATCH /v1.0/applications/{id} 204",
      "PATCH /v1.0/servicePrincipals(appId='{id}') 201",
      "POST /v1.0/oauth2PermissionGrants 201",
    ]);

    const [app] = await byUniqueName("greeting-api");
    expect(app!.identifierUris).toEqual([`api://${app!.appId}`]);
    expect(app!.api.requestedAccessTokenVersion).toBe(2);
    const scope = app!.api.oauth2PermissionScopes.find((s) => s.value === "Greeting.Read")!;
    expect(scope.isEnabled).toBe(true);
    expect(app!.api.preAuthorizedApplications).toEqual([{ appId: CLI, delegatedPermissionIds: [scope.id] }]);
    expect(app!.requiredResourceAccess).toEqual([
      { resourceAppId: ARM_APP_ID, resourceAccess: [{ id: "41094075-9dad-400e-a0bd-54e686782033", type: "Scope" }] },
    ]);
    const sp = await spOf(app!.appId);
    expect(sp.appRoleAssignmentRequired).toBe(true);
    expect(await grantsOf(sp.id)).toEqual([
      expect.objectContaining({
        consentType: "AllPrincipals",
        resourceId: await armSpId(),
        scope: "user_impersonation",
      }),
    ]);

    emu.log.clear();
    const again = await run(config, ["--dry-run", "--detailed-exitcode"]);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/= func-\d+ {2}application\(uniqueName='greeting-api'\) .*no changes/);
    expect(graphWrites()).toEqual([]);
    emu.log.clear();
    const applyAgain = await run(config, ["--yes"]);
    expect(applyAgain.code).toBe(0);
    expect(graphWrites()).toEqual([]);
    measured.noop = summary(graphCalls());
    expect((await byUniqueName("greeting-api")).map((a) => a.id)).toEqual([app!.id]);

    // A change Graph takes in one write: one PATCH, then the verifying read.
    emu.log.clear();
    const renamed = await run(fleet(registration("greeting-api", { displayName: "Greeting API v2" })), ["--yes"]);
    expect(renamed.code).toBe(0);
    expect(renamed.out).toMatch(/~ displayName {2}"greeting-api \(test\)" → "Greeting API v2"/);
    expect(graphWrites().map((w) => w.method)).toEqual(["PATCH"]);
    measured.changeOne = summary(graphCalls());
  });

  test("create-if-missing twice creates one app: two runs racing end with one application, one service principal, one grant", async () => {
    const config = fleet(registration("raced-api"));
    // Hold both upserts for 2 s so both runs have observed "missing" before either create lands, also on a slow or
    // loaded machine: without this, one run can finish before the other looks, and no race takes place.
    emu.faults.add({
      service: "graph",
      method: "PATCH",
      path: "applications\\(uniqueName='raced-api'\\)$",
      kind: "latency",
      ms: 2000,
      times: 2,
    });
    const [a, b] = await Promise.all([run(config, ["--yes"]), run(config, ["--yes"])]);
    expect([a.code, b.code], a.err + b.err).toEqual([0, 0]);
    const apps = await byUniqueName("raced-api");
    expect(apps).toHaveLength(1);
    const sps: { value: Sp[] } = await graph.api("/servicePrincipals").filter(`appId eq '${apps[0]!.appId}'`).get();
    expect(sps.value).toHaveLength(1);
    expect(await grantsOf(sps.value[0]!.id)).toHaveLength(1);
    // One upsert created it; the other found it (204, or 400 when its scope ids clashed) and planned again against it.
    const upserts = graphWrites().filter((w) => w.path === "/v1.0/applications(uniqueName='raced-api')");
    expect(upserts.map((u) => u.status).filter((s) => s === 201)).toEqual([201]);
    expect(upserts).toHaveLength(2);
    expect(a.err + b.err).toMatch(/created by another writer since the plan was made; planning again against it/);
  });

  test("removing a scope takes two PATCHes (disable, then remove); ids of the others never change", async () => {
    const both = registration("scoped-api", {
      scopes: [{ value: "Greeting.Read" }, { value: "Greeting.Write" }],
      preAuthorizedApplications: [{ appId: CLI, scopes: ["Greeting.Read", "Greeting.Write"] }],
    });
    expect((await run(fleet(both), ["--yes"])).code).toBe(0);
    const [before] = await byUniqueName("scoped-api");
    const readId = before!.api.oauth2PermissionScopes.find((s) => s.value === "Greeting.Read")!.id;

    emu.log.clear();
    const fewer = await run(
      fleet({
        ...both,
        scopes: { mode: "exact", values: [{ value: "Greeting.Read" }] },
        preAuthorizedApplications: [{ appId: CLI, scopes: ["Greeting.Read"] }],
      }),
      ["--yes"],
    );
    expect(fewer.code, fewer.err).toBe(0);
    expect(fewer.out).toMatch(/- api\.oauth2PermissionScopes\[Greeting\.Write\]/);
    expect(fewer.out).toMatch(/warning: scope Greeting\.Write: disabled first, then changed or removed/);
    expect(graphWrites().map((w) => `${w.method} ${w.path.replace(/[0-9a-f-]{36}/g, "{id}")}`)).toEqual([
      "PATCH /v1.0/applications/{id}",
      "PATCH /v1.0/applications/{id}",
    ]);
    measured.change = summary(graphCalls());
    const [after] = await byUniqueName("scoped-api");
    expect(after!.api.oauth2PermissionScopes.map((s) => [s.id, s.value, s.isEnabled])).toEqual([
      [readId, "Greeting.Read", true],
    ]);
    expect(after!.api.preAuthorizedApplications).toEqual([{ appId: CLI, delegatedPermissionIds: [readId] }]);
  });

  test("the emulator's rule fires when an enabled scope is removed in one PATCH (called directly)", async () => {
    const app: App = await graph.api("/applications").post({
      displayName: "one-write",
      signInAudience: "AzureADMyOrg",
      api: {
        oauth2PermissionScopes: [
          {
            id: "1b4f816e-5eaf-48b9-8613-7923830595ad",
            value: "Gone.Read",
            type: "User",
            isEnabled: true,
            adminConsentDisplayName: "x",
            adminConsentDescription: "x",
          },
        ],
      },
    });
    const e = await graphError(graph.api(`/applications/${app.id}`).patch({ api: { oauth2PermissionScopes: [] } }));
    expect([e.statusCode, e.code]).toEqual([400, "CannotDeleteOrUpdateEnabledEntitlement"]);
    const still: App = await graph.api(`/applications/${app.id}`).get();
    expect(still.api.oauth2PermissionScopes.map((s) => s.value)).toEqual(["Gone.Read"]);
  });

  test("a non-default identifier URI on an unverified domain: clear error and nothing written (create and update)", async () => {
    const bad = await run(fleet(registration("unverified-api", { identifierUris: ["https://contoso.com/greeting"] })), [
      "--yes",
    ]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(
      /warning: identifier URI https:\/\/contoso\.com\/greeting: Graph accepts it only on a verified domain/,
    );
    expect(bad.out).toMatch(
      /failed +func-\d+ application\(uniqueName='unverified-api'\): .*400 HostNameNotOnVerifiedDomain: Values of identifierUris property must use a verified domain/,
    );
    expect(bad.out).toMatch(/fix: Use api:\/\/\{appId\} \(always accepted\), or add and verify the domain/);
    // The URI went into the create itself, so the refusal left no application behind, and nothing after it ran.
    expect(await byUniqueName("unverified-api")).toEqual([]);
    expect(graphWrites().map((w) => `${w.method} ${w.status}`)).toEqual(["PATCH 400"]);

    // An existing registration: the URI and a new scope are in the same first PATCH; refused whole, nothing changes.
    const okConfig = registration("verified-api");
    expect((await run(fleet(okConfig), ["--yes"])).code).toBe(0);
    const [before] = await byUniqueName("verified-api");
    emu.log.clear();
    const update = await run(
      fleet({
        ...okConfig,
        scopes: [{ value: "Greeting.Read" }, { value: "Greeting.Write" }],
        identifierUris: ["https://contoso.com/verified"],
      }),
      ["--yes"],
    );
    expect(update.code).toBe(1);
    expect(update.out).toMatch(/HostNameNotOnVerifiedDomain/);
    expect(graphWrites().map((w) => `${w.method} ${w.status}`)).toEqual(["PATCH 400"]);
    const [after] = await byUniqueName("verified-api");
    expect(after).toEqual(before);
    // A URI on a verified domain is accepted.
    expect(
      (await run(fleet({ ...okConfig, identifierUris: ["https://emulated.onmicrosoft.com/verified"] }), ["--yes"]))
        .code,
    ).toBe(0);
    expect((await byUniqueName("verified-api"))[0]!.identifierUris).toEqual([
      `api://${before!.appId}`,
      "https://emulated.onmicrosoft.com/verified",
    ]);
  });

  test("consent grant: created once, merged afterwards (PATCH, never a second grant), never shrunk", async () => {
    const config = fleet(registration("consent-api"));
    expect((await run(config, ["--yes"])).code).toBe(0);
    const [app] = await byUniqueName("consent-api");
    const sp = await spOf(app!.appId);
    const [grant] = await grantsOf(sp.id);
    // Someone narrows the grant by hand; the next run adds the scope back to the same grant and keeps theirs.
    await graph.api(`/oauth2PermissionGrants/${grant!.id}`).patch({ scope: "openid" });
    emu.log.clear();
    const r = await run(config, ["--yes"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/~ oauth2PermissionGrant\[arm\] {2}"openid" → "openid user_impersonation"/);
    expect(graphWrites().map((w) => `${w.method} ${w.path}`)).toEqual([
      `PATCH /v1.0/oauth2PermissionGrants/${grant!.id}`,
    ]);
    expect(await grantsOf(sp.id)).toEqual([
      expect.objectContaining({ id: grant!.id, scope: "openid user_impersonation" }),
    ]);
  });

  test("a 503 on the grant POST: the SDK does not retry the POST, the tool retries once, one grant exists", async () => {
    emu.faults.add({
      service: "graph",
      method: "POST",
      path: "oauth2PermissionGrants$",
      kind: "status",
      status: 503,
      times: 1,
    });
    const r = await run(fleet(registration("flaky-api")), ["--yes"]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(
      graphCalls()
        .filter((c) => c.method === "POST")
        .map((c) => c.status),
    ).toEqual([503, 201]);
    const [app] = await byUniqueName("flaky-api");
    expect(await grantsOf((await spOf(app!.appId)).id)).toHaveLength(1);
  });

  test("eventual consistency: new objects invisible for 1.5 s are polled with back-off, no fixed sleep", async () => {
    await setGraphOptions({ visibilityDelayMs: 1500 });
    const started = Date.now();
    const r = await run(fleet(registration("slow-api")), ["--yes"]);
    const elapsed = Date.now() - started;
    expect(r.code, r.out + r.err).toBe(0);
    // Retries of the named answers happened (404 for the new app, 400 NoBackingApplicationObject / reference for the SP and grant) …
    const retried = graphCalls().filter((c) => c.status === 404 || c.status === 400);
    expect(retried.length).toBeGreaterThan(0);
    expect(r.err).toMatch(/not replicated yet\?\), retry 1/);
    // … application, service principal and grant are created one after the other, each invisible for 1.5 s, so the
    // run waited for each (no call succeeded early), with a bounded number of polls (the back-off, not a busy loop).
    expect(elapsed).toBeGreaterThanOrEqual(3 * 1500);
    expect(r.err.match(/retry \d+/g)?.length ?? 0).toBeLessThanOrEqual(3 * DEFAULT_CONSISTENCY_RETRY.attempts);
    const [app] = await byUniqueName("slow-api");
    expect(app!.identifierUris).toEqual([`api://${app!.appId}`]);

    // With no delay the same create makes no retried call at all.
    await setGraphOptions({ visibilityDelayMs: 0 });
    emu.log.clear();
    expect((await run(fleet(registration("fast-api")), ["--yes"])).code).toBe(0);
    expect(
      graphCalls()
        .filter((c) => c.status >= 400)
        .map((c) => `${c.method} ${c.path} ${c.status}`),
    ).toEqual(["GET /v1.0/applications(uniqueName='fast-api') 404"]);
  });

  test("bad input: invalid config or --slot → exit 1 with the fix, and no request at all", async () => {
    const bad = await run(fleet({ uniqueName: "x", scopes: [{ value: "has space" }], adminConsent: ["nope"] }), [
      "--yes",
    ]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/registration\.scopes\[0\]\.value/);
    expect(bad.err).toMatch(/registration\.adminConsent/);
    expect(bad.err).toMatch(/^fix: /m);
    const slot = await run(fleet(registration("slot-api")), ["--slot", "staging"]);
    expect(slot.code).toBe(1);
    expect(slot.err).toMatch(/--slot does not apply to update-manifest/);
    expect(emu.log.list()).toEqual([]);
  });

  test("--json prints one versioned document valid against the schema; a saved plan applies, a stale one is refused", async () => {
    const config = fleet(registration("json-api"));
    const planFile = join(dir, "json-api.plan.json");
    const planned = await run(config, ["--dry-run", "--json", "--plan-out", planFile]);
    expect(planned.code).toBe(0);
    const doc = JSON.parse(planned.out) as { formatVersion: number; results: Array<{ outcome: string }> };
    const validate = jsonOutputValidator();
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.results).toEqual([
      expect.objectContaining({ outcome: "planned", resource: "application(uniqueName='json-api')" }),
    ]);
    const applied = await run(config, ["--plan", planFile]);
    expect(applied.code, applied.out + applied.err).toBe(0);
    expect(await byUniqueName("json-api")).toHaveLength(1);

    // A plan made, then the registration changes by another hand: applying the plan is refused and writes nothing.
    const more = fleet(registration("json-api", { scopes: [{ value: "Greeting.Read" }, { value: "Greeting.Write" }] }));
    const stalePlan = join(dir, "json-api-2.plan.json");
    expect((await run(more, ["--dry-run", "--plan-out", stalePlan])).code).toBe(0);
    const [app] = await byUniqueName("json-api");
    await graph.api(`/applications/${app!.id}`).patch({ displayName: "renamed by hand" });
    emu.log.clear();
    const stale = await run(more, ["--plan", stalePlan]);
    expect(stale.code).toBe(1);
    expect(stale.err).toMatch(/saved plan is stale/);
    expect(graphWrites()).toEqual([]);
  });

  test("Graph calls per app, from the request log (create / change / no-op)", () => {
    // Filled by the tests above (one app per run); printed for the closing note.
    expect(measured.create).toEqual({ total: 9, reads: 5, writes: 4 });
    expect(measured.change).toEqual({ total: 7, reads: 5, writes: 2 });
    expect(measured.changeOne).toEqual({ total: 6, reads: 5, writes: 1 });
    expect(measured.noop).toEqual({ total: 4, reads: 4, writes: 0 });
    console.log(
      `Graph calls per app: create ${JSON.stringify(measured.create)}, change in one write ${JSON.stringify(measured.changeOne)}, change (remove a scope) ${JSON.stringify(measured.change)}, no-op ${JSON.stringify(measured.noop)}; reads include one lookup of the ARM service principal per run`,
    );
  });
});
