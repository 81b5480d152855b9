import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { $ } from "zx";
import { TSX } from "./emulator-process.ts";
import { wrongAudienceCall } from "./greeting-calls.ts";

/**
 * The demo's explain-token step: the wrong-audience call of the greeting API, explained. The token goes through a
 * file in a private temp dir (never printed, removed after); explain-token's verdict must be the emulator's answer.
 */
export async function explainWrongAudience(env: NodeJS.ProcessEnv, config: string): Promise<boolean> {
  const { token, status, decision } = await wrongAudienceCall(env);
  const dir = mkdtempSync(join(tmpdir(), "demo-explain-"));
  const file = join(dir, "token.txt");
  writeFileSync(file, token, { mode: 0o600 });
  try {
    const args = [`@${file}`, "--app", "func-greeting", "--config", config, "--path", "/api/greeting"];
    process.stdout.write(`$ tsx scripts/explain-token.ts ${args.join(" ")}\n\n`);
    const shown = await $({
      env,
      stdio: ["ignore", "inherit", "inherit"],
      nothrow: true,
      quiet: true,
    })`${TSX} scripts/explain-token.ts ${args}`;
    const json = await $({ env, nothrow: true, quiet: true })`${TSX} scripts/explain-token.ts ${[...args, "--json"]}`;
    let verdict: number | undefined;
    try {
      verdict = (JSON.parse(json.stdout) as { verdict?: { status?: number } }).verdict?.status;
    } catch {
      verdict = undefined;
    }
    const same = verdict === status;
    process.stdout.write(
      `  ${same ? "✓" : "✗"} explain-token's verdict ${verdict ?? "(none)"}; the emulator answered ${status} to the same call (${decision})\n`,
    );
    return shown.exitCode === 0 && same;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
