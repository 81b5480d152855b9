import type { ArmClient } from "../azure/arm-client.ts";
import type { GraphApi } from "../azure/graph-client.ts";
import type { KeyVaultSecrets } from "../azure/keyvault-client.ts";
import { InternalError } from "../errors.ts";

/** Requests made, by ARM bucket: a POST `…/list` changes nothing but is counted on the write bucket (docs/contracts/arm.md §4.1). */
export interface RequestCounter {
  reads: number;
  writeBucket: number;
}

export const newCounter = (): RequestCounter => ({ reads: 0, writeBucket: 0 });

// The read-only POSTs audit makes: app settings, the V1 document, and the Functions keys. Each ends in /list or
// /listkeys; nothing else may be POSTed.
const READ_POST = /\/(list|listkeys)$/i;

const refuse = (what: string): never => {
  throw new InternalError(`audit is read-only, but a ${what} was attempted`);
};

/**
 * The kinds' clients with every write refused and every request counted: the observers audit calls are read-only by
 * contract, and this makes that a property of the run, not a promise.
 */
export function readOnlyArm(arm: ArmClient, count: RequestCounter): ArmClient {
  return {
    get: (p) => {
      count.reads++;
      return arm.get(p);
    },
    post: (p, b) => {
      if (!READ_POST.test(p)) refuse(`POST ${p}`);
      count.writeBucket++;
      return arm.post(p, b);
    },
    put: (p) => refuse(`PUT ${p}`),
    patch: (p) => refuse(`PATCH ${p}`),
    delete: (p) => refuse(`DELETE ${p}`),
  };
}

export function readOnlyGraph(graph: GraphApi, count: RequestCounter): GraphApi {
  return {
    get: (p, q) => {
      count.reads++;
      return graph.get(p, q);
    },
    // Each page is a request; the first is counted here, the rest are rare at fleet sizes.
    list: (p, q) => {
      count.reads++;
      return graph.list(p, q);
    },
    patch: (p) => refuse(`Graph PATCH ${p}`),
    postOnce: (p) => refuse(`Graph POST ${p}`),
    delete: (p) => refuse(`Graph DELETE ${p}`),
  };
}

export function readOnlyVault(kv: KeyVaultSecrets, count: RequestCounter): KeyVaultSecrets {
  return {
    vaultUrl: kv.vaultUrl,
    latest: (n) => {
      count.reads++;
      return kv.latest(n);
    },
    version: (n, v) => {
      count.reads++;
      return kv.version(n, v);
    },
    set: (n) => refuse(`Key Vault set of ${n}`),
  };
}
