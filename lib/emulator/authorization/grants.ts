import { z } from "zod";
import type { TokenClaims } from "../http.ts";

/**
 * What one signed-in client may do, per service, as its role assignments (ARM), application permissions (Graph) and
 * Key Vault data-plane role assignments would allow. A client with no entry is unrestricted, so tests and the demo
 * that do not care about permissions run as an owner would.
 */
const armAssignment = z
  .object({
    /** RBAC actions; `*` is a wildcard (`Microsoft.Web/sites/*`, or `*` for all). */
    actions: z.array(z.string().min(1)),
    notActions: z.array(z.string().min(1)).default([]),
    /** Where the assignment is made: a subscription, resource group or resource id (prefix match). */
    scope: z.string().startsWith("/"),
  })
  .strict();

const keyVaultAssignment = z
  .object({
    dataActions: z.array(z.string().min(1)),
    /** The vault's name; absent = every vault. */
    vault: z.string().min(1).optional(),
  })
  .strict();

export const grantsSchema = z
  .object({
    arm: z.array(armAssignment).default([]),
    /** Application permissions granted to the client (`Application.ReadWrite.OwnedBy`). */
    graph: z.array(z.string().min(1)).default([]),
    keyVault: z.array(keyVaultAssignment).default([]),
  })
  .strict();

export type Grants = z.output<typeof grantsSchema>;

/** `*` matches any run of characters; actions compare case-insensitively, as RBAC does. */
export function actionMatches(pattern: string, action: string): boolean {
  const source = pattern
    .split("*")
    .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`, "i").test(action);
}

/** The caller's client id, as tokens name it (`appid` in v1 tokens, `azp` in v2). */
export function clientOf(principal: TokenClaims | undefined): string | undefined {
  const id = principal?.appid ?? principal?.azp;
  return typeof id === "string" ? id.toLowerCase() : undefined;
}

export class Authorization {
  private readonly byClient = new Map<string, Grants>();

  set(clientId: string, grants: unknown): Grants {
    const parsed = grantsSchema.parse(grants);
    this.byClient.set(clientId.toLowerCase(), parsed);
    return parsed;
  }

  remove(clientId: string): void {
    this.byClient.delete(clientId.toLowerCase());
  }

  clear(): void {
    this.byClient.clear();
  }

  list(): Record<string, Grants> {
    return Object.fromEntries(this.byClient);
  }

  /** The caller's grants, or undefined when the caller is unrestricted. */
  of(principal: TokenClaims | undefined): Grants | undefined {
    const id = clientOf(principal);
    return id ? this.byClient.get(id) : undefined;
  }
}
