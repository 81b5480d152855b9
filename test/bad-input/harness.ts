import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatError } from "../../lib/cli/main.ts";
import type { CommandIo } from "../../lib/cli/common.ts";
import type { Emulator } from "../../lib/emulator/index.ts";
import type { FaultInput } from "../../lib/emulator/faults.ts";
import type { LoggedRequest } from "../../lib/emulator/request-log.ts";
import { captureIo } from "../helpers/io.ts";

export type InProcessCommand = (argv: string[], io: CommandIo) => Promise<number>;

/** One hostile input: what is run, and the distinctive words its one message must hold. */
export interface BadInputCase {
  name: string;
  /** Which part of the corpus: config, flags, env, plan, server. */
  category: "config" | "flags" | "env" | "plan" | "server";
  command: InProcessCommand;
  /** The config file's content (written to a fresh folder); a function gets that folder and returns the path. */
  config?: string | Buffer | ((dir: string) => string);
  /** Flags after `--config <file>` (default `--yes`). */
  argv?: string[];
  /** The whole argv instead (no `--config` added), given the fresh folder and the config file's path. */
  rawArgv?: (dir: string, file: string) => string[];
  /** Changes to the emulator's environment (undefined deletes a variable). */
  env?: Record<string, string | undefined>;
  faults?: FaultInput[];
  /** Every one must match the output: the problem, and the fix. */
  expect: RegExp[];
}

export interface CaseResult {
  code: number;
  output: string;
  writes: LoggedRequest[];
}

/**
 * Writes that took effect: reads are GETs, the list POSTs ARM answers secrets-bearing documents with, and sign-ins;
 * a write the service refused (403, 409) or never answered changed nothing.
 */
const READ_POST = /\/(listkeys|list|listsyncfunctiontriggerstatus)$/i;
export const writesIn = (log: readonly LoggedRequest[]): LoggedRequest[] =>
  log.filter(
    (r) =>
      r.service !== "entra" &&
      r.service !== "admin" &&
      r.method !== "GET" &&
      !(r.method === "POST" && READ_POST.test(r.path)) &&
      r.status >= 200 &&
      r.status < 300,
  );

/** Runs one case in-process as the entry point would: a thrown error is printed by formatError and exits 1. */
export async function runCase(c: BadInputCase, emu: Emulator, baseEnv: Record<string, string>): Promise<CaseResult> {
  const dir = mkdtempSync(join(tmpdir(), "bad-input-"));
  let file = join(dir, "fleet.yaml");
  if (typeof c.config === "function") file = c.config(dir);
  else if (c.config !== undefined) writeFileSync(file, c.config);
  const env: Record<string, string> = { ...baseEnv };
  for (const [k, v] of Object.entries(c.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  emu.faults.clear();
  if (c.faults?.length) emu.faults.add(c.faults);
  emu.log.clear();
  const io = captureIo(env);
  const argv = c.rawArgv ? c.rawArgv(dir, file) : ["--config", file, ...(c.argv ?? ["--yes"])];
  let code: number;
  let thrown = "";
  try {
    code = await c.command(argv, io);
  } catch (e) {
    thrown = formatError(e);
    code = 1;
  }
  const writes = writesIn(emu.log.list());
  emu.faults.clear();
  return { code, output: [io.out(), io.err(), thrown].join("\n"), writes };
}

/** A stack trace line as Node prints them. */
export const STACK_LINE = /^\s+at .+[:(]/m;
