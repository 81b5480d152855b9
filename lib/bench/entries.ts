import { join } from "node:path";
import { TSX } from "../demo/emulator-process.ts";
import { REPO_ROOT } from "./compile-dist.ts";

/** The bench's own child processes (lib/bench/<name>.ts), compiled with the tool when the bench runs from a build. */
export const BENCH_PROCESSES = ["baseline-process", "az-baseline-process"] as const;
export type BenchProcess = (typeof BENCH_PROCESSES)[number];

/** How the bench starts a child: a script of the tool, or one of its own processes. */
export interface Entries {
  /** `node`, or tsx with `--tsx`: what the report says ran. */
  runtime: "node" | "tsx";
  script(name: string): string[];
  process(name: BenchProcess): string[];
}

/** From the compiled build (compile-dist.ts): `node <dist>/scripts/<name>.js`, as an installed user runs the CLI. */
export function distEntries(dist: string): Entries {
  return {
    runtime: "node",
    script: (name) => [process.execPath, join(dist, "scripts", `${name}.js`)],
    process: (name) => [process.execPath, join(dist, "lib/bench", `${name}.js`)],
  };
}

/** From the sources through tsx (`--tsx`). */
export function tsxEntries(): Entries {
  return {
    runtime: "tsx",
    script: (name) => [TSX, join(REPO_ROOT, "scripts", `${name}.ts`)],
    process: (name) => [TSX, join(REPO_ROOT, "lib/bench", `${name}.ts`)],
  };
}
