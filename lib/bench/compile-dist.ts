import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { InternalError } from "../errors.ts";

/** The repository root (this file is lib/bench/compile-dist.ts). */
export const REPO_ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Compiles the tool as `npm pack` ships it (tsconfig.build.json: bin/easyauth-fleet.ts and the scripts it loads) into
 * `outDir`, plus `extraEntries` (repo-relative .ts files the package does not ship, such as the bench's baseline
 * processes). `outDir` must be under node_modules/ so that the compiled files resolve the same packages. Children then
 * start as plain `node`, without tsx's transform on every start-up. Throws when nothing was written.
 */
export function compileDist(outDir: string, extraEntries: readonly string[] = []): void {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  let project = join(REPO_ROOT, "tsconfig.build.json");
  const extras = extraEntries.filter((f) => existsSync(join(REPO_ROOT, f)));
  if (extras.length) {
    // `tsc -p` takes no extra files on its command line: a config extending the build's adds them to its include.
    project = join(dirname(outDir), `${relative(dirname(outDir), outDir)}.tsconfig.json`);
    const rel = (f: string) => relative(dirname(project), join(REPO_ROOT, f));
    writeFileSync(
      project,
      JSON.stringify({
        extends: rel("tsconfig.build.json"),
        include: [rel("bin/easyauth-fleet.ts"), ...extras.map(rel)],
      }),
    );
  }
  // Type errors elsewhere in a tree being edited do not stop tsc emitting; a missing output does (checked below).
  spawnSync(join(REPO_ROOT, "node_modules/.bin/tsc"), ["-p", project, "--outDir", outDir], {
    cwd: REPO_ROOT,
    stdio: "ignore",
  });
  if (extras.length) rmSync(project, { force: true });
  if (!existsSync(join(outDir, "scripts")))
    throw new InternalError(`tsc -p tsconfig.build.json wrote nothing to ${outDir}`);
}
