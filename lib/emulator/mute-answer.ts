import type { Ctx } from "./http.ts";

/**
 * A `drop` fault (faults.ts): the request is served as usual, but its answer never leaves. Node sends the status line
 * and headers only with the first body chunk or `end`, so replacing both with a socket teardown loses the whole
 * answer; the request log keeps the status the service chose, because the write did happen.
 */
export function muteAnswer(ctx: Ctx): void {
  const teardown = () => {
    ctx.req.socket.destroy();
    return true;
  };
  ctx.res.write = teardown as typeof ctx.res.write;
  ctx.res.end = (() => {
    teardown();
    return ctx.res;
  }) as typeof ctx.res.end;
}
