import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { MAX_TOKEN_BYTES, readToken } from "../../lib/audit/explain/token.ts";
import { formatError } from "../../lib/cli/main.ts";
import { explainTokenCommand } from "../../lib/commands/explain-token.ts";
import { UsageError } from "../../lib/errors.ts";
import { captureIo } from "../helpers/io.ts";

// Bad input: one clear message naming the problem and the fix, exit 1, and no network call at all (the env points
// nowhere reachable, so any request would fail differently).

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
const GOOD = `${b64({ alg: "RS256", kid: "k" })}.${b64({ iss: "https://x/", aud: "a", exp: 1 })}.c2lnbmF0dXJl`;
const ENV = { AZURE_AUTHORITY_HOST: "https://127.0.0.1:9", AZURE_TENANT_ID: "t", AZURE_CLIENT_ID: "c" };

describe("readToken", () => {
  test.each([
    ["oversized", "x".repeat(MAX_TOKEN_BYTES + 1), /larger than 16 KiB/],
    ["empty", "   ", /empty/],
    ["truncated", GOOD.split(".").slice(0, 2).join("."), /2 parts.*cut off/],
    ["truncated", "eyJhbGciOiJSUzI1NiJ9", /1 part,/],
    ["malformed", "a.b.c.d.e", /five is an encrypted JWE/],
    ["malformed", "###.###.###", /header is not base64url/],
    ["malformed", `${b64({ alg: "RS256" })}.bm90IGpzb24.c2ln`, /payload is not base64url/],
    ["unsigned", `${b64({ alg: "none" })}.${b64({ aud: "a" })}.`, /unsigned \(alg: none/],
    ["unsigned", `${b64({ alg: "RS256" })}.${b64({ aud: "a" })}.`, /no signature/],
  ])("%s: %s", (problem, text, message) => {
    const r = readToken(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problem).toBe(problem);
      expect(r.message).toMatch(message);
    }
  });

  test("a compact JWS, with or without 'Bearer ', reads", () => {
    expect(readToken(GOOD).ok).toBe(true);
    const r = readToken(`Bearer ${GOOD}\n`);
    expect(r.ok && r.token.compact).toBe(GOOD);
  });
});

async function fails(argv: string[], stdin?: string) {
  const io = captureIo(ENV);
  const err = await explainTokenCommand(argv, io, stdin === undefined ? {} : { readStdin: async () => stdin }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  expect(io.out()).toBe("");
  return formatError(err);
}

describe("explain-token input errors: exit 1 before any request", () => {
  const dir = mkdtempSync(join(tmpdir(), "explain-input-"));

  test("no token, two tokens, no --app, a relative --path", async () => {
    expect(await fails(["--app", "a"])).toMatch(/the token is missing[\s\S]*fix: .*@file or -/);
    expect(await fails([GOOD, GOOD, "--app", "a"])).toMatch(/one token only/);
    expect(await fails([GOOD])).toMatch(/--app <name> is required/);
    expect(await fails([GOOD, "--app", "a", "--path", "api/x"])).toMatch(/--path must start with '\/'/);
  });

  test("@file missing", async () => {
    expect(await fails([`@${join(dir, "nope.txt")}`, "--app", "a"])).toMatch(/nope\.txt: no such file\.\nfix: /);
  });

  test("@file truncated, oversized, alg none", async () => {
    const f = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return `@${join(dir, name)}`;
    };
    expect(await fails([f("t.txt", GOOD.slice(0, 30)), "--app", "a"])).toMatch(/cut off/);
    expect(await fails([f("big.txt", `${GOOD}.${"A".repeat(20_000)}`), "--app", "a"])).toMatch(/larger than 16 KiB/);
    expect(await fails([f("none.txt", `${b64({ alg: "none" })}.${b64({ aud: "a" })}.`), "--app", "a"])).toMatch(
      /unsigned \(alg: none/,
    );
  });

  test("- reads stdin: its content is what is checked", async () => {
    expect(await fails(["-", "--app", "a"], "not-a-jwt\n")).toMatch(/1 part, a JWT has three/);
    expect(await fails(["--app", "a", "-"], "x".repeat(MAX_TOKEN_BYTES + 10))).toMatch(/larger than 16 KiB/);
  });

  test("the messages never carry the token's text", async () => {
    const canary = `${b64({ alg: "none", canary: "CANARY-HEADER" })}.${b64({ secret: "CANARY-PAYLOAD" })}.`;
    const message = await fails([canary, "--app", "a"]);
    expect(message).not.toContain(canary.slice(0, 20));
    expect(message).not.toContain("CANARY");
  });

  test("under --json an input error is the one JSON document, exit 1", async () => {
    const io = captureIo(ENV);
    const code = await explainTokenCommand(["abc", "--app", "a", "--json"], io);
    expect(code).toBe(1);
    const doc = JSON.parse(io.out()) as {
      command: string;
      diagnostics: { severity: string; summary: string; fix?: string }[];
    };
    expect(doc.command).toBe("explain-token");
    expect(doc.diagnostics[0]!.summary).toMatch(/cut off/);
    expect(doc.diagnostics[0]!.fix).toBeTruthy();
  });
});
