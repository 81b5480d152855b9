import { fileURLToPath } from "node:url";
import type { CommandIo } from "../../../lib/cli/common.ts";
import type { Command, RunOverrides } from "../../../lib/commands/run-kinds.ts";

/**
 * The one table the chaos suites drive: every writing command, how its world is prepared before the trials, and the
 * flags it needs. A new command (or a kind with its own command) is covered by adding one entry; crash.test.ts fails
 * when a kind's command in lib/resources/index.ts has none.
 */
export interface ChaosCommand {
  name: string;
  /** Flags after `--config`; `{dir}` is the trial's own folder (backups). */
  args: string[];
  /** Commands run in process, in order, before the world is saved: what the command depends on. */
  prepare: { name: string; args?: string[]; overrides?: RunOverrides }[];
}

/** Keys made "long ago" (the clock of that run is 2020), so every trial rotates them with an overlap window. */
const OLD_KEYS = { name: "rotate-keys", args: ["--yes"], overrides: { now: () => new Date("2020-01-01T00:00:00Z") } };

export const CHAOS_COMMANDS: readonly ChaosCommand[] = [
  { name: "update-manifest", args: ["--yes"], prepare: [] },
  { name: "configure-auth", args: ["--yes", "--backup-dir", "{dir}/backups"], prepare: [{ name: "update-manifest" }] },
  { name: "configure-site", args: ["--yes"], prepare: [] },
  // Easy Auth configured first, so the client secrets rotate-keys also renews have their registration and setting.
  {
    name: "rotate-keys",
    args: ["--yes"],
    prepare: [
      { name: "update-manifest" },
      { name: "configure-auth", args: ["--yes", "--backup-dir", "{tmp}"] },
      OLD_KEYS,
    ],
  },
  { name: "apply", args: ["--yes", "--backup-dir", "{dir}/backups"], prepare: [OLD_KEYS] },
];

export const REPO = fileURLToPath(new URL("../../..", import.meta.url));

/** The command's in-process entry (lib/commands/<name>.ts exports one Command). */
export async function commandFn(name: string): Promise<Command> {
  const mod = (await import(`../../../lib/commands/${name}.ts`)) as Record<string, unknown>;
  const fn = Object.values(mod).find((v): v is Command => typeof v === "function");
  if (!fn) throw new Error(`lib/commands/${name}.ts exports no command`);
  return fn;
}

/**
 * Back-offs of in-process runs, shortened (the kinds' RunTuning, as their own tests do): the emulator is consistent at
 * once, so waiting seconds between re-reads only slows the hundreds of trials. Child processes keep the defaults.
 */
const FAST: RunOverrides = {
  clientSecretVerify: { attempts: 5, delayMs: () => 50 },
  consistencyRetry: { attempts: 8, initialDelayMs: 20, maxDelayMs: 100 },
  hostRetry: { attempts: 2, baseMs: 10, maxMs: 20 },
};

export async function runInProcess(
  name: string,
  argv: string[],
  io: CommandIo,
  overrides?: RunOverrides,
): Promise<number> {
  return (await commandFn(name))(argv, io, { ...FAST, ...overrides });
}

export const withDir = (args: string[], dir: string) => args.map((a) => a.replaceAll("{dir}", dir));
