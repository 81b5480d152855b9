import { describe, expect, test } from "vitest";
import { terminalTraits } from "../../lib/cli/terminal.ts";
import { runOptions, type CommandIo } from "../../lib/cli/common.ts";
import { progressReporter } from "../../lib/pipeline/progress.ts";
import { Writable } from "node:stream";

const tty = { isTTY: true, columns: 60 };
const pipe = { isTTY: false };

describe("terminal traits: NO_COLOR, FORCE_COLOR, --no-color, TERM=dumb and the width", () => {
  test.each([
    [{}, tty, tty, { color: true, live: true, width: 60 }],
    [{ NO_COLOR: "1" }, tty, tty, { color: false, live: true, width: 60 }],
    [{ FORCE_COLOR: "1" }, pipe, pipe, { color: true, live: false, width: 120 }],
    [{ FORCE_COLOR: "0" }, pipe, pipe, { color: false, live: false, width: 120 }],
    [{ FORCE_COLOR: "1", NO_COLOR: "1" }, tty, tty, { color: false, live: true, width: 60 }],
    [{ TERM: "dumb" }, tty, tty, { color: false, live: false, width: 60 }],
  ])("%j, stdout %j → %j", (env, stdout, stderr, want) => {
    expect(terminalTraits(env, stdout, stderr)).toEqual(want);
  });

  test("--no-color and --json turn colour off whatever the terminal says", () => {
    const io = { color: true } as CommandIo;
    const base = { "dry-run": true, yes: false, json: false, "detailed-exitcode": false };
    expect(runOptions({ ...base }, io).color).toBe(true);
    expect(runOptions({ ...base, "no-color": true }, io).color).toBe(false);
    expect(runOptions({ ...base, json: true }, io).color).toBe(false);
  });

  test("the live progress line is cut to the terminal's width", () => {
    const chunks: string[] = [];
    const stderr = new Writable({
      write(c, _e, cb) {
        chunks.push(String(c));
        cb();
      },
    });
    progressReporter(stderr, true, 30).line("x".repeat(200));
    expect(chunks[0]).toBe(`\r\x1b[2K${"x".repeat(29)}`);
  });
});
