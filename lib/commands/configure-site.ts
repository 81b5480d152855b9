import { siteKind } from "../resources/site/index.ts";
import { defineCommand } from "./run-kinds.ts";

export const configureSiteCommand = defineCommand({
  name: "configure-site",
  summary:
    "Reconcile site hardening of every selected app and slot (HTTPS only, minimum TLS, CORS, FTPS, remote debugging, HTTP/2):\n" +
    "plan, confirm, PATCH the owned fields, verify.",
  kinds: [siteKind],
  examples: ["--dry-run", "--app 'func-*' --slot production --yes", "--yes --json --auth workload-identity"],
});
