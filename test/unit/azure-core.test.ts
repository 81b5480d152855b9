import { inspect } from "node:util";
import { describe, expect, test } from "vitest";
import { parseErrorBody } from "../../lib/azure/error-body.ts";
import { isRetryable } from "../../lib/errors.ts";
import { redactHeaders, redactUrl, scrub } from "../../lib/azure/redact.ts";
import { Secret } from "../../lib/azure/secret.ts";

describe("error bodies in every shape that reaches the tool", () => {
  test("ARM envelope", () => {
    expect(parseErrorBody({ error: { code: "ResourceNotFound", message: "The Resource … was not found." } })).toEqual({
      code: "ResourceNotFound",
      message: "The Resource … was not found.",
    });
  });
  test("legacy App Service shape, ErrorEntity as object or array", () => {
    const legacy = {
      Code: "BadRequest",
      Message: "Properties object is not present in the request body.",
      Details: [{ Message: "x" }, { ErrorEntity: { ExtendedCode: "51006", Message: "m" } }],
    };
    expect(parseErrorBody(legacy)).toEqual({
      code: "BadRequest",
      message: "Properties object is not present in the request body.",
    });
    expect(
      parseErrorBody({
        Details: [{ ErrorEntity: [{ ExtendedCode: "59205", Message: "another operation is in progress" }] }],
        Message: undefined,
      }).code,
    ).toBe("59205");
  });
  test("Graph OData envelope carries the request id", () => {
    expect(
      parseErrorBody({
        error: { code: "Request_ResourceNotFound", message: "gone", innerError: { "request-id": "rid-1" } },
      }),
    ).toEqual({ code: "Request_ResourceNotFound", message: "gone", requestId: "rid-1" });
  });
  test("AAD token errors, text and empty bodies", () => {
    expect(
      parseErrorBody({ error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret" }),
    ).toEqual({ code: "invalid_client", message: "AADSTS7000215: Invalid client secret" });
    expect(parseErrorBody("Forbidden")).toEqual({ message: "Forbidden" });
    expect(parseErrorBody("")).toEqual({});
    expect(parseErrorBody(undefined)).toEqual({});
  });
});

describe("retry classification", () => {
  test.each([
    [429, undefined, "", true],
    [503, undefined, "", true],
    [501, undefined, "", false],
    [400, "BadRequest", "Encountered an error (ServiceUnavailable) from host runtime.", true],
    [400, "BadRequest", "Properties object is not present in the request body.", false],
    [409, "Conflict", "Cannot modify this site because another operation is in progress", true],
    [404, "ResourceNotFound", "", false],
    [401, "InvalidAuthenticationTokenAudience", "", false],
    [undefined, "ECONNRESET", "socket hang up", true],
  ])("status %s code %s → retryable %s", (status, code, message, expected) => {
    expect(isRetryable(status, code, message as string)).toBe(expected);
  });
});

describe("secrets and redaction", () => {
  const canary = "canary-7f3e9b2d4c1a8e6f";
  test("a Secret prints, serialises and inspects as REDACTED", () => {
    const s = new Secret(canary);
    expect(String(s)).toBe("REDACTED");
    expect(`${s}`).toBe("REDACTED");
    expect(JSON.stringify({ s })).toBe('{"s":"REDACTED"}');
    expect(inspect({ s })).not.toContain(canary);
    expect(s.reveal()).toBe(canary);
  });
  test("URLs keep only allow-listed query parameters; headers only allow-listed names", () => {
    expect(redactUrl(`https://x/keys?api-version=2025-05-01&code=${canary}`)).toBe(
      "https://x/keys?api-version=2025-05-01&code=REDACTED",
    );
    expect(redactHeaders({ authorization: `Bearer ${canary}`, "x-ms-request-id": "r1" })).toEqual({
      authorization: "REDACTED",
      "x-ms-request-id": "r1",
    });
    expect(scrub(`value ${canary} leaked`, [canary])).toBe("value REDACTED leaked");
  });
});
