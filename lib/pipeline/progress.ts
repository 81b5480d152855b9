/**
 * Progress on stderr: one live, rewritten line on a terminal; plain lines otherwise (CI logs, pipes).
 * Results never go here; they go to stdout.
 */
export function progressReporter(
  stderr: NodeJS.WritableStream,
  tty: boolean,
  width = 120,
): { line(text: string): void; done(): void } {
  let live = false;
  return {
    line(text) {
      if (!tty) return void stderr.write(`${text}\n`);
      // One column short of the width: writing the last column wraps some terminals to a new line.
      stderr.write(`\r\x1b[2K${text.slice(0, width - 1)}`);
      live = true;
    },
    done() {
      if (live) stderr.write("\r\x1b[2K");
      live = false;
    },
  };
}
