/**
 * What the terminal can show, from the conventions other CLIs follow: NO_COLOR (https://no-color.org) and
 * `--no-color` turn colour off, FORCE_COLOR (as chalk and Node read it) turns it on even when piped, TERM=dumb means
 * no escape sequences at all (no colour, no live progress line).
 */
export interface TerminalTraits {
  color: boolean;
  /** Progress may rewrite one live line. */
  live: boolean;
  /** Columns of stderr, for the live line. */
  width: number;
}

export function terminalTraits(
  env: NodeJS.ProcessEnv,
  stdout: { isTTY?: boolean },
  stderr: { isTTY?: boolean; columns?: number },
): TerminalTraits {
  const dumb = env.TERM === "dumb";
  const force = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false";
  const color = !env.NO_COLOR && (force || (Boolean(stdout.isTTY) && !dumb));
  return { color, live: Boolean(stderr.isTTY) && !dumb, width: Math.max(20, stderr.columns ?? 120) };
}
