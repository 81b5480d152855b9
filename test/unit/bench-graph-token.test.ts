import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { describe, expect, test } from "vitest";
import { heldToken } from "../../lib/azure/graph-client.ts";

/** A credential that counts its calls and answers tokens expiring `lifetimeMs` from now (or fails when told to). */
function counting(lifetimeMs: number) {
  const calls: (GetTokenOptions | undefined)[] = [];
  let fail = false;
  const credential: TokenCredential = {
    getToken: async (_scopes, options) => {
      calls.push(options);
      if (fail) throw new Error("sign-in failed");
      return { token: `t${calls.length}`, expiresOnTimestamp: Date.now() + lifetimeMs } satisfies AccessToken;
    },
  };
  return { credential, calls, failNext: (f: boolean) => (fail = f) };
}

const SCOPE = "https://graph.microsoft.com/.default";

describe("the Graph client's held token (the SDK asks for one before every request)", () => {
  test("one acquisition serves concurrent and later requests while the token is fresh", async () => {
    const c = counting(3_600_000);
    const held = heldToken(c.credential);
    const tokens = await Promise.all(Array.from({ length: 16 }, () => held.getToken(SCOPE)));
    expect(new Set(tokens.map((t) => t?.token))).toEqual(new Set(["t1"]));
    expect((await held.getToken([SCOPE]))?.token).toBe("t1");
    expect(c.calls.length).toBe(1);
  });

  test("a token within 5 minutes of expiry is renewed, as the SDK's own bearer policy does", async () => {
    const c = counting(60_000);
    const held = heldToken(c.credential);
    await held.getToken(SCOPE);
    expect((await held.getToken(SCOPE))?.token).toBe("t2");
    expect(c.calls.length).toBe(2);
  });

  test("claims (a CAE challenge) and another scope go to the credential; a failure is not held", async () => {
    const c = counting(3_600_000);
    const held = heldToken(c.credential);
    await held.getToken(SCOPE);
    await held.getToken(SCOPE, { claims: "eyJ4Ijp7fX0" });
    await held.getToken("https://other/.default");
    expect(c.calls.length).toBe(3);
    const d = counting(3_600_000);
    const h2 = heldToken(d.credential);
    d.failNext(true);
    await expect(h2.getToken(SCOPE)).rejects.toThrow("sign-in failed");
    d.failNext(false);
    expect((await h2.getToken(SCOPE))?.token).toBe("t2");
  });
});
