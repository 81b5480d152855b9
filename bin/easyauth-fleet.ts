#!/usr/bin/env node
/**
 * The installed CLI: `easyauth-fleet <command> [options]`. Each command is one of the scripts, loaded only when chosen
 * (so `--help` and `--version` start fast) with the command name taken out of argv, then parsed by the script itself.
 * The package runs this file compiled by tsc (tsconfig.build.json → dist/bin/easyauth-fleet.js): no dev dependency.
 *
 * Commands: the user commands and the emulator. demo, bench, demo-calls and export-schema work on a checkout of the
 * repository (its config/ files, its scripts, tsx) and stay scripts.
 */
import { useBinInvocation, versionText } from "../lib/cli/args.ts";
import { runMain } from "../lib/cli/main.ts";
import { UsageError } from "../lib/errors.ts";

const BIN = "easyauth-fleet";

const COMMANDS: Record<string, { summary: string; load: () => Promise<unknown> }> = {
  "configure-auth": {
    summary: "Reconcile Easy Auth (authsettingsV2) of every selected app and slot",
    load: () => import("../scripts/configure-auth.ts"),
  },
  "update-manifest": {
    summary: "Reconcile Entra app registrations, service principals and admin consent",
    load: () => import("../scripts/update-manifest.ts"),
  },
  "configure-site": {
    summary: "Reconcile site hardening: HTTPS only, TLS minimums, CORS, FTPS, remote debugging, HTTP/2",
    load: () => import("../scripts/configure-site.ts"),
  },
  "rotate-keys": {
    summary: "Rotate function/host keys with an overlap window, published to Key Vault first",
    load: () => import("../scripts/rotate-keys.ts"),
  },
  apply: {
    summary: "Every kind the config names, in dependency order: one plan, one confirmation",
    load: () => import("../scripts/apply.ts"),
  },
  audit: {
    summary: "Read-only: what is wrong across Easy Auth, Entra, sites and keys (table, JSON, SARIF, HTML)",
    load: () => import("../scripts/audit.ts"),
  },
  "explain-token": {
    summary: "Will Easy Auth and the function accept this token, and why not (step by step)",
    load: () => import("../scripts/explain-token.ts"),
  },
  export: {
    summary: "Write a fleet config from what is live, that plans no change",
    load: () => import("../scripts/export.ts"),
  },
  restore: {
    summary: "List backups, and plan and apply a target's state back from one",
    load: () => import("../scripts/restore.ts"),
  },
  emulator: {
    summary: "Start the embedded Azure emulator (Entra ID, ARM, Microsoft Graph, Key Vault) over HTTPS",
    load: () => import("../scripts/emulator.ts"),
  },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  return [
    `Usage: ${BIN} <command> [options]`,
    "",
    "Keep Azure Functions / App Service APIs correctly secured: Easy Auth, Entra app registrations and function keys,",
    "reconciled idempotently across a fleet.",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)} ${c.summary}`),
    "",
    "Options:",
    "  -h, --help     Show this help",
    "      --version  Show the version",
    "",
    `Run '${BIN} <command> --help' for the options of a command.`,
    "",
  ].join("\n");
}

// `easyauth-fleet help <command>` is `easyauth-fleet <command> --help`.
if (process.argv[2] === "help" && process.argv[3] !== undefined) process.argv.splice(2, 2, process.argv[3], "--help");
const command = process.argv[2];

if (command === undefined) {
  process.stderr.write(help());
  process.exitCode = 1;
} else if (command === "--help" || command === "-h" || command === "help") {
  process.stdout.write(help());
} else if (command === "--version") {
  process.stdout.write(versionText());
} else if (Object.hasOwn(COMMANDS, command)) {
  useBinInvocation(BIN);
  process.argv.splice(2, 1);
  await COMMANDS[command]!.load();
} else {
  runMain(async () => {
    throw new UsageError(`Unknown command '${command}'.`, {
      fix: `Run '${BIN} --help' for the commands: ${Object.keys(COMMANDS).join(", ")}.`,
    });
  });
}
