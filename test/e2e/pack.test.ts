import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { $ } from "zx";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
const work = mkdtempSync(join(tmpdir(), "easyauth-pack-"));
// The children see no npm_* variables of an outer `npm test`: the pack and the install behave as typed in a shell.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

afterAll(() => rmSync(work, { recursive: true, force: true }));

// What a user gets: `npm pack` (prepack builds dist/ with tsc), installed in a clean folder outside the repository,
// with the package's dependencies only (no tsx, no TypeScript), then run through its bin.
describe("the packed package", () => {
  test("installs in a clean folder and runs easyauth-fleet configure-auth --help", async () => {
    const packed = await $({ quiet: true, env })`npm pack --json --pack-destination ${work}`;
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = info!.files.map((f) => f.path);
    expect(files).toContain("dist/bin/easyauth-fleet.js");
    expect(files).toContain("LICENSE");
    expect(files).toContain("CHANGELOG.md");
    expect(files.filter((f) => f.endsWith(".ts") || f.startsWith("test/"))).toEqual([]);

    const app = join(work, "app");
    await $({ quiet: true, env })`mkdir -p ${app}`;
    await $({
      quiet: true,
      env,
      cwd: app,
    })`npm install --no-audit --no-fund --loglevel=error ${join(work, info!.filename)}`;
    expect(existsSync(join(app, "node_modules", "tsx"))).toBe(false);
    expect(existsSync(join(app, "node_modules", "typescript"))).toBe(false);

    const bin = join(app, "node_modules", ".bin", "easyauth-fleet");
    const run = (args: string[]) => $({ quiet: true, nothrow: true, env, cwd: app })`${bin} ${args}`;

    const help = await run(["configure-auth", "--help"]);
    expect(help.stderr).toBe("");
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: easyauth-fleet configure-auth \[options\]/);
    expect(help.stdout).toMatch(/^ {2}easyauth-fleet configure-auth --config config\/fleet\.yaml --dry-run$/m);

    const list = await run(["--help"]);
    expect(list.exitCode).toBe(0);
    for (const c of [
      "configure-auth",
      "update-manifest",
      "configure-site",
      "rotate-keys",
      "apply",
      "audit",
      "explain-token",
      "export",
      "restore",
      "emulator",
    ])
      expect(list.stdout).toMatch(new RegExp(`^ {2}${c} `, "m"));

    for (const args of [["--version"], ["rotate-keys", "--version"]]) {
      const v = await run(args);
      expect(v.exitCode).toBe(0);
      expect(v.stdout).toBe(`${pkg.version}\n`);
    }

    const unknown = await run(["configure-auth", "--no-such-flag"]);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown option '--no-such-flag'\. Run 'easyauth-fleet configure-auth --help'/);

    // The emulator from the package: it prints its connection line (its CA made by the runtime dependencies).
    const emulator = $({ quiet: true, nothrow: true, env, cwd: app })`${bin} emulator --port 0`;
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      emulator.stdout.on("data", (chunk: Buffer) => {
        out += String(chunk);
        if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
      });
      void emulator.then((r) => reject(new Error(`emulator exited ${r.exitCode}: ${r.stderr}`)));
    });
    await emulator.kill("SIGTERM");
    const stopped = await emulator;
    expect((JSON.parse(line) as { env: Record<string, string> }).env.AZURE_TENANT_ID).toMatch(/^[0-9a-f-]{36}$/);
    expect(stopped.exitCode).toBe(0);
  }, 240_000);
});
