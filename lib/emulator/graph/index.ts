import type { Directory } from "../directory.ts";
import type { MountedService } from "../server.ts";

export interface GraphOptions {
  /** How long a newly created object stays invisible to reads (eventual consistency). */
  visibilityDelayMs?: number;
  /** Verified domains of the tenant; identifierUris on other hosts (except api://{appId}) are refused. */
  verifiedDomains?: string[];
  pageSize?: number;
}

// Placeholder until the Graph part lands: answers 501 for every Graph path.
export function createGraphService(_dir: Directory, _baseUrl: () => string, _opts: GraphOptions = {}): MountedService {
  return {
    name: "graph",
    prefix: /^\/(v1\.0|beta)(\/|$)/i,
    async handle(ctx) {
      ctx.status = 501;
      ctx.res.writeHead(501).end();
    },
    fail(ctx, status) {
      ctx.status = status;
      ctx.res.writeHead(status).end();
    },
  };
}
