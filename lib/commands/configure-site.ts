import type { CommandIo } from "../cli/common.ts";
import { siteKind } from "../resources/site/index.ts";
import { commandCli, runKindsCommand, type KindsCommand } from "./run-kinds.ts";

const command: KindsCommand = {
  name: "configure-site",
  summary:
    "Reconcile site hardening of every selected app and slot (HTTPS only, minimum TLS, CORS, FTPS, remote debugging, HTTP/2): plan, confirm, PATCH the owned fields, verify.",
  kinds: [siteKind],
  examples: [
    "npx tsx scripts/configure-site.ts --config config/fleet.yaml --dry-run",
    "npx tsx scripts/configure-site.ts --config config/fleet.yaml --app 'func-*' --slot production --yes",
    "npx tsx scripts/configure-site.ts --config config/fleet.yaml --yes --json --auth workload-identity",
  ],
};

export const configureSiteCli = commandCli(command);

/** configure-site from argv to exit code (the script only adds the process). */
export const configureSiteCommand = (argv: string[], io: CommandIo): Promise<number> =>
  runKindsCommand(command, argv, io);
