import type { Directory } from "../directory.ts";
import type { MountedService } from "../server.ts";

export interface KeyVaultOptions {
  pageSize?: number;
}

// Placeholder until the Key Vault part lands: answers 501 for every secrets path.
export function createKeyVaultService(_dir: Directory, _baseUrl: () => string, _opts: KeyVaultOptions = {}): MountedService {
  return {
    name: "keyvault",
    prefix: /^\/(secrets|deletedsecrets)(\/|$)/i,
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
