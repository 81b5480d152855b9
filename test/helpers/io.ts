import { Writable } from "node:stream";
import type { CommandIo } from "../../lib/cli/common.ts";

export interface CapturedIo extends CommandIo {
  out(): string;
  err(): string;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        chunks.push(String(chunk));
        cb();
      },
    }),
    text: () => chunks.join(""),
  };
}

/** In-process command I/O: captured stdout/stderr, a chosen env, and a scripted answer to the confirmation prompt. */
export function captureIo(env: NodeJS.ProcessEnv, opts: { tty?: boolean; answer?: boolean } = {}): CapturedIo {
  const out = sink();
  const err = sink();
  return {
    env,
    stdout: out.stream,
    stderr: err.stream,
    stdinIsTTY: Boolean(opts.tty),
    color: false,
    confirm: async () => Boolean(opts.answer),
    out: out.text,
    err: err.text,
  };
}
