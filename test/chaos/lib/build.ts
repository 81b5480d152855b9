import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./commands.ts";

/**
 * Vitest global setup of the chaos suites: compiles the tool once (what `npm pack` ships, tsconfig.build.json) so
 * the hundreds of child processes start as plain `node` (about a third of tsx's start-up CPU on this machine).
 * Under node_modules so the compiled files resolve the same packages. `CHAOS_TSX=1` runs the sources through tsx.
 */
export const CHAOS_DIST = join(REPO, "node_modules/.cache/easyauth-chaos-dist");

export default function setup(): () => void {
  if (process.env.CHAOS_TSX) return () => undefined;
  rmSync(CHAOS_DIST, { recursive: true, force: true });
  // Type errors elsewhere in a tree being edited do not stop tsc emitting; a missing output does (checked per script).
  spawnSync(join(REPO, "node_modules/.bin/tsc"), ["-p", "tsconfig.build.json", "--outDir", CHAOS_DIST], {
    cwd: REPO,
    stdio: "ignore",
  });
  if (!existsSync(join(CHAOS_DIST, "scripts")))
    throw new Error(`tsc -p tsconfig.build.json wrote nothing to ${CHAOS_DIST}`);
  return () => rmSync(CHAOS_DIST, { recursive: true, force: true });
}
