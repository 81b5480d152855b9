import { writeFileSync } from "node:fs";
import { SEVERITIES, atOrAbove, type AuditReport, type Severity } from "../audit/finding.ts";
import { gather } from "../audit/gather.ts";
import { renderHtmlReport } from "../audit/html/report.ts";
import { newCounter, readOnlyArm, readOnlyGraph, readOnlyVault } from "../audit/read-only.ts";
import { renderAuditText } from "../audit/render-text.ts";
import { buildReport } from "../audit/report.ts";
import { renderSarif } from "../audit/sarif.ts";
import { commandLine, parseCommandArgs, type OptionSpec } from "../cli/args.ts";
import { WRITING_OPTIONS, parseConcurrency, type CommandIo } from "../cli/common.ts";
import { packageVersion } from "../cli/version.ts";
import { loadSelection, signIn } from "../cli/writing-command.ts";
import { configLocator } from "../config/locate.ts";
import { UsageError } from "../errors.ts";
import type { RunContext } from "../pipeline/contract.ts";
import { EXIT } from "../pipeline/exit-codes.ts";
import { renderFatalJson } from "../pipeline/render-json.ts";
import { runContextOf, type RunOverrides } from "./run-context.ts";

const { config, app, slot, json, "no-color": noColor, concurrency, shard, auth, cloud } = WRITING_OPTIONS;

export const AUDIT_CLI = {
  name: "audit",
  summary:
    "Read-only audit of every selected app and slot: Easy Auth against its Entra registration, site hardening, client\n" +
    "secrets and function keys. Findings by target, worst first, each with its fix (docs/audit.md). No write is made;\n" +
    "the POSTs it makes (app settings, V1 auth settings, function keys) count against ARM's write bucket.",
  options: {
    config,
    app,
    slot,
    json: { ...json, description: "One JSON document on stdout: the report (schema: docs/audit-output.schema.json)" },
    "no-color": noColor,
    concurrency,
    shard,
    auth,
    cloud,
    sarif: { type: "string", valueName: "file", description: "Also write SARIF 2.1.0 for GitHub code scanning" },
    html: { type: "string", valueName: "file", description: "Also write a self-contained HTML report" },
    "fail-on": {
      type: "string",
      valueName: "severity",
      description: `Exit 2 when a finding is at or above this severity: ${SEVERITIES.join(" | ")}`,
    },
  } satisfies Record<string, OptionSpec>,
  examples: [
    "npx tsx scripts/audit.ts --config config/fleet.yaml",
    "npx tsx scripts/audit.ts --config config/fleet.yaml --fail-on high --sarif audit.sarif",
    "npx tsx scripts/audit.ts --config config/fleet.yaml --json --html audit.html",
  ],
};

function failOnOf(v: string | undefined): Severity | undefined {
  if (v === undefined) return undefined;
  const s = SEVERITIES.find((x) => x === v.toLowerCase());
  if (!s)
    throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(", ")}, got '${v}'.`, {
      fix: "Use --fail-on high to fail a pipeline on critical and high findings.",
    });
  return s;
}

/**
 * argv → exit code: 0 (or 2 with --fail-on when findings reach it). Under --json, a run that stops before it has a
 * report still prints one document, the error as a diagnostic (docs/audit-output.schema.json, `fatal`); otherwise
 * errors go to the entry point.
 */
export async function auditCommand(argv: string[], io: CommandIo, overrides: RunOverrides = {}): Promise<number> {
  try {
    return await audit(argv, io, overrides);
  } catch (e) {
    if (!argv.includes("--json")) throw e;
    io.stdout.write(renderFatalJson(AUDIT_CLI.name, e));
    return EXIT.error;
  }
}

async function audit(argv: string[], io: CommandIo, overrides: RunOverrides): Promise<number> {
  const args = parseCommandArgs(AUDIT_CLI, argv);
  if (args.help) {
    io.stdout.write(args.text);
    return EXIT.ok;
  }
  const flags = args.values;
  const failOn = failOnOf(flags["fail-on"]);
  const workers = parseConcurrency(flags.concurrency);
  const { config: loaded, apps } = loadSelection(AUDIT_CLI, flags, io);
  const { session, header } = await signIn(
    AUDIT_CLI,
    flags,
    io,
    apps.map((a) => a.subscriptionId),
  );
  const requests = newCounter();
  // The one run context, with every client wrapped so that a write throws and each request is counted.
  const base = runContextOf(session, {}, io.env, overrides);
  const ctx: RunContext = {
    ...base,
    arm: readOnlyArm(base.arm, requests),
    graph: () => readOnlyGraph(base.graph(), requests),
    keyVault: (url) => readOnlyVault(base.keyVault(url), requests),
  };

  const log = (line: string) => {
    if (!flags.json) io.stderr.write(`${line}\n`);
  };
  log(
    `audit: ${apps.length} app${apps.length === 1 ? "" : "s"}, tenant ${header.tenantId}, as ${header.principal} (read-only; POSTs count against ARM's write bucket)`,
  );
  const gathered = await gather(apps, { slot: flags.slot, env: io.env }, ctx, { concurrency: workers, log });
  const report: AuditReport = buildReport(
    {
      tool: { name: "easyauth-fleet", version: packageVersion() },
      tenantId: header.tenantId,
      cloud: session.cloud.cloud.name,
      principal: header.principal,
      subscriptions: header.subscriptions,
      createdAt: ctx.now().toISOString(),
    },
    gathered,
    requests,
    configLocator(loaded.file),
  );
  if (flags.sarif)
    writeFileSync(flags.sarif, renderSarif(report, { configFile: loaded.file, repoRoot: process.cwd() }));
  if (flags.html) writeFileSync(flags.html, renderHtmlReport(report));
  io.stdout.write(
    flags.json
      ? `${JSON.stringify(report, null, 2)}\n`
      : renderAuditText(report, { color: io.color && !flags["no-color"], commandLine: commandLineOf }),
  );
  if (gathered.errors.length) return EXIT.error;
  return failOn && atOrAbove(report.findings, failOn).length > 0 ? EXIT.changes : EXIT.ok;
}

/** A finding's command (`configure-auth --migrate-v1`) in the form this process runs commands. */
const commandLineOf = (command: string) => {
  const [name, ...rest] = command.split(" ");
  return [commandLine(name!), ...rest].join(" ");
};
