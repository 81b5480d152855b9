import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, expect, test } from "vitest";
import { IssuerKeys, metadataUrl } from "../../lib/audit/explain/signature.ts";
import { readToken } from "../../lib/audit/explain/token.ts";
import { CLOUDS } from "../../lib/azure/clouds.ts";

// Where the issuer's keys are looked up, and what the check says for each kind of signature. The keys are served by
// a fetch function here; test/emulator/explain-token-agreement.test.ts reads the emulator's real JWKS over HTTPS.

const TENANT = "11111111-2222-4333-8444-555555555555";
const EMU = "https://127.0.0.1:8443";
const src = { cloud: CLOUDS.AzureCloud, authorityHost: EMU };

describe("metadataUrl", () => {
  test("issuers of the run's cloud are read at the authority the tool signs in to", () => {
    expect(metadataUrl(`https://login.microsoftonline.com/${TENANT}/v2.0`, src)).toBe(
      `${EMU}/${TENANT}/v2.0/.well-known/openid-configuration`,
    );
    expect(metadataUrl(`https://sts.windows.net/${TENANT}/`, src)).toBe(
      `${EMU}/${TENANT}/.well-known/openid-configuration`,
    );
  });
  test("another issuer is asked itself; a non-https issuer has no metadata", () => {
    expect(metadataUrl("https://issuer.example.com/tenant-x/", src)).toBe(
      "https://issuer.example.com/tenant-x/.well-known/openid-configuration",
    );
    expect(metadataUrl("http://issuer.example.com/", src)).toBeUndefined();
    expect(metadataUrl("not a url", src)).toBeUndefined();
  });
});

describe("IssuerKeys.check", async () => {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const other = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", use: "sig" };
  const iss = `https://login.microsoftonline.com/${TENANT}/v2.0`;
  let reads = 0;
  const served = async (url: string) => {
    reads++;
    if (url.endsWith("/.well-known/openid-configuration"))
      return Response.json({ issuer: iss, jwks_uri: `${EMU}/${TENANT}/discovery/v2.0/keys` });
    if (url === `${EMU}/${TENANT}/discovery/v2.0/keys`) return Response.json({ keys: [jwk] });
    return new Response("not found", { status: 404 });
  };
  const sign = (key: CryptoKey, header: { alg: string; kid?: string } = { alg: "RS256", kid: "k1" }) =>
    new SignJWT({ iss, aud: "a" }).setProtectedHeader(header).sign(key);
  const decoded = async (t: Promise<string> | string) => {
    const r = readToken(await t);
    if (!r.ok) throw new Error(r.message);
    return r.token;
  };

  test("the issuer's key verifies; another key, an unknown kid, another algorithm do not", async () => {
    const keys = new IssuerKeys({ ...src, fetch: served });
    expect((await keys.check(await decoded(sign(privateKey)))).status).toBe("valid");
    expect(await keys.check(await decoded(sign(other.privateKey)))).toMatchObject({ status: "invalid" });
    expect(await keys.check(await decoded(sign(privateKey, { alg: "RS256", kid: "k2" })))).toMatchObject({
      status: "invalid",
      detail: expect.stringMatching(/no key k2/),
    });
    const hs = await new SignJWT({ iss }).setProtectedHeader({ alg: "HS256", kid: "k1" }).sign(new Uint8Array(32));
    expect(await keys.check(await decoded(hs))).toMatchObject({
      status: "invalid",
      detail: expect.stringMatching(/RS256/),
    });
  });

  test("the key set is read once per issuer and run", async () => {
    reads = 0;
    const keys = new IssuerKeys({ ...src, fetch: served });
    await keys.check(await decoded(sign(privateKey)));
    await keys.check(await decoded(sign(privateKey)));
    expect(reads).toBe(2);
  });

  test("429 and 5xx are tried again after Retry-After (bounded); a 404 is not", async () => {
    const waits: number[] = [];
    let failures = 2;
    const flaky = async (url: string) => {
      if (failures-- > 0) return new Response("busy", { status: 503, headers: { "retry-after": "2" } });
      return served(url);
    };
    const keys = new IssuerKeys({ ...src, fetch: flaky, wait: async (ms) => waits.push(ms) });
    expect((await keys.check(await decoded(sign(privateKey)))).status).toBe("valid");
    expect(waits).toEqual([2000, 2000]);
    let calls = 0;
    const gone = new IssuerKeys({
      ...src,
      fetch: async () => {
        calls++;
        return new Response("", { status: 404 });
      },
      wait: async (ms) => waits.push(ms),
    });
    expect((await gone.check(await decoded(sign(privateKey)))).status).toBe("unverified");
    expect(calls).toBe(1);
    const down = new IssuerKeys({
      ...src,
      fetch: async () => new Response("", { status: 500 }),
      wait: async () => undefined,
    });
    expect(await down.check(await decoded(sign(privateKey)))).toMatchObject({
      status: "unverified",
      detail: expect.stringMatching(/HTTP 500/),
    });
  });

  test("unreachable keys leave the signature unverified, and say why", async () => {
    const keys = new IssuerKeys({
      ...src,
      fetch: async () => {
        throw new TypeError("fetch failed");
      },
      wait: async () => undefined,
    });
    expect(await keys.check(await decoded(sign(privateKey)))).toMatchObject({
      status: "unverified",
      detail: expect.stringMatching(/could not be read \(fetch failed\)/),
    });
    const missing = new IssuerKeys({ ...src, fetch: async () => new Response("", { status: 404 }) });
    expect((await missing.check(await decoded(sign(privateKey)))).status).toBe("unverified");
  });
});
