import type { Checkpointable } from "./checkpoint.ts";
import type { Faults } from "./faults.ts";
import { jsonBody, route, send, type Route } from "./http.ts";
import type { RequestLog } from "./request-log.ts";

/**
 * Admin routes a crash or fault harness needs beside `/_emulator/faults`: release a held request, and save / restore
 * the whole state of every service so one emulator can run many trials from the same world.
 */
export function chaosAdminRoutes(faults: Faults, log: RequestLog, stores: () => Checkpointable[]): Route[] {
  const snapshots = new Map<string, () => void>();
  let next = 1;
  // A checkpoint's undo moves its saved copy into the live state, so each restore takes a fresh checkpoint at once.
  const take = () => stores().map((s) => s.checkpoint());
  return [
    route("POST", "/_emulator/faults/{id}/release", (ctx) => {
      const body = jsonBody<{ serve?: boolean }>(ctx);
      const released = faults.release(Number(ctx.params.id), body?.serve ? "serve" : "drop");
      send(ctx, released ? 204 : 404, released ? undefined : { error: `fault ${ctx.params.id} holds no request` });
    }),
    route("POST", "/_emulator/snapshots", (ctx) => {
      const id = String(next++);
      let undo = take();
      snapshots.set(id, () => {
        for (const u of undo) u();
        undo = take();
      });
      send(ctx, 201, { id });
    }),
    route("POST", "/_emulator/snapshots/{id}/restore", (ctx) => {
      const restore = snapshots.get(ctx.params.id ?? "");
      if (!restore) return send(ctx, 404, { error: `no snapshot ${ctx.params.id}` });
      // Held requests and faults belong to the trial that set them; a restored world starts without them.
      faults.clear();
      restore();
      log.clear();
      send(ctx, 204);
    }),
  ];
}
