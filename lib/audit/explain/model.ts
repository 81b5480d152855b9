/** explain-token's result as a plain value: the steps in the platform's order and the verdict. */

export type StepId =
  | "platform"
  | "excluded-path"
  | "provider"
  | "signature"
  | "issuer"
  | "audience"
  | "lifetime"
  | "unauthenticated-action"
  | "allowed-applications"
  | "allowed-principals"
  | "claim-checks"
  | "function-requirement";

export type StepStatus = "pass" | "fail" | "skip";

export interface Step {
  id: StepId;
  title: string;
  status: StepStatus;
  /** The authsettingsV2 field (or config field) that decides the step. */
  setting: string;
  /** What was seen: setting values and non-secret claims, never the token. */
  detail: string;
  /** How to make the step pass, when it fails. */
  fix?: string;
}

/** What the platform answers: 200 (let through and accepted by the function), 401, 403, or 302 (login redirect). */
export interface Verdict {
  status: 200 | 302 | 401 | 403;
  /** The step that decided it. */
  decidedBy: StepId;
  reason: string;
}

/** The token's claims that are not secret, the only ones ever shown. */
export interface SafeClaims {
  iss?: string;
  aud?: string | string[];
  azp?: string;
  appid?: string;
  scp?: string;
  roles?: string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  ver?: string;
  tid?: string;
  oid?: string;
}

export interface Explanation {
  header: { alg?: string; kid?: string; typ?: string };
  claims: SafeClaims;
  steps: Step[];
  verdict: Verdict;
}
