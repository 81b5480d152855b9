import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CHAOS_DIST } from "./build.ts";
import { REPO } from "./commands.ts";

export interface Child {
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** SIGKILL to the whole process group: no exit handler, no flush, as a crash or an OOM kill. */
  kill(): void;
}

/** The compiled script (build.ts), else `node --import tsx scripts/<name>.ts` (what `npx tsx` runs, without npx). */
function entry(name: string): string[] {
  const compiled = join(CHAOS_DIST, "scripts", `${name}.js`);
  return !process.env.CHAOS_TSX && existsSync(compiled)
    ? [compiled]
    : ["--import", "tsx", join("scripts", `${name}.ts`)];
}

/** Starts a script in its own process group. */
export function startScript(name: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, [...entry(name), ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return {
    pid: child.pid!,
    exited,
    kill: () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    },
  };
}
