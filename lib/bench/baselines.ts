import { createWebSiteManagement } from "@azure/arm-appservice/api";
import { ARM_API_VERSION } from "../azure/arm-client.ts";
import { createCredential } from "../azure/credential.ts";
import { endpointsFromEnv } from "../azure/endpoints.ts";
import { sitePath, type TargetRef } from "../azure/targets.ts";

/**
 * What platform teams run today, on the same fleet: per app, read the Easy Auth document and PUT the whole document
 * back with the desired properties laid over it, whether or not anything differs (no diff).
 *  - seed-style: one app after the other with no retries, as a shell loop of `az rest --method get` / `--method put`
 *    would (`az rest` sends each request once). The loop's per-call `az` start-up and token-cache read are not
 *    modelled: this in-process equivalent is faster than the real loop.
 *  - naive: every app at once through the SDK's own pipeline and its default retries (3, honouring Retry-After).
 */
export type BaselineMode = "seed-style" | "naive";

export interface BaselineJob {
  mode: BaselineMode;
  targets: TargetRef[];
  /** authsettingsV2 `properties` laid over what is read. */
  desired: Record<string, unknown>;
}

export interface BaselineResult {
  ops: number;
  failed: number;
  /** The first few failure messages, for the report. */
  errors: string[];
}

export async function runBaseline(job: BaselineJob, env: NodeJS.ProcessEnv): Promise<BaselineResult> {
  const endpoints = endpointsFromEnv(env);
  const client = createWebSiteManagement(createCredential("env", endpoints, env), "", {
    endpoint: endpoints.resourceManager,
    credentials: { scopes: [endpoints.armScope] },
    retryOptions: { maxRetries: job.mode === "naive" ? 3 : 0 },
  });
  const q = { queryParameters: { "api-version": ARM_API_VERSION } };
  const errors: string[] = [];
  let failed = 0;
  const one = async (t: TargetRef): Promise<void> => {
    const base = sitePath(t);
    try {
      const got = await client.path(`${base}/config/authsettingsV2/list`).get(q);
      if (Number(got.status) >= 300) throw new Error(`GET ${got.status}`);
      const doc = got.body as { properties?: Record<string, unknown> };
      const put = await client
        .path(`${base}/config/authsettingsV2`)
        .put({ ...q, contentType: "application/json", body: { properties: { ...doc.properties, ...job.desired } } });
      if (Number(put.status) >= 300) throw new Error(`PUT ${put.status}`);
    } catch (e) {
      failed++;
      if (errors.length < 3) errors.push(`${t.name}: ${(e as Error).message}`);
    }
  };
  if (job.mode === "naive") await Promise.all(job.targets.map(one));
  else for (const t of job.targets) await one(t);
  return { ops: job.targets.length, failed, errors };
}
