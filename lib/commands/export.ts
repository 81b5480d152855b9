import { writeFileSync } from "node:fs";
import { parseCommandArgs, type OptionSpec } from "../cli/args.ts";
import { WRITING_OPTIONS, parseConcurrency, selectApps, type CommandIo } from "../cli/common.ts";
import { signIn } from "../cli/writing-command.ts";
import { loadConfig } from "../config/load.ts";
import { UsageError } from "../errors.ts";
import { exportFleet } from "../export/export-fleet.ts";
import { selectSites, type ExportSelection } from "../export/sites.ts";
import type { FlagValues } from "../pipeline/contract.ts";
import { EXIT } from "../pipeline/exit-codes.ts";
import { KINDS } from "../resources/index.ts";
import { runContextOf, type RunOverrides } from "./run-context.ts";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const exportCli = {
  name: "export",
  summary:
    "Write the fleet config of what is live: observe Easy Auth, the registration, site hardening and keys of every selected app\n" +
    "and write a config that, applied at once, plans no change. Values common to most apps go to defaults; comments mark\n" +
    "what was inferred and what was left out. Read-only; secrets are never read into the output.",
  options: {
    out: { type: "string", valueName: "file", description: "Write the config here (default: stdout)" },
    config: WRITING_OPTIONS.config,
    app: WRITING_OPTIONS.app,
    subscription: {
      type: "string",
      multiple: true,
      valueName: "id",
      description: "Every app of this subscription (repeatable); instead of --config",
    },
    "resource-group": {
      type: "string",
      multiple: true,
      valueName: "name",
      description: "Only apps of this resource group (repeatable; with --subscription)",
    },
    tag: {
      type: "string",
      multiple: true,
      valueName: "k=v",
      description: "Only apps with this tag (repeatable: all must match; with --subscription)",
    },
    concurrency: WRITING_OPTIONS.concurrency,
    auth: WRITING_OPTIONS.auth,
    cloud: WRITING_OPTIONS.cloud,
  },
  examples: [
    "npx tsx scripts/export.ts --subscription 3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2 --out fleet.yaml",
    "npx tsx scripts/export.ts --subscription <id> --resource-group rg-apis --tag team=payments",
    "npx tsx scripts/export.ts --config config/fleet.yaml --app 'func-*' --out live.yaml",
  ],
} as const satisfies { name: string; summary: string; options: Record<string, OptionSpec>; examples: string[] };

function parseTags(tags: readonly string[]): Record<string, string> | undefined {
  if (!tags.length) return undefined;
  return Object.fromEntries(
    tags.map((t) => {
      const i = t.indexOf("=");
      if (i <= 0)
        throw new UsageError(`--tag '${t}' is not k=v.`, {
          fix: "Write the tag as name=value, e.g. --tag team=payments.",
        });
      return [t.slice(0, i), t.slice(i + 1)];
    }),
  );
}

/** Offline: which apps, from flags alone (a config file is read and validated here). */
function selectionOf(
  values: {
    config?: string;
    app?: string;
    subscription?: string[];
    "resource-group"?: string[];
    tag?: string[];
  },
  io: CommandIo,
): ExportSelection {
  const subs = values.subscription ?? [];
  const tags = parseTags(values.tag ?? []);
  if (values.config && subs.length)
    throw new UsageError("--config and --subscription both select apps; give one of them.", {
      fix: "Export a config's apps with --config, or discover apps with --subscription (and --resource-group, --tag).",
    });
  if (!values.config && !subs.length)
    throw new UsageError("Say which apps to export: --subscription <id> (repeatable) or --config <file>.", {
      fix: "Run 'tsx scripts/export.ts --subscription <id> --out fleet.yaml'.",
    });
  for (const s of subs)
    if (!GUID.test(s))
      throw new UsageError(`--subscription '${s}' is not a subscription id (a GUID).`, {
        fix: "Pass the subscription's id, as 'az account list --query [].id' shows it.",
      });
  if (values.config && (values["resource-group"]?.length || tags))
    throw new UsageError("--resource-group and --tag narrow --subscription discovery, not --config.", {
      fix: "Use --app <glob> to narrow a config's apps.",
    });
  if (values.config) {
    const config = loadConfig(values.config, io.env);
    return { apps: selectApps(config, values.app), appGlob: undefined };
  }
  return {
    discovery: { subscriptions: subs, resourceGroups: values["resource-group"], tags },
    appGlob: values.app,
  };
}

/** export: argv → the fleet config on stdout or in --out; exit 0. */
export async function exportCommand(argv: string[], io: CommandIo, overrides: RunOverrides = {}): Promise<number> {
  const args = parseCommandArgs(exportCli, argv);
  if (args.help) {
    io.stdout.write(args.text);
    return EXIT.ok;
  }
  const values = args.values;
  const concurrency = parseConcurrency(values.concurrency);
  const selection = selectionOf(values, io);
  const subscriptions = selection.apps?.map((a) => a.subscriptionId) ?? selection.discovery?.subscriptions ?? [];
  const { session, header } = await signIn(exportCli, values, io, subscriptions, "arm");
  const run = runContextOf(session, values as unknown as FlagValues, io.env, overrides);
  const sites = await selectSites(run.arm, selection);
  const result = await exportFleet(run, KINDS, sites, {
    env: io.env,
    concurrency,
    header: [
      `Exported by easyauth-fleet ${run.toolVersion} (export) from tenant ${header.tenantId}, as ${header.principal}.`,
      "Applied as it is, every kind plans no change (docs/export.md). Secrets are never written.",
    ],
    progress: (l) => io.stderr.write(`${l}\n`),
  });
  if (values.out) {
    writeFileSync(values.out, result.yaml);
    io.stderr.write(`wrote ${values.out}: ${result.apps} apps, ${result.dropped} blocks left out by the self-check\n`);
  } else io.stdout.write(result.yaml);
  return EXIT.ok;
}
