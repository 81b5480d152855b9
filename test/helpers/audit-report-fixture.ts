import type { AuditReport, CheckDefinition, Finding, FindingTarget } from "../../lib/audit/finding.ts";

/**
 * A varied audit report for the SARIF and HTML renderers: every severity and area, findings with and without a config
 * line, slots, a registration, a key and a vault secret, an app whose name is markup, and an unobservable target.
 * `CANARY` sits in fields no renderer may read (raw observations smuggled onto the objects): it must never show up.
 */
export const CANARY = "canary-Zq8v~SECRET-VALUE-7f3e";
export const XSS_APP = `<script>window.__pwned=1</script>func-x`;

const SUB = "00000000-0000-0000-0000-0000000000a1";
const RG = "rg-fleet";

export const CHECKS: CheckDefinition[] = [
  {
    id: "EA001",
    area: "auth",
    severity: "critical",
    title: "Easy Auth is off on an API",
    description: "The platform lets every request through to the function: anyone on the internet can call it.",
    fix: "Set apps[].auth.enabled: true and run configure-auth.",
    command: "configure-auth --config config/fleet.yaml --app func-a",
    configField: "apps[].auth.enabled",
    docsAnchor: "easy-auth-off",
  },
  {
    id: "EA002",
    area: "auth",
    severity: "high",
    title: "Anonymous requests allowed",
    description: "unauthenticatedAction AllowAnonymous passes requests without a token to the code.",
    fix: "Set apps[].auth.unauthenticatedAction: Return401.",
    command: "configure-auth --config config/fleet.yaml",
    configField: "apps[].auth.unauthenticatedAction",
  },
  {
    id: "EA010",
    area: "registration",
    severity: "medium",
    title: "Access token version differs from the issuer",
    description: "A v1 token on a v2 issuer (or the reverse) fails issuer validation: every call gets 401.",
    fix: "Set requestedAccessTokenVersion to 2 on the registration.",
    command: "update-manifest --config config/fleet.yaml",
    configField: "registrations[].accessTokenVersion",
    docsAnchor: "issuer-version",
  },
  {
    id: "EA020",
    area: "site",
    severity: "low",
    title: "FTPS allowed",
    description: "FTP deployments with basic credentials stay possible.",
    fix: "Set apps[].site.ftpsState: Disabled.",
    command: "configure-site --config config/fleet.yaml",
    configField: "apps[].site.ftpsState",
  },
  {
    id: "EA030",
    area: "keys",
    severity: "medium",
    title: "Function key older than its maxAge",
    description: "The key outlived its rotation policy.",
    fix: "Run rotate-keys.",
    command: "rotate-keys --config config/fleet.yaml",
  },
  {
    id: "EA040",
    area: "client-secret",
    severity: "info",
    title: "Client secret expires within 30 days",
    description: "The registration's password credential expires soon; sign-ins fail once it does.",
    fix: "Add a new credential and update the Key Vault secret.",
  },
  // A check that fired nowhere: still a SARIF rule, not a grid column.
  {
    id: "EA050",
    area: "site",
    severity: "high",
    title: "Remote debugging on",
    description: "Remote debugging opens a port to the worker.",
    fix: "Set apps[].site.remoteDebuggingEnabled: false.",
  },
];

const t = (label: string, extra: Omit<FindingTarget, "label"> = {}): FindingTarget => ({
  label,
  subscriptionId: SUB,
  resourceGroup: RG,
  ...extra,
});

export const TARGETS: FindingTarget[] = [
  t("func-a", { app: "func-a" }),
  t("func-a/staging", { app: "func-a", slot: "staging" }),
  t("func-b", { app: "func-b" }),
  t("func-clean", { app: "func-clean" }),
  t(XSS_APP, { app: XSS_APP }),
  { label: "application 'api-a'", registration: "11111111-2222-3333-4444-555555555555" },
];

/** Adds a property the type does not have, the way a careless check could (a raw observation). */
function withRaw<T extends object>(v: T): T {
  return Object.assign(v, { observed: { clientSecret: CANARY, properties: { siteAuthSettings: CANARY } } });
}

export const FINDINGS: Finding[] = [
  withRaw({
    checkId: "EA001",
    severity: "critical",
    target: TARGETS[0] as FindingTarget,
    message: "Easy Auth is disabled on func-a.",
    evidence: { "platform.enabled": false, kind: "functionapp" },
    fix: "Set apps[0].auth.enabled: true.",
    command: "configure-auth --config config/fleet.yaml --app func-a",
    config: { file: "config/fleet.yaml", line: 12, path: "apps[0].auth.enabled" },
  }),
  {
    checkId: "EA020",
    severity: "low",
    target: TARGETS[0] as FindingTarget,
    message: "FTPS is AllAllowed on func-a.",
    evidence: { ftpsState: "AllAllowed" },
    fix: "Set apps[0].site.ftpsState: Disabled.",
    command: "configure-site --config config/fleet.yaml --app func-a",
    config: { file: "config/fleet.yaml", line: 18, path: "apps[0].site.ftpsState" },
  },
  {
    checkId: "EA002",
    severity: "high",
    target: TARGETS[1] as FindingTarget,
    message: "func-a/staging allows anonymous requests.",
    evidence: { unauthenticatedAction: "AllowAnonymous", excludedPaths: ["/api/health", "/api/*"] },
    fix: "Set apps[0].slots.staging.auth.unauthenticatedAction: Return401.",
    command: "configure-auth --config config/fleet.yaml --app func-a --slot staging",
    // No line: the renderer still places it in the file (line 1).
    config: { file: "config/fleet.yaml", path: "apps[0].slots.staging.auth.unauthenticatedAction" },
  },
  {
    checkId: "EA030",
    severity: "medium",
    target: t("func-b", { app: "func-b", key: "greeting/apim" }),
    message: "Key greeting/apim is 120 days old (maxAge 90d).",
    evidence: { ageDays: 120, maxAgeDays: 90, physicalName: "apim-20260801t0000z" },
    fix: "Run rotate-keys for func-b.",
    command: "rotate-keys --config config/fleet.yaml --app func-b",
  },
  {
    checkId: "EA020",
    severity: "low",
    target: TARGETS[4] as FindingTarget,
    message: `FTPS is AllAllowed on ${XSS_APP}.`,
    evidence: { ftpsState: "AllAllowed", note: "<img src=x onerror=alert(1)>" },
    fix: "Set apps[3].site.ftpsState: Disabled.",
    config: { file: "config/fleet.yaml", line: 40, path: "apps[3].site.ftpsState" },
  },
  {
    checkId: "EA010",
    severity: "medium",
    target: TARGETS[5] as FindingTarget,
    message: "api-a requests v1 tokens; func-a's issuer is v2.",
    evidence: { requestedAccessTokenVersion: 1, issuer: "https://login.microsoftonline.com/t/v2.0" },
    fix: "Set registrations[0].accessTokenVersion: 2.",
    command: "update-manifest --config config/fleet.yaml",
    config: { file: "config/fleet.yaml", line: 55, path: "registrations[0].accessTokenVersion" },
  },
  {
    checkId: "EA040",
    severity: "info",
    target: TARGETS[5] as FindingTarget,
    message: "Password credential 'ci' expires in 12 days.",
    evidence: { keyId: "9b2a", endDateTime: "2026-12-13T00:00:00Z", daysLeft: 12 },
    fix: "Add a credential and update secret api-a-client-secret.",
  },
];

export function sampleReport(): AuditReport {
  return withRaw({
    formatVersion: 1,
    command: "audit",
    createdAt: "2026-12-01T09:30:00.000Z",
    tool: { name: "easyauth-fleet", version: "0.1.0" },
    tenantId: "72f988bf-0000-0000-0000-00000000cafe",
    cloud: "AzureCloud",
    principal: "ci@contoso.example",
    subscriptions: [SUB],
    targets: TARGETS,
    checks: CHECKS,
    findings: FINDINGS,
    errors: [
      {
        target: t("func-gone", { app: "func-gone" }),
        message: "ARM answered 404 ResourceNotFound for the site.",
        fix: "Remove func-gone from the config or create the app.",
      },
    ],
    requests: { reads: 42, writeBucket: 3 },
  });
}
