import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, isAbsolute, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pixelmatch from "pixelmatch";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { PNG } from "pngjs";
import type { Log as SarifLog } from "sarif";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditReport, Finding } from "../../lib/audit/finding.ts";
import { buildGrid } from "../../lib/audit/html/grid.ts";
import { renderHtmlReport } from "../../lib/audit/html/report.ts";
import { auditCommand } from "../../lib/commands/audit.ts";
import { CANARY, sampleReport, XSS_APP } from "../helpers/audit-report-fixture.ts";
import { emulatorEnv } from "../helpers/emulator.ts";
import { type FleetFixture, startFleetFixture } from "../helpers/fleet-fixture.ts";
import { captureIo } from "../helpers/io.ts";
import { sarifValidator } from "../helpers/sarif-schema.ts";
import { RG, SUB } from "../helpers/seeds.ts";

/** CHROMIUM_PATH, then Debian's /usr/bin/chromium, then the usual names on PATH. */
function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "chromium-browser", "google-chrome"];
  for (const c of candidates) {
    if (!c) continue;
    if (isAbsolute(c)) {
      if (existsSync(c)) return c;
      continue;
    }
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      if (dir && existsSync(join(dir, c))) return join(dir, c);
    }
  }
  return undefined;
}

const executablePath = findChromium();
const requireBrowser = process.env.REQUIRE_BROWSER === "1";
const SKIP_REASON =
  "no Chromium found (set CHROMIUM_PATH, or install Debian's chromium); REQUIRE_BROWSER=1 makes this fail";
// Vitest's default reporter lists no skipped test names: say it where a run shows it.
if (!executablePath && !requireBrowser)
  console.warn(`test/e2e/audit-html.test.ts: browser tests skipped: ${SKIP_REASON}`);
const BASELINE = fileURLToPath(new URL("./__screenshots__/audit-html-report.png", import.meta.url));
const VIEWPORT = { width: 1100, height: 800 };
/**
 * Share of pixels allowed to differ: room for anti-aliasing between Chromium builds, yet below what recolouring the
 * three medium cells and badges changes (about 4,000 of 1.39 million pixels, 0.29%). Same build, same fonts: 0.
 */
const MAX_DIFF_RATIO = 0.001;

describe("renderHtmlReport: the page as text", () => {
  const page = renderHtmlReport(sampleReport());

  it("escapes every value: markup in an app name or evidence stays text", () => {
    expect(page).not.toContain("<script>window.__pwned");
    expect(page).not.toContain("<img src=x");
    expect(page).toContain("&#60;script&#62;window.__pwned=1&#60;/script&#62;func-x");
    expect(page.match(/<script>/g)).toHaveLength(1); // ours, nothing else
  });

  it("is self-contained: no external reference, and a CSP that allows only its own style and script", () => {
    expect(page).not.toMatch(/<[a-z][^>]*\s(src|href|srcset|action)=/i);
    expect(page).not.toMatch(/@import|url\(/i);
    const csp = page.match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1] ?? "";
    expect(csp).toContain("default-src &#39;none&#39;");
    const script = page.match(/<script>([\s\S]*?)<\/script>/)?.[1] ?? "";
    const style = page.match(/<style>([\s\S]*?)<\/style>/)?.[1] ?? "";
    const hash = (s: string) => createHash("sha256").update(s).digest("base64");
    expect(csp).toContain(`script-src &#39;sha256-${hash(script)}&#39;`);
    expect(csp).toContain(`style-src &#39;sha256-${hash(style)}&#39;`);
  });

  it("never shows a raw observation: the canary on the objects is absent", () => {
    expect(JSON.stringify(sampleReport())).toContain(CANARY);
    expect(page).not.toContain(CANARY);
  });

  it("is deterministic", () => {
    expect(renderHtmlReport(sampleReport())).toBe(page);
  });

  it("puts a finding on its target's row: by label, else by app and slot, else appended, never dropped", () => {
    const report = sampleReport();
    const base = report.findings[1] as Finding;
    report.findings = [
      { ...base, target: { label: "func-b key greeting/apim", app: "func-b", key: "greeting/apim" } },
      { ...base, target: { label: "func-unlisted", app: "func-unlisted" } },
    ];
    const grid = buildGrid(report);
    expect(grid.rows.find((r) => r.target.label === "func-b")?.findings).toHaveLength(1);
    expect(grid.rows.find((r) => r.target.label === "func-unlisted")?.findings).toHaveLength(1);
    expect(grid.rows).toHaveLength(report.targets.length + 1);
    expect(grid.columns.map((c) => c.id)).toEqual(["EA020"]);
  });
});

describe.runIf(!executablePath && requireBrowser)("audit HTML report: browser required", () => {
  it("REQUIRE_BROWSER=1 needs a Chromium", () => {
    throw new Error(`REQUIRE_BROWSER=1 but ${SKIP_REASON.split(";")[0]}`);
  });
});

describe.skipIf(!executablePath)(
  executablePath
    ? "audit HTML report in headless Chromium"
    : `audit HTML report in headless Chromium: skipped, ${SKIP_REASON}`,
  () => {
    let browser: Browser;
    let dir: string;
    let reportUrl: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "audit-html-"));
      const file = join(dir, "audit.html");
      writeFileSync(file, renderHtmlReport(sampleReport()));
      reportUrl = pathToFileURL(file).href;
      browser = await chromium.launch({ executablePath, args: ["--font-render-hinting=none"] });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** A fresh page that counts every request but its own document, both by route interception and by event. */
    async function open(url = reportUrl, javaScriptEnabled = true) {
      const context: BrowserContext = await browser.newContext({
        viewport: VIEWPORT,
        deviceScaleFactor: 1,
        colorScheme: "light",
        reducedMotion: "reduce",
        locale: "en-US",
        timezoneId: "UTC",
        javaScriptEnabled,
      });
      const routed: string[] = [];
      // Playwright routes file:// loads too: the page itself is let through, anything else is counted and aborted.
      await context.route("**/*", (route) => {
        if (route.request().url() === url) return route.continue();
        routed.push(route.request().url());
        return route.abort();
      });
      const page: Page = await context.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      page.on("request", (r) => {
        if (r.url() !== url) requests.push(r.url());
      });
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      await page.goto(url);
      return { context, page, routed, requests, errors };
    }

    const visibleLabels = (page: Page) =>
      page.$$eval("#grid tbody tr[data-row]", (rows) =>
        rows.filter((r) => !(r as HTMLElement).hidden).map((r) => r.querySelector("th")?.textContent ?? ""),
      );

    it("renders one row per target, worst first, and a coloured, lettered cell per finding", async () => {
      const { context, page, errors } = await open();
      expect(await visibleLabels(page)).toEqual([
        "func-a",
        "func-a/staging",
        "application 'api-a'",
        "func-b",
        XSS_APP,
        "func-clean",
      ]);
      const columns = await page.$$eval("#grid thead th[data-area]", (ths) => ths.map((th) => th.textContent));
      expect(columns).toEqual(["EA001", "EA002", "EA010", "EA030", "EA020", "EA040"]); // EA050 never fired
      const cell = page.locator("#grid tbody tr", { hasText: "func-a/staging" }).locator("td[data-check='EA002']");
      expect(await cell.getAttribute("class")).toContain("sev-high");
      expect((await cell.textContent())?.trim()).toBe("H high");
      const bg = await cell.evaluate((el) => getComputedStyle(el).backgroundColor);
      expect(bg).toBe("rgb(220, 38, 38)");
      expect(
        await page
          .locator("#grid tbody tr", { hasText: "func-clean" })
          .locator("td.sev-critical, td.sev-high, td.sev-medium, td.sev-low, td.sev-info")
          .count(),
      ).toBe(0);
      expect(await page.locator(".counts li[data-severity='medium']").textContent()).toContain("2 medium");
      expect(await page.locator("#errors").textContent()).toContain("func-gone");
      expect(errors).toEqual([]);
      await context.close();
    });

    it("shows the <script> app name as text and runs nothing from the report", async () => {
      const { context, page } = await open();
      expect(await page.locator(`#grid tbody th button`, { hasText: "__pwned" }).textContent()).toBe(XSS_APP);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.evaluate(() => document.scripts.length)).toBe(1);
      expect(await page.locator("img").count()).toBe(0);
      await context.close();
    });

    it("filters by app name, by severity and by area", async () => {
      const { context, page } = await open();
      await page.fill("#f-search", "STAGING");
      expect(await visibleLabels(page)).toEqual(["func-a/staging"]);
      expect(await page.textContent("#shown-count")).toBe("1 of 6 targets shown");
      await page.fill("#f-search", "");
      await page.selectOption("#f-severity", "high");
      expect(await visibleLabels(page)).toEqual(["func-a", "func-a/staging"]);
      await page.selectOption("#f-severity", "all");
      await page.selectOption("#f-area", "keys");
      expect(await visibleLabels(page)).toEqual(["func-b"]);
      const shownColumns = await page.$$eval("#grid thead th[data-area]", (ths) =>
        ths.filter((th) => !(th as HTMLElement).hidden).map((th) => th.textContent),
      );
      expect(shownColumns).toEqual(["EA030"]);
      await page.selectOption("#f-area", "all");
      expect(await visibleLabels(page)).toHaveLength(6);
      await context.close();
    });

    it("opens one target's drill-down on click with message, evidence, fix, command and config line", async () => {
      const { context, page } = await open();
      expect(await page.locator(".drill:visible").count()).toBe(0);
      const opener = page.locator("#grid tbody th button", { hasText: /^func-a$/ });
      await opener.click();
      const drill = page.locator(".drill:visible");
      expect(await drill.count()).toBe(1);
      const text = (await drill.textContent()) ?? "";
      expect(text).toContain("EA001: Easy Auth is off on an API");
      expect(text).toContain("Easy Auth is disabled on func-a.");
      expect(text).toContain("platform.enabled");
      expect(text).toContain("Set apps[0].auth.enabled: true.");
      expect(text).toContain("tsx scripts/configure-auth.ts --config config/fleet.yaml --app func-a");
      expect(text).toContain("config/fleet.yaml:12");
      expect(text).toContain("EA020: FTPS allowed");
      expect(text).not.toContain("func-a/staging allows anonymous");
      expect(await opener.getAttribute("aria-expanded")).toBe("true");
      await page.locator("#grid tbody th button", { hasText: "func-b" }).click();
      expect(await page.locator(".drill:visible").count()).toBe(1);
      expect(await page.locator(".drill:visible").textContent()).toContain("greeting/apim is 120 days old");
      expect(await opener.getAttribute("aria-expanded")).toBe("false");
      await page.locator(".drill:visible button[data-close]").click();
      expect(await page.locator(".drill:visible").count()).toBe(0);
      await context.close();
    });

    it("without JavaScript every drill-down is shown and the filters are not", async () => {
      const { context, page } = await open(reportUrl, false);
      expect(await page.locator(".drill:visible").count()).toBe(6);
      expect(await page.locator("#filters").isVisible()).toBe(false);
      await context.close();
    });

    it("no request leaves the page, while the same counters do see one from a page that makes it", async () => {
      const { context, page, routed, requests } = await open();
      await page.locator("#grid tbody th button", { hasText: "api-a" }).click();
      await page.fill("#f-search", "func");
      await page.selectOption("#f-area", "site");
      expect(routed).toEqual([]);
      expect(requests).toEqual([]);
      await context.close();

      // The control: the counters are not blind on file:// pages.
      const control = join(dir, "control.html");
      writeFileSync(control, `<!doctype html><img src="https://203.0.113.9/pixel.png" alt="">`);
      const c = await open(pathToFileURL(control).href);
      await c.page.waitForLoadState("load");
      expect(c.routed).toEqual(["https://203.0.113.9/pixel.png"]);
      await c.context.close();
    });

    it("looks like the committed screenshot (drill-down of the worst target open)", async () => {
      const { context, page } = await open();
      await page.locator("#grid tbody th button", { hasText: /^func-a$/ }).click();
      await page.evaluate(() => window.scrollTo(0, 0));
      const shot = await page.screenshot({ fullPage: true, animations: "disabled", caret: "hide" });
      await context.close();
      if (process.env.UPDATE_SCREENSHOTS === "1") {
        mkdirSync(join(BASELINE, ".."), { recursive: true });
        writeFileSync(BASELINE, shot);
        return;
      }
      if (!existsSync(BASELINE))
        throw new Error(`no baseline ${BASELINE}: run with UPDATE_SCREENSHOTS=1, review it, commit it`);
      const expected = PNG.sync.read(readFileSync(BASELINE));
      const actual = PNG.sync.read(shot);
      const diff = new PNG({ width: expected.width, height: expected.height });
      expect({ width: actual.width, height: actual.height }).toEqual({
        width: expected.width,
        height: expected.height,
      });
      const differing = pixelmatch(expected.data, actual.data, diff.data, expected.width, expected.height, {
        threshold: 0.1,
      });
      const ratio = differing / (expected.width * expected.height);
      if (ratio > MAX_DIFF_RATIO) {
        const out = join(tmpdir(), "audit-html-screenshot");
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, "actual.png"), shot);
        writeFileSync(join(out, "diff.png"), PNG.sync.write(diff));
        throw new Error(`${differing} pixels (${(ratio * 100).toFixed(2)}%) differ from the baseline; see ${out}`);
      }
      expect(ratio).toBeLessThanOrEqual(MAX_DIFF_RATIO);
    });
  },
);

// The real command end to end: audit over an emulated fleet, its --sarif and --html files checked like the fixture's.
const PLAIN_SECRET = "audit-html-canary-plain-secret-4c1d";

const world = {
  subscriptions: [
    {
      subscriptionId: SUB,
      resourceGroups: [
        {
          name: RG,
          sites: [
            {
              name: "func-open",
              httpsOnly: false,
              siteConfig: { minTlsVersion: "1.0", scmMinTlsVersion: "1.2", ftpsState: "AllAllowed" },
              appSettings: { AAD_SECRET: PLAIN_SECRET },
              functions: { orders: {} },
            },
            {
              name: "func-tidy",
              httpsOnly: true,
              siteConfig: { minTlsVersion: "1.2", scmMinTlsVersion: "1.2", ftpsState: "Disabled" },
              functions: { report: {} },
            },
          ],
        },
      ],
    },
  ],
};
const fleet = {
  defaults: { subscriptionId: SUB, resourceGroup: RG },
  apps: [{ name: "func-open" }, { name: "func-tidy" }],
};

describe("audit --sarif --html against the emulator", () => {
  let fx: FleetFixture;
  let report: AuditReport;
  let sarif: string;
  let page: string;

  beforeAll(async () => {
    fx = await startFleetFixture("audit-html", world, fleet);
    const io = captureIo(emulatorEnv(fx.emu));
    const cwd = process.cwd();
    // The SARIF's URIs are relative to the working directory, the repository root in CI: here, the fixture's folder.
    process.chdir(fx.dir);
    try {
      const argv = ["--config", fx.configFile, "--json", "--sarif", "out.sarif", "--html", "out.html"];
      const code = await auditCommand(argv, io);
      expect(code, io.err()).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    report = JSON.parse(io.out()) as AuditReport;
    sarif = readFileSync(join(fx.dir, "out.sarif"), "utf8");
    page = readFileSync(join(fx.dir, "out.html"), "utf8");
  }, 120_000);
  afterAll(() => fx?.emu.close());

  it("writes SARIF that validates, one result per finding, located at the fleet config's lines", () => {
    expect(report.findings.length).toBeGreaterThan(2);
    const log = JSON.parse(sarif) as SarifLog;
    const validate = sarifValidator();
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const results = log.runs[0]?.results ?? [];
    expect(results).toHaveLength(report.findings.length);
    const lines = readFileSync(fx.configFile, "utf8").split("\n");
    for (const r of results) {
      const phys = r.locations?.[0]?.physicalLocation;
      expect(phys?.artifactLocation?.uri).toBe("fleet.yaml");
      expect(lines[(phys?.region?.startLine ?? 0) - 1]).toBeDefined();
    }
    expect(new Set(results.map((r) => r.ruleId))).toEqual(new Set(report.findings.map((f) => f.checkId)));
  });

  it("writes an HTML report whose grid has a row per target; no secret value in either file", async () => {
    for (const out of [sarif, page]) expect(out).not.toContain(PLAIN_SECRET);
    expect(page.match(/<tr data-row=/g)).toHaveLength(report.targets.length);
    if (!executablePath) return; // the browser half: skipped (see above) without a Chromium
    const browser = await chromium.launch({ executablePath });
    try {
      const tab = await browser.newPage({ viewport: VIEWPORT });
      await tab.goto(pathToFileURL(join(fx.dir, "out.html")).href);
      const labels = await tab.$$eval("#grid tbody th", (ths) => ths.map((th) => th.textContent));
      expect(labels.sort()).toEqual(report.targets.map((t) => t.label).sort());
      const fired = await tab.$$eval("#grid thead th[data-area]", (ths) => ths.map((th) => th.textContent));
      expect(fired.sort()).toEqual([...new Set(report.findings.map((f) => f.checkId))].sort());
      await tab.locator("#grid tbody th button", { hasText: "func-open" }).click();
      expect(await tab.locator(".drill:visible").textContent()).toContain("func-open");
    } finally {
      await browser.close();
    }
  }, 60_000);
});
