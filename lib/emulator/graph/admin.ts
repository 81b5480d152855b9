import { z } from "zod";
import { jsonBody, route, send, type Route } from "../http.ts";
import type { GraphState } from "./state.ts";

const optionsSchema = z
  .object({
    visibilityDelayMs: z.number().int().nonnegative(),
    verifiedDomains: z.array(z.string().min(1)).min(1),
    pageSize: z.number().int().min(1).max(999),
    nestedPatch: z.enum(["merge", "replace"]),
    defaultSignInAudience: z.enum([
      "AzureADMyOrg",
      "AzureADMultipleOrgs",
      "AzureADandPersonalMicrosoftAccount",
      "PersonalMicrosoftAccount",
    ]),
  })
  .partial()
  .strict();

/** `/_emulator/graph/*`: a view of the directory objects and the knobs tests turn at run time (no auth, loopback). */
export function graphAdminRoutes(state: GraphState): Route[] {
  return [
    route("GET", "/_emulator/graph/state", (ctx) => send(ctx, 200, state.snapshot())),
    route("GET", "/_emulator/graph/options", (ctx) => send(ctx, 200, state.settings)),
    route("PUT", "/_emulator/graph/options", (ctx) => {
      const parsed = optionsSchema.safeParse(jsonBody(ctx) ?? {});
      if (!parsed.success) return send(ctx, 400, { error: `Invalid Graph options: ${parsed.error.message}` });
      Object.assign(state.settings, Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)));
      send(ctx, 200, state.settings);
    }),
  ];
}
