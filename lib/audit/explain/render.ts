import type { StepStatus } from "./model.ts";
import type { ExplainResult } from "./explain.ts";

const MARK: Record<StepStatus, string> = { pass: "✓", fail: "✗", skip: "–" };
const iso = (s: number | undefined) => (s === undefined ? undefined : new Date(s * 1000).toISOString());

/** The claims line(s): only the non-secret claims the walk reads; never the token or its signature. */
function claimLines(r: ExplainResult): string[] {
  const c = r.claims;
  const pairs: [string, string | undefined][] = [
    ["alg", r.header.alg],
    ["kid", r.header.kid],
    ["iss", c.iss],
    ["aud", Array.isArray(c.aud) ? c.aud.join(", ") : c.aud],
    ["azp", c.azp],
    ["appid", c.appid],
    ["scp", c.scp],
    ["roles", c.roles?.join(", ")],
    ["ver", c.ver],
    ["tid", c.tid],
    ["oid", c.oid],
    ["iat", iso(c.iat)],
    ["nbf", iso(c.nbf)],
    ["exp", iso(c.exp)],
  ];
  return pairs.filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => `  ${k.padEnd(6)} ${v}`);
}

export function renderExplanation(r: ExplainResult): string {
  const lines = [`explain-token: ${r.app}${r.slot ? ` (slot ${r.slot})` : ""} ${r.path}`, "", "token:"];
  const claims = claimLines(r);
  lines.push(...(claims.length ? claims : ["  (not decodable)"]), "", "steps, in the platform's order:");
  r.steps.forEach((s, i) => {
    lines.push(`  ${MARK[s.status]} ${String(i + 1).padStart(2)}. ${s.id.padEnd(22)} ${s.title}`);
    lines.push(`        setting: ${s.setting}`);
    lines.push(`        seen:    ${s.detail}`);
    if (s.fix && s.status !== "pass") lines.push(`        fix:     ${s.fix}`);
  });
  lines.push("", `verdict: ${r.verdict.status} (decided by ${r.verdict.decidedBy}): ${r.verdict.reason}`, "");
  return lines.join("\n");
}

/** `--json`: the same as one document. */
export function explanationJson(r: ExplainResult): string {
  const doc = {
    command: "explain-token",
    app: r.app,
    ...(r.slot ? { slot: r.slot } : {}),
    path: r.path,
    token: { header: r.header, claims: r.claims },
    steps: r.steps,
    verdict: r.verdict,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
