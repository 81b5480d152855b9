import { issuerFor } from "../../azure/clouds.ts";
import { siteRefs } from "../../pipeline/app-targets.ts";
import type { AppConfig, RunContext } from "../../pipeline/contract.ts";
import { authKind } from "../../resources/auth/index.ts";
import { AUTH_RESOURCE, type AuthTarget } from "../../resources/auth/observe.ts";
import { UsageError } from "../../errors.ts";
import type { Explanation } from "./model.ts";
import { readEasyAuthSettings } from "./settings.ts";
import type { IssuerKeys } from "./signature.ts";
import { readToken, type TokenProblem } from "./token.ts";
import { walk, type SignatureCheck } from "./walk.ts";

export interface ExplainRequest {
  /** The token text (never printed, never kept). */
  token: string;
  app: AppConfig;
  /** A slot of the app; undefined or 'production' for the app itself. */
  slot?: string;
  path: string;
}

export interface ExplainResult extends Explanation {
  app: string;
  slot?: string;
  path: string;
  /** Set when the input is not a signed JWT: the verdict is what Easy Auth would answer, the command refuses it. */
  inputProblem?: { problem: TokenProblem; message: string };
}

/** The one app or slot the request goes to, as the auth kind's target. */
function targetOf(app: AppConfig, slot: string | undefined): AuthTarget {
  const want = slot && slot.toLowerCase() !== "production" ? slot : undefined;
  const ref = siteRefs(app, want ?? "production", [want])[0]!;
  if (want && !app.slots.some((s) => s.toLowerCase() === want.toLowerCase()))
    throw new UsageError(`--slot '${want}' is not a slot of ${app.name} (slots: ${app.slots.join(", ") || "none"}).`, {
      fix: `Add it to apps[${app.index}].slots, or pick one of the app's slots.`,
    });
  return { ref, resource: AUTH_RESOURCE, app };
}

/**
 * Reads the app's authsettingsV2 through the auth kind's own observer, checks the token's signature against its
 * issuer's keys, and walks the decision (walk.ts). Read-only: a GET of `authsettingsV2/list` and the issuer's
 * OpenID metadata and key set.
 */
export async function explainToken(run: RunContext, keys: IssuerKeys, req: ExplainRequest): Promise<ExplainResult> {
  const target = targetOf(req.app, req.slot);
  const observed = await authKind.bind(run).observe(target, { memo: (_key, read) => read() });
  const reading = readToken(req.token);
  const signature: SignatureCheck = reading.ok
    ? await keys.check(reading.token)
    : { status: "invalid", detail: reading.message };
  const tenant = observed.context.tenantId || run.tenantId;
  const explanation = walk({
    settings: readEasyAuthSettings(observed.properties),
    reading,
    signature,
    path: req.path,
    now: Math.floor(run.now().getTime() / 1000),
    tenantIssuers: [issuerFor(run.cloud, 1, tenant), issuerFor(run.cloud, 2, tenant)],
    ...(req.app.auth?.functions ? { functions: req.app.auth.functions } : {}),
    ...(req.app.auth ? { configPath: `apps[${req.app.index}].auth` } : {}),
  });
  return {
    app: req.app.name,
    ...(target.ref.slot ? { slot: target.ref.slot } : {}),
    path: req.path,
    ...(reading.ok ? {} : { inputProblem: { problem: reading.problem, message: reading.message } }),
    ...explanation,
  };
}
