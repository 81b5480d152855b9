import { rmSync } from "node:fs";
import { join } from "node:path";
import { compileDist } from "../../../lib/bench/compile-dist.ts";
import { REPO } from "./commands.ts";

/**
 * Vitest global setup of the chaos suites: compiles the tool once (what `npm pack` ships, tsconfig.build.json) so
 * the hundreds of child processes start as plain `node` (about a third of tsx's start-up CPU on this machine).
 * Under node_modules so the compiled files resolve the same packages. `CHAOS_TSX=1` runs the sources through tsx.
 */
export const CHAOS_DIST = join(REPO, "node_modules/.cache/easyauth-chaos-dist");

export default function setup(): () => void {
  if (process.env.CHAOS_TSX) return () => undefined;
  compileDist(CHAOS_DIST);
  return () => rmSync(CHAOS_DIST, { recursive: true, force: true });
}
