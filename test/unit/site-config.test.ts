import { describe, expect, test } from "vitest";
import { ConfigError } from "../../lib/errors.ts";
import { formatPath, validateConfig } from "../../lib/config/load.ts";
import type { AppConfig } from "../../lib/pipeline/contract.ts";
import { KINDS } from "../../lib/resources/index.ts";
import { siteSlice } from "../../lib/resources/site/config.ts";
import type { SiteConfig } from "../../lib/resources/site/schema.ts";

const SUB = "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2";

/** Every problem of one `site` block, as validateConfig words it for `apps[0]`. */
function issues(block: unknown, at = "apps[0].site"): string[] {
  const r = siteSlice.schema.safeParse(block);
  return r.success ? [] : r.error.issues.map((i) => `${formatPath([at, ...i.path])}: ${i.message}`);
}

const parse = (block: unknown): SiteConfig => siteSlice.schema.parse(block) as SiteConfig;
const resolve = (own: unknown, defaults: unknown): SiteConfig | undefined =>
  siteSlice.resolve(
    own === undefined ? undefined : parse(own),
    defaults === undefined ? undefined : siteSlice.defaultsSchema.parse(defaults),
  ) as SiteConfig | undefined;
const app = (index: number, site: SiteConfig | undefined): AppConfig => ({
  index,
  name: `app-${index}`,
  subscriptionId: SUB,
  resourceGroup: "rg",
  slots: [],
  ...(site ? { site } : {}),
});

describe("site block validation (siteSlice.schema)", () => {
  test("every field error is reported with its path", () => {
    const text = issues({
      httpsOnly: "yes",
      minTlsVersion: "1.4",
      scmMinTlsVersion: 1.5,
      ftpsState: "Off",
      remoteDebuggingEnabled: 1,
      http20Enabled: "true",
      httpOnly: true,
    }).join("\n");
    expect(text).toMatch(/^apps\[0\]\.site\.httpsOnly: /m);
    expect(text).toMatch(/^apps\[0\]\.site\.minTlsVersion: must be '1\.0', '1\.1', '1\.2' or '1\.3'/m);
    expect(text).toMatch(/^apps\[0\]\.site\.scmMinTlsVersion: must be '1\.0', '1\.1', '1\.2' or '1\.3'/m);
    expect(text).toMatch(/^apps\[0\]\.site\.ftpsState: must be 'AllAllowed', 'FtpsOnly' or 'Disabled'/m);
    expect(text).toMatch(/^apps\[0\]\.site\.remoteDebuggingEnabled: /m);
    expect(text).toMatch(/^apps\[0\]\.site\.http20Enabled: /m);
    expect(text).toMatch(/^apps\[0\]\.site: /m); // unknown key 'httpOnly'
    expect(text.split("\n")).toHaveLength(7);
  });

  test("cors: unknown members and empty origins are refused with their paths", () => {
    expect(issues({ cors: { allowedOrigin: ["https://a.example"] } })).toEqual([
      expect.stringMatching(/^apps\[0\]\.site\.cors: /),
    ]);
    expect(issues({ cors: { allowedOrigins: ["https://a.example", ""] } })).toEqual([
      expect.stringMatching(/^apps\[0\]\.site\.cors\.allowedOrigins\[1\]: /),
    ]);
    expect(issues({ cors: { allowedOrigins: { mode: "replace", values: [] } } }).join("\n")).toMatch(
      /apps\[0\]\.site\.cors\.allowedOrigins/,
    );
  });

  test("an origin with a path or a trailing slash is refused: browsers send scheme and host only", () => {
    expect(
      issues({
        cors: {
          allowedOrigins: ["https://ok.example", "https://a.example/", "portal.contoso.com", "https://b.example/app"],
        },
      }),
    ).toEqual([
      "apps[0].site.cors.allowedOrigins[1]: 'https://a.example/' is not an origin: write scheme and host only, as browsers send it (https://portal.contoso.com, no path or trailing slash)",
      "apps[0].site.cors.allowedOrigins[2]: 'portal.contoso.com' is not an origin: write scheme and host only, as browsers send it (https://portal.contoso.com, no path or trailing slash)",
      "apps[0].site.cors.allowedOrigins[3]: 'https://b.example/app' is not an origin: write scheme and host only, as browsers send it (https://portal.contoso.com, no path or trailing slash)",
    ]);
    expect(issues({ cors: { allowedOrigins: ["http://localhost:3000", "https://portal.contoso.com:8443"] } })).toEqual(
      [],
    );
  });

  test("'*' is refused unless allowAnyOrigin: true is in the same cors block; the message names the fix", () => {
    expect(issues({ cors: { allowedOrigins: ["https://a.example", "*"] } })).toEqual([
      "apps[0].site.cors.allowedOrigins[1]: '*' lets any website call this app from a browser; list the origins instead, or set allowAnyOrigin: true in this cors block to allow it on purpose",
    ]);
    expect(issues({ cors: { allowedOrigins: { mode: "exact", values: ["*"] } } }, "defaults.site")).toEqual([
      expect.stringMatching(/^defaults\.site\.cors\.allowedOrigins\.values\[0\]: '\*' .*allowAnyOrigin: true/),
    ]);
    expect(issues({ cors: { allowedOrigins: ["*"], allowAnyOrigin: false } })).toHaveLength(1);
    expect(issues({ cors: { allowedOrigins: ["*"], allowAnyOrigin: true } })).toEqual([]);
  });

  test("'*' with supportCredentials: true is refused even with allowAnyOrigin", () => {
    expect(issues({ cors: { allowedOrigins: ["*"], allowAnyOrigin: true, supportCredentials: true } })).toEqual([
      "apps[0].site.cors.allowedOrigins[0]: '*' cannot be combined with supportCredentials: true (browsers refuse credentials for a wildcard origin); list the origins",
    ]);
  });

  test("TLS versions written as YAML numbers are accepted and stored as strings", () => {
    expect(parse({ minTlsVersion: 1.2, scmMinTlsVersion: 1 })).toEqual({
      minTlsVersion: "1.2",
      scmMinTlsVersion: "1.0",
    });
    expect(parse({ minTlsVersion: "1.3" })).toEqual({ minTlsVersion: "1.3" });
  });
});

describe("site defaults (siteSlice.resolve)", () => {
  test("defaults.site applies to every app, an app's own block overrides field by field", () => {
    const defaults = {
      httpsOnly: true,
      minTlsVersion: "1.2",
      cors: { allowedOrigins: ["https://portal.example"], supportCredentials: false },
    };
    expect(resolve(undefined, defaults)).toEqual({
      httpsOnly: true,
      minTlsVersion: "1.2",
      cors: { allowedOrigins: ["https://portal.example"], supportCredentials: false },
    });
    expect(resolve({ minTlsVersion: "1.3", cors: { allowedOrigins: ["https://other.example"] } }, defaults)).toEqual({
      httpsOnly: true,
      minTlsVersion: "1.3",
      // Lists are replaced whole, objects merged key by key.
      cors: { allowedOrigins: ["https://other.example"], supportCredentials: false },
    });
    expect(resolve({ ftpsState: "Disabled" }, undefined)).toEqual({ ftpsState: "Disabled" });
  });

  test("no defaults and no block: the app has no site (nothing owned, no target)", () => {
    expect(resolve(undefined, undefined)).toBeUndefined();
  });
});

describe("site cross-checks (siteSlice.crossCheck)", () => {
  const check = (apps: AppConfig[]) => siteSlice.crossCheck!(apps);

  test("a '*' from defaults meeting an app's allowAnyOrigin: false is an error naming the app", () => {
    const site = resolve(
      { cors: { allowAnyOrigin: false } },
      { cors: { allowedOrigins: ["*"], allowAnyOrigin: true } },
    );
    const r = check([app(0, resolve(undefined, { httpsOnly: true })), app(1, site)]);
    expect(r.errors).toEqual([
      expect.stringMatching(
        /^apps\[1\]\.site\.cors\.allowedOrigins: '\*' \(merged from defaults\.site\).*set allowAnyOrigin: true/,
      ),
    ]);
  });

  test("a '*' meeting supportCredentials: true from defaults is an error", () => {
    const site = resolve(
      { cors: { allowedOrigins: ["*"], allowAnyOrigin: true } },
      { cors: { supportCredentials: true } },
    );
    expect(check([app(0, site)]).errors).toEqual([
      expect.stringMatching(/^apps\[0\]\.site\.cors: '\*' with supportCredentials: true/),
    ]);
  });

  test("weak values are warnings, one line per field for the whole fleet", () => {
    const weak = resolve(undefined, {
      httpsOnly: false,
      minTlsVersion: "1.0",
      scmMinTlsVersion: "1.1",
      ftpsState: "AllAllowed",
      remoteDebuggingEnabled: true,
    });
    const apps = Array.from({ length: 7 }, (_, i) => app(i, weak));
    const r = check([
      ...apps,
      app(7, resolve({ httpsOnly: true, minTlsVersion: "1.2" }, undefined)),
      app(8, undefined),
    ]);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toHaveLength(5);
    expect(r.warnings.find((w) => w.startsWith("site.minTlsVersion"))).toBe(
      "site.minTlsVersion: below 1.2 (TLS 1.0 and 1.1 are deprecated) (apps[0], apps[1], apps[2], apps[3], apps[4] and 2 more)",
    );
    expect(r.warnings.join("\n")).toMatch(/site\.ftpsState: AllAllowed/);
    expect(r.warnings.join("\n")).not.toMatch(/apps\[7\]/);
  });
});

// Through the config loader, once `siteKind` is listed in lib/resources/index.ts.
const wired = KINDS.some((k) => k.config.key === "site");
describe.skipIf(!wired)("site through validateConfig", () => {
  const errorOf = (doc: unknown): ConfigError => {
    try {
      validateConfig(doc, "fleet.yaml", { AZURE_SUBSCRIPTION_ID: SUB });
    } catch (e) {
      if (e instanceof ConfigError) return e;
      throw e;
    }
    throw new Error("expected a ConfigError");
  };

  test("every error of every app and of defaults, each with its path", () => {
    const e = errorOf({
      defaults: { resourceGroup: "rg", site: { minTlsVersion: "1.4", cors: { allowedOrigins: ["*"] } } },
      apps: [
        { name: "a", site: { ftpsState: "Off" } },
        { name: "b", site: { cors: { allowedOrigins: ["https://b.example/"] } } },
        { name: "c" },
      ],
    });
    const text = e.issues.join("\n");
    expect(text).toMatch(/^defaults\.site\.minTlsVersion: must be/m);
    expect(text).toMatch(/^defaults\.site\.cors\.allowedOrigins\[0\]: '\*' .*allowAnyOrigin: true/m);
    expect(text).toMatch(/^apps\[0\]\.site\.ftpsState: must be/m);
    expect(text).toMatch(/^apps\[1\]\.site\.cors\.allowedOrigins\[0\]: 'https:\/\/b\.example\/' is not an origin/m);
    expect(e.issues).toHaveLength(4);
  });

  test("a '*' without allowAnyOrigin is refused with its path and the fix", () => {
    const e = errorOf({
      defaults: { resourceGroup: "rg" },
      apps: [{ name: "a", site: { cors: { allowedOrigins: ["*"] } } }],
    });
    expect(e.issues).toEqual([
      expect.stringMatching(/^apps\[0\]\.site\.cors\.allowedOrigins\[0\]: '\*' .*allowAnyOrigin: true/),
    ]);
  });

  test("defaults.site reaches every app; apps override it field by field", () => {
    const c = validateConfig(
      {
        defaults: { resourceGroup: "rg", site: { httpsOnly: true, minTlsVersion: 1.2 } },
        apps: [{ name: "a" }, { name: "b", site: { minTlsVersion: "1.3" } }],
      },
      "f.yaml",
      { AZURE_SUBSCRIPTION_ID: SUB },
    );
    expect(c.apps.map((a) => a.site)).toEqual([
      { httpsOnly: true, minTlsVersion: "1.2" },
      { httpsOnly: true, minTlsVersion: "1.3" },
    ]);
  });
});
