import { RestError } from "@azure/core-rest-pipeline";
import { describe, expect, test } from "vitest";
import { describeBody } from "../../lib/azure/answer-shape.ts";
import { parseErrorBody } from "../../lib/azure/error-body.ts";
import { safeErrorText } from "../../lib/azure/redact.ts";
import { checkTenant, explainSignInError } from "../../lib/azure/sign-in-errors.ts";
import { closestField } from "../../lib/config/did-you-mean.ts";
import { parseSeed } from "../../lib/emulator/seed.ts";
import { durationProblem } from "../../lib/resources/keys/duration.ts";
import { parseFunctionKeys, parseHostKeys } from "../../lib/resources/keys/listkeys.ts";
import { CANARIES } from "./world.ts";

const canary = CANARIES.functionKey;
const truncated = `{"default":"${canary}","apim":"${canary}`;

describe("redaction by allow-list (safeErrorText)", () => {
  test("a core-client parse error quoting the body is summarized, never quoted", () => {
    const e = new RestError(`Error "SyntaxError" occurred while parsing the response body - ${truncated}.`, {
      code: "PARSE_ERROR",
    });
    const text = safeErrorText(e, "management.azure.com");
    expect(text).not.toContain(canary);
    expect(text).toMatch(/the answer could not be read: a truncated or invalid JSON body/);
  });

  test("V8's JSON error, which quotes part of the body, is withheld", () => {
    let err: unknown;
    try {
      JSON.parse(`<html>${canary}`);
    } catch (e) {
      err = e;
    }
    expect(safeErrorText(err)).toBe("the answer could not be read: invalid JSON");
  });

  test("a long or JSON-holding message is withheld; a connection failure keeps its cause", () => {
    expect(safeErrorText(new Error(`unexpected {"value":"${canary}"}`))).not.toContain(canary);
    const refused = Object.assign(new TypeError("fetch failed"), {
      cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:2"), { code: "ECONNREFUSED" }),
    });
    expect(safeErrorText(refused)).toBe("fetch failed: connect ECONNREFUSED 127.0.0.1:2");
    const reset = Object.assign(new TypeError("fetch failed"), {
      cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
    });
    expect(safeErrorText(reset)).toBe("fetch failed: UND_ERR_SOCKET other side closed");
  });

  test("an HTML error page is named by its host, not printed", () => {
    const page = `<html><body>${"<p>Bad gateway</p>".repeat(100)}</body></html>`;
    expect(parseErrorBody(page, "management.azure.com").message).toBe("an HTML error page from management.azure.com");
    expect(parseErrorBody("Bad Gateway").message).toBe("Bad Gateway");
    expect(describeBody({ error: { code: `x"${canary}` } })).toBe("an error body");
  });
});

describe("answers checked before they are planned on", () => {
  test("listkeys: an error body or a non-string value is an error, never 'no keys'", () => {
    expect(() => parseFunctionKeys({ error: { code: "BadRequest" } })).toThrow(/an error body \(BadRequest\)/);
    expect(() => parseFunctionKeys({ default: 1 })).toThrow(/'default' is not a string/);
    expect(() => parseFunctionKeys(undefined)).toThrow(/an empty body/);
    expect(() => parseHostKeys({ masterKey: canary })).toThrow(/no functionKeys map/);
    expect(parseFunctionKeys({ default: canary }).get("default")?.reveal()).toBe(canary);
    // The wrapped (spec) shape is still read.
    const wrapped = {
      id: "/x/functions/f/keys",
      type: "Microsoft.Web/sites/functions/keys",
      properties: { a: canary },
    };
    expect([...parseFunctionKeys(wrapped).keys()]).toEqual(["a"]);
  });
});

describe("config and environment checks", () => {
  test("did you mean: case, one edit, a swapped pair; nothing for unrelated words", () => {
    expect(closestField("tokenstore")).toBe("tokenStore");
    expect(closestField("requireAuthenticaton")).toBe("requireAuthentication");
    expect(closestField("maxAeg")).toBe("maxAge");
    expect(closestField("colour")).toBeUndefined();
  });

  test("durations: zero and over ten years are problems, the rest is not", () => {
    expect(durationProblem("0s")).toMatch(/longer than 0/);
    expect(durationProblem("PT0S")).toMatch(/longer than 0/);
    expect(durationProblem("3651d")).toMatch(/at most 3650d/);
    expect(durationProblem("3650d")).toBeUndefined();
    expect(durationProblem("1s")).toBeUndefined();
  });

  test("tenant: a GUID or a domain; MSAL's codes explained", () => {
    expect(() => checkTenant("7e3a0f1c-5b2d-4c8e-9a61-0d4f2b8c6e11")).not.toThrow();
    expect(() => checkTenant("contoso.onmicrosoft.com")).not.toThrow();
    expect(() => checkTenant("contoso")).toThrow(/neither a tenant GUID nor a domain name/);
    const e = explainSignInError(
      new Error("network_error: Network request failed"),
      "https://login.example",
      "t.example",
    );
    expect(e.message).toMatch(/did not answer with JSON \(network_error/);
  });
});

describe("the emulator's --seed", () => {
  test("a fleet config is refused with the reason; an unknown top-level field is named", () => {
    expect(() => parseSeed({ defaults: {}, apps: [{ name: "func-a" }] })).toThrow(
      /this is a fleet config \(it has apps:\/defaults:\), not an emulator seed/,
    );
    expect(() => parseSeed({ subscription: [] })).toThrow(
      /not a valid emulator seed: \(top level\): Unrecognized key: "subscription"/,
    );
    expect(parseSeed({ subscriptions: [] }).subscriptions).toEqual([]);
  });
});
