import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { $ } from "zx";
import { explainTokenCommand } from "../../lib/commands/explain-token.ts";
import { TSX } from "../../lib/demo/emulator-process.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import { emulatorEnv, startTestEmulator } from "../helpers/emulator.ts";
import { captureIo } from "../helpers/io.ts";
import { RG, SUB } from "../helpers/seeds.ts";
import { bearer, callHost } from "./data-plane-client.ts";

// explain-token as a user runs it: a fleet config, the token from a file or stdin, the text and --json outputs;
// and the canary: neither the token nor its signature (nor a claim that is not shown) ever reaches the output.

const API = "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c";
const CALLER = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9";
const CANARY = "CANARY-7d1e0c5a-not-for-output";

let emu: Emulator;
let dir: string;
let config: string;

async function userToken(body: Record<string, unknown>): Promise<string> {
  const r = await fetch(`${emu.url}/_emulator/entra/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ version: 2, azp: CALLER, claims: { name: CANARY, upn: CANARY }, ...body }),
  });
  return ((await r.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  emu = await startTestEmulator({
    seed: {
      subscriptions: [
        {
          subscriptionId: SUB,
          resourceGroups: [
            {
              name: RG,
              sites: [
                {
                  name: "func-explain",
                  functions: { greeting: { authLevel: "anonymous", respond: "greeting" } },
                  slots: [
                    { name: "staging", functions: { greeting: { authLevel: "anonymous", respond: "greeting" } } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    },
  });
  const site = emu.arm.site(SUB, RG, "func-explain")!;
  site.authV2 = {
    platform: { enabled: true },
    globalValidation: { requireAuthentication: true, unauthenticatedClientAction: "Return401" },
    identityProviders: {
      azureActiveDirectory: {
        enabled: true,
        registration: { clientId: API, openIdIssuer: `https://login.microsoftonline.com/${emu.tenantId}/v2.0` },
        validation: { allowedAudiences: [`api://${API}`] },
      },
    },
  };
  site.configVersion = "v2";
  // The slot leaves Easy Auth off.
  site.slots.get("staging")!.authV2 = { platform: { enabled: false } };
  dir = mkdtempSync(join(tmpdir(), "explain-cli-"));
  config = join(dir, "fleet.yaml");
  writeFileSync(
    config,
    [
      "version: 1",
      "apps:",
      "  - name: func-explain",
      `    subscriptionId: ${SUB}`,
      `    resourceGroup: ${RG}`,
      "    slots: [staging]",
      "    auth:",
      "      functions:",
      "        greeting: { scopes: [Greeting.Read], roles: [Greeting.Call] }",
      "",
    ].join("\n"),
  );
});
afterAll(() => emu?.close());

const parts = (token: string) => token.split(".");

function expectNoToken(outputs: string[], token: string) {
  const [h, p, s] = parts(token) as [string, string, string];
  for (const o of outputs) {
    expect(o).not.toContain(token);
    expect(o).not.toContain(s);
    expect(o).not.toContain(s.slice(0, 16));
    expect(o).not.toContain(p);
    expect(o).not.toContain(h);
    expect(o).not.toContain(CANARY);
  }
}

describe("explain-token in-process", () => {
  test("text: each step with its setting, the verdict last; the canary never appears", async () => {
    const token = await userToken({ audience: API, scp: "Greeting.Read" });
    const io = captureIo(emulatorEnv(emu));
    expect(await explainTokenCommand([token, "--app", "func-explain", "--config", config], io)).toBe(0);
    const out = io.out();
    expect(out).toMatch(/^explain-token: func-explain \/api\/greeting/);
    expect(out).toMatch(/✓ +4\. signature +The signature is the issuer's/);
    expect(out).toMatch(/setting: identityProviders\.azureActiveDirectory\.validation\.allowedAudiences/);
    expect(out.trimEnd().split("\n").at(-1)).toMatch(/^verdict: 200 \(decided by function-requirement\)/);
    expectNoToken([out, io.err()], token);
    expect(
      (await callHost(emu, "func-explain.azurewebsites.net", "/api/greeting", { headers: bearer(token) })).status,
    ).toBe(200);
  });

  test("--json: the same as one document; a missing scope is the function's 403; the canary never appears", async () => {
    const token = await userToken({ audience: API, scp: "User.Read" });
    const io = captureIo(emulatorEnv(emu));
    const code = await explainTokenCommand(
      ["--app", "func-explain", "--config", config, "--path", "/api/greeting", "--json", "-"],
      io,
      { readStdin: async () => `${token}\n` },
    );
    expect(code).toBe(0);
    const doc = JSON.parse(io.out()) as {
      command: string;
      token: { claims: Record<string, unknown> };
      steps: { id: string; status: string; setting: string; fix?: string }[];
      verdict: { status: number; decidedBy: string };
    };
    expect(doc.command).toBe("explain-token");
    expect(doc.verdict).toMatchObject({ status: 403, decidedBy: "function-requirement" });
    expect(doc.steps.at(-1)).toMatchObject({
      id: "function-requirement",
      status: "fail",
      setting: "apps[0].auth.functions.greeting",
    });
    expect(doc.token.claims).toMatchObject({ aud: API, azp: CALLER, scp: "User.Read", ver: "2.0" });
    expectNoToken([io.out(), io.err()], token);
  });

  test("--slot: the slot's own settings (Easy Auth off there: no caller, the function's 403)", async () => {
    const token = await userToken({ audience: API, scp: "Greeting.Read" });
    const io = captureIo(emulatorEnv(emu));
    await explainTokenCommand([token, "--app", "func-explain", "--slot", "staging", "--config", config, "--json"], io);
    const doc = JSON.parse(io.out()) as { slot: string; verdict: { status: number; decidedBy: string } };
    expect(doc).toMatchObject({ slot: "staging", verdict: { status: 403, decidedBy: "function-requirement" } });
    const r = await callHost(emu, "func-explain-staging.azurewebsites.net", "/api/greeting", {
      headers: bearer(token),
    });
    expect(r.status).toBe(403);
  });

  test("an unknown slot or app is a usage error naming the choices", async () => {
    const token = await userToken({ audience: API });
    const slot = await explainTokenCommand(
      [token, "--app", "func-explain", "--slot", "blue", "--config", config],
      captureIo(emulatorEnv(emu)),
    ).catch((e: unknown) => e);
    expect(String(slot)).toMatch(/--slot 'blue' is not a slot of func-explain \(slots: staging\)/);
    const app = await explainTokenCommand(
      [token, "--app", "func-nope", "--config", config],
      captureIo(emulatorEnv(emu)),
    ).catch((e: unknown) => e);
    expect(String(app)).toMatch(/--app 'func-nope' is no app of/);
  });

  test("without --config: the app is found by name through ARM (no function requirement is known)", async () => {
    const token = await userToken({ audience: "https://graph.microsoft.com" });
    const io = captureIo(emulatorEnv(emu));
    await explainTokenCommand([token, "--app", "func-explain", "--path", "/api/greeting", "--json"], io);
    const doc = JSON.parse(io.out()) as { verdict: { status: number; decidedBy: string } };
    expect(doc.verdict).toMatchObject({ status: 401, decidedBy: "audience" });
  });
});

describe("explain-token as a process", () => {
  test("@file: a wrong-audience token is 401 at the audience step, as the data plane answers; exit 0", async () => {
    const token = await userToken({ audience: "https://graph.microsoft.com", scp: "User.Read" });
    const file = join(dir, "token.txt");
    writeFileSync(file, token);
    const r = await $({
      quiet: true,
      nothrow: true,
      env: { ...process.env, ...emulatorEnv(emu) },
    })`${TSX} scripts/explain-token.ts @${file} --app func-explain --config ${config}`;
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/✗ +6\. audience +The audience is not allowed/);
    expect(r.stdout).toMatch(/verdict: 401 \(decided by audience\)/);
    expectNoToken([r.stdout, r.stderr], token);
    expect(
      (await callHost(emu, "func-explain.azurewebsites.net", "/api/greeting", { headers: bearer(token) })).status,
    ).toBe(401);
  }, 90_000);
});
