import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { AuditReport } from "../../lib/audit/finding.ts";
import { formatError } from "../../lib/cli/main.ts";
import { applyCommand } from "../../lib/commands/apply.ts";
import { auditCommand } from "../../lib/commands/audit.ts";
import { configureAuthCommand } from "../../lib/commands/configure-auth.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { toolArmClient } from "../helpers/clients.ts";
import { emulatorEnv } from "../helpers/emulator.ts";
import { startFleetFixture } from "../helpers/fleet-fixture.ts";
import { captureIo } from "../helpers/io.ts";
import { RG, SUB, sitePath } from "../helpers/seeds.ts";

// Canary values: they are in the emulator's state, and must never appear in any output.
const PLAIN_SECRET = "audit-canary-plain-secret-7f3a9c";
const V1_SECRET = "audit-canary-v1-inline-secret-2b8d";
const UNKNOWN_CLIENT = "99999999-8888-4777-8666-555555555555";
const TENANT_V2 = "login.microsoftonline.com";

const goodSite = {
  httpsOnly: true,
  siteConfig: { minTlsVersion: "1.2", scmMinTlsVersion: "1.2", ftpsState: "FtpsOnly" },
};

const world = {
  subscriptions: [
    {
      subscriptionId: SUB,
      resourceGroups: [
        {
          name: RG,
          sites: [
            {
              name: "func-good",
              ...goodSite,
              appSettings: {
                MICROSOFT_PROVIDER_AUTHENTICATION_SECRET:
                  "@Microsoft.KeyVault(SecretUri=https://kv-demo.vault.azure.net/secrets/easy-auth/)",
              },
              functions: { greeting: {} },
              slots: [
                {
                  name: "staging",
                  ...goodSite,
                  appSettings: {
                    MICROSOFT_PROVIDER_AUTHENTICATION_SECRET:
                      "@Microsoft.KeyVault(SecretUri=https://kv-demo.vault.azure.net/secrets/easy-auth-staging/)",
                  },
                  functions: { greeting: {} },
                },
              ],
            },
            {
              name: "func-bad",
              httpsOnly: false,
              siteConfig: {
                minTlsVersion: "1.0",
                scmMinTlsVersion: "1.1",
                ftpsState: "AllAllowed",
                remoteDebuggingEnabled: true,
                cors: { allowedOrigins: ["*"], supportCredentials: false },
              },
              appSettings: { AAD_SECRET: PLAIN_SECRET },
              functions: { orders: {} },
              authV2: {
                platform: { enabled: true },
                globalValidation: {
                  requireAuthentication: true,
                  unauthenticatedClientAction: "RedirectToLoginPage",
                  excludedPaths: ["/api"],
                },
                identityProviders: {
                  azureActiveDirectory: {
                    enabled: true,
                    registration: {
                      clientId: UNKNOWN_CLIENT,
                      openIdIssuer: `https://${TENANT_V2}/7e3a0f1c-5b2d-4c8e-9a61-0d4f2b8c6e11/v2.0`,
                      clientSecretSettingName: "AAD_SECRET",
                    },
                    login: {
                      loginParameters: ["scope=openid User.Read https://management.azure.com/user_impersonation"],
                    },
                  },
                },
                login: { tokenStore: { enabled: false } },
              },
            },
            {
              name: "func-legacy",
              ...goodSite,
              functions: { legacy: {} },
              authV1: {
                enabled: true,
                unauthenticatedClientAction: "RedirectToLoginPage",
                clientId: UNKNOWN_CLIENT,
                clientSecret: V1_SECRET,
              },
            },
            { name: "func-empty", ...goodSite, functions: { report: {} } },
          ],
        },
      ],
    },
  ],
};

const fleet = {
  defaults: { subscriptionId: SUB, resourceGroup: RG, keys: { vaultUrl: "fromEnv", maxAge: "30d" } },
  apps: [
    {
      name: "func-good",
      slots: ["staging"],
      registration: {
        uniqueName: "func-good-api",
        displayName: "Good API",
        tokenVersion: 2,
        scopes: [
          { value: "Greeting.Read", adminConsentDisplayName: "Read", adminConsentDescription: "Read greetings." },
        ],
        appRoles: [{ value: "Greeting.Call", description: "Call the API without a user." }],
        requiredResourceAccess: [{ resource: "arm", scopes: ["user_impersonation"] }],
        adminConsent: true,
        appRoleAssignmentRequired: true,
      },
      auth: {
        requireAuthentication: true,
        unauthenticatedClientAction: "Return401",
        tokenStore: true,
        excludedPaths: ["/api/health"],
        azureActiveDirectory: {
          clientId: "fromRegistration",
          tokenVersion: "fromRegistration",
          clientSecretSettingName: "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET",
          loginParameters: ["scope=openid profile https://management.azure.com/user_impersonation"],
          allowedAudiences: ["api://{appId}"],
          allowedApplications: ["04b07795-8ddb-461a-bbee-02f9e1bf7b46"],
        },
      },
      site: { httpsOnly: true, minTlsVersion: "1.2", scmMinTlsVersion: "1.2", ftpsState: "FtpsOnly" },
      keys: { rotate: [{ name: "apim", scope: "function", function: "greeting", slots: ["production"] }] },
    },
    { name: "func-bad" },
    { name: "func-legacy" },
    // Easy Auth turned on by hand with no provider: the service fills in every provider, none registered.
    { name: "func-empty" },
  ],
};

let emu: Emulator;
let configFile: string;
let dir: string;

async function run(args: string[]) {
  const io = captureIo(emulatorEnv(emu));
  let code: number;
  try {
    code = await auditCommand(["--config", configFile, ...args], io);
  } catch (e) {
    io.stderr.write(`${formatError(e)}\n`);
    code = 1;
  }
  return { code, out: io.out(), err: io.err() };
}

const json = async (args: string[] = []) => {
  const r = await run(["--json", ...args]);
  return { ...r, report: JSON.parse(r.out) as AuditReport };
};
const idsOf = (report: AuditReport, label: string) =>
  [...new Set(report.findings.filter((f) => f.target.label === label).map((f) => f.checkId))].sort();

beforeAll(async () => {
  ({ emu, configFile, dir } = await startFleetFixture("audit", world, fleet));
  // func-good as the tool leaves it: registration, Easy Auth (PUT: the service fills in its defaults), site, keys.
  // The first apply creates the registration ('fromRegistration' resolves only once it exists); the second does the rest.
  const apply = async () => {
    const io = captureIo(emulatorEnv(emu));
    const argv = ["--config", configFile, "--app", "func-good", "--yes", "--backup-dir", join(dir, "b")];
    return { code: await applyCommand(argv, io), text: io.out() + io.err() };
  };
  await apply();
  const second = await apply();
  expect(second.code, second.text).toBe(0);
  // func-empty: Easy Auth on by hand, no provider named.
  await toolArmClient(emu).put(`${sitePath("func-empty")}/config/authsettingsV2`, {
    properties: { platform: { enabled: "true" }, globalValidation: { requireAuthentication: "True" } },
  });
  emu.log.clear();
}, 120_000);
afterAll(() => emu.close());

describe("audit against the emulator", () => {
  test("finds each seeded problem on its target, and nothing on the app the tool configured", async () => {
    const { code, report, err } = await json();
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(report.errors).toEqual([]);
    expect(idsOf(report, "func-bad")).toEqual(
      [
        "EA003",
        "EA004",
        "EA008",
        "EA009",
        "EA013",
        "EA020",
        "EA021",
        "EA022",
        "EA023",
        "EA024",
        "EA025",
        "EA030",
      ].sort(),
    );
    expect(idsOf(report, "func-legacy")).toEqual(["EA003", "EA008", "EA014", "EA030"]);
    expect(idsOf(report, "func-empty")).toEqual(["EA019"]);
    // Documents with the service's filled-in defaults (every provider enabled, empty registration): no provider finding.
    expect(idsOf(report, "func-good")).toEqual([]);
    expect(idsOf(report, "func-good/staging")).toEqual([]);
    expect(report.findings.filter((f) => f.target.registration)).toEqual([]);
    const stored = (
      await toolArmClient(emu).get<{ properties: { identityProviders: Record<string, { enabled: boolean }> } }>(
        `${sitePath("func-good")}/config/authsettingsV2/list`,
      )
    ).body.properties;
    expect(stored.identityProviders.google).toEqual({ enabled: true, registration: {} });
  });

  test("the V1 document comes back with every field, null when unset", async () => {
    const v1 = (
      await toolArmClient(emu).post<{ properties: Record<string, unknown> }>(
        `${sitePath("func-legacy")}/config/authsettings/list`,
      )
    ).body.properties;
    expect(v1).toMatchObject({
      enabled: true,
      configVersion: "v1",
      issuer: null,
      isAuthFromFile: null,
      googleClientId: null,
    });
    expect(Object.keys(v1)).toHaveLength(38);
    emu.log.clear();
  });

  test("configure-auth stays quiet on the documents the service filled in: its next run plans nothing", async () => {
    const io = captureIo(emulatorEnv(emu));
    const code = await configureAuthCommand(
      ["--config", configFile, "--app", "func-good", "--dry-run", "--detailed-exitcode"],
      io,
    );
    expect(code, io.out()).toBe(0);
    expect(io.out()).not.toMatch(/no identity provider is enabled/);
  });

  test("read-only: zero writes in the request log, and the POSTs it made are the ones it counted", async () => {
    emu.log.clear();
    const { report } = await json();
    const calls = emu.log.list().filter((c) => c.service !== "entra");
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((c) => c.method !== "GET" && c.method !== "POST")).toEqual([]);
    const posts = calls.filter((c) => c.method === "POST");
    for (const p of posts) expect(p.path).toMatch(/\/(list|listkeys)$/);
    expect(posts.some((p) => p.path.endsWith("/config/authsettings/list"))).toBe(true);
    expect(report.requests.writeBucket).toBe(posts.length);
    // Key Vault's first request of a client is the unauthenticated challenge (401), which the SDK answers itself.
    const challenges = calls.filter((c) => c.service === "keyvault" && c.status === 401).length;
    expect(report.requests.reads).toBe(calls.filter((c) => c.method === "GET").length - challenges);
    emu.log.clear();
  });

  test("no secret value in any output: text, JSON", async () => {
    const text = await run(["--no-color"]);
    const doc = await run(["--json"]);
    for (const out of [text.out, text.err, doc.out]) {
      expect(out).not.toContain(PLAIN_SECRET);
      expect(out).not.toContain(V1_SECRET);
    }
    expect(text.out).toMatch(/app setting 'AAD_SECRET' holds the client secret itself/);
  });

  test("the table groups by target, worst first, with the fix, the command and the config line", async () => {
    const { out } = await run(["--no-color"]);
    const order = ["func-bad", "func-legacy", "func-empty"].map((l) => out.search(new RegExp(`^${l}$`, "m")));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(out).toMatch(
      /^ {2}critical +EA008 {2}client id 9{8}-8888-4777-8666-5{12} is no application in the tenant$/m,
    );
    expect(out).toMatch(/run: tsx scripts\/configure-site\.ts {2}at: .*fleet\.yaml:\d+ \(apps\[1\]\)/);
    expect(out).toMatch(/requests: \d+ reads, \d+ on the write bucket/);
    expect(out).not.toContain("\u001b[");
  });

  test("a finding points at the app's block in the fleet config", async () => {
    const { report } = await json();
    const lines = readFileSync(configFile, "utf8").split("\n");
    const f = report.findings.find((x) => x.checkId === "EA020" && x.target.label === "func-bad")!;
    expect(f.config?.path).toBe("apps[1]");
    expect(lines[f.config!.line! - 1]).toMatch(/- name: func-bad/);
  });

  test("--fail-on: exit 2 when findings reach the severity, 0 when they do not; a bad value is refused", async () => {
    expect((await run(["--fail-on", "critical"])).code).toBe(2);
    expect((await run(["--fail-on", "high", "--app", "func-good"])).code).toBe(0);
    const bad = await run(["--fail-on", "severe"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--fail-on must be one of critical, high, medium, low, info, got 'severe'/);
  });

  test("--json validates against docs/audit-output.schema.json", async () => {
    const schema = JSON.parse(readFileSync(new URL("../../docs/audit-output.schema.json", import.meta.url), "utf8"));
    const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(schema);
    const { report } = await json();
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.findings.length).toBeGreaterThan(10);
  });

  test("--json with a fatal error: still one document on stdout, the error as a diagnostic, valid against the schema", async () => {
    const schema = JSON.parse(readFileSync(new URL("../../docs/audit-output.schema.json", import.meta.url), "utf8"));
    const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(schema);
    const r = await run(["--json", "--fail-on", "severe"]);
    expect(r.code).toBe(1);
    expect(r.err).toBe("");
    const doc = JSON.parse(r.out) as { command: string; diagnostics: Array<{ summary: string; fix?: string }> };
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.command).toBe("audit");
    expect(doc.diagnostics[0]?.summary).toMatch(/--fail-on must be one of/);
    expect(doc.diagnostics[0]?.fix).toMatch(/--fail-on high/);
  });

  test("--sarif and --html write the renderers' documents beside the table", async () => {
    const sarif = join(dir, "audit.sarif");
    const html = join(dir, "audit.html");
    const r = await run(["--sarif", sarif, "--html", html, "--no-color"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(sarif, "utf8")) as { version: string; runs: unknown[] };
    expect(doc.version).toBe("2.1.0");
    expect(doc.runs).toHaveLength(1);
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/<html/i);
    for (const text of [JSON.stringify(doc), page]) {
      expect(text).not.toContain(PLAIN_SECRET);
      expect(text).not.toContain(V1_SECRET);
    }
  });

  test("keys: a Key Vault secret whose key no longer exists on the app", async () => {
    const api = toolArmClient(emu);
    const keys = (await api.post<Record<string, string>>(`${sitePath("func-good")}/functions/greeting/listkeys`)).body;
    const managed = Object.keys(keys).find((k) => k.startsWith("apim-"))!;
    await api.delete(`${sitePath("func-good")}/functions/greeting/keys/${managed}`);
    emu.log.clear();
    const { report } = await json(["--app", "func-good"]);
    const f = report.findings.find((x) => x.checkId === "EA042");
    expect(f?.target.secret).toBe("func-good-production-greeting-apim");
    expect(f?.evidence).toMatchObject({ keyName: managed, keyOnApp: false });
  });
});
