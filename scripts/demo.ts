import { readFileSync } from "node:fs";
import YAML from "yaml";
import { $ } from "zx";
import { runScript } from "../lib/cli/main.ts";
import { spawnEmulator, TSX } from "../lib/demo/emulator-process.ts";

const spec = {
  name: "demo",
  summary:
    "Start the embedded Azure emulator with the demo fleet (config/demo-seed.yaml) and run the toolkit against it:\n" +
    "registrations, Easy Auth, keys, then every kind at once (apply), each followed by a run that has nothing left to do.\n" +
    "No Azure account needed.",
  options: {
    config: {
      type: "string",
      valueName: "file",
      description: "Fleet config to reconcile",
      default: "config/demo.yaml",
    },
    seed: {
      type: "string",
      valueName: "file",
      description: "Emulator world to start from",
      default: "config/demo-seed.yaml",
    },
  },
} as const;

interface Step {
  title: string;
  script: string;
  args: string[];
  /** Exit codes that mean the step did what the demo expects. */
  expect: number[];
}

runScript(spec, async (values) => {
  const config = values.config ?? "config/demo.yaml";
  const emulator = await spawnEmulator(["--seed", values.seed ?? "config/demo-seed.yaml"]);
  const env = { ...process.env, ...emulator.info.env, FORCE_COLOR: process.stdout.isTTY ? "1" : "0" };
  const backups = ".backups/demo";
  const demoSubscription = String(
    (YAML.parse(readFileSync(config, "utf8")) as { defaults?: { subscriptionId?: string } }).defaults?.subscriptionId ??
      "",
  );
  const steps: Step[] = [
    {
      title: "Demo callers: API Management's identity and an unassigned client (emulator-only)",
      script: "demo-calls",
      args: ["--prepare"],
      expect: [0],
    },
    // The stopped func-batch is left out of both audits: its keys cannot be read while it is stopped.
    {
      title:
        "Audit before anything: the V1 app, CORS '*', HTTPS off, TLS 1.0, Easy Auth off (read-only; exit 2 with --fail-on)",
      script: "audit",
      args: ["--config", config, "--app", "!(func-batch)", "--fail-on", "high"],
      expect: [2],
    },
    {
      title: "App registrations: what would change (dry run)",
      script: "update-manifest",
      args: ["--config", config, "--dry-run", "--detailed-exitcode"],
      expect: [2],
    },
    {
      title: "App registrations: apply (application, service principal, admin consent)",
      script: "update-manifest",
      args: ["--config", config, "--yes"],
      expect: [0],
    },
    {
      title: "App registrations: second run plans nothing",
      script: "update-manifest",
      args: ["--config", config, "--dry-run", "--detailed-exitcode"],
      expect: [0],
    },
    {
      title: "Easy Auth: what would change (dry run)",
      script: "configure-auth",
      args: ["--config", config, "--dry-run", "--detailed-exitcode"],
      expect: [2],
    },
    {
      title: "Easy Auth: apply",
      script: "configure-auth",
      args: ["--config", config, "--yes", "--backup-dir", backups],
      expect: [0],
    },
    {
      title: "Easy Auth: second run plans nothing",
      script: "configure-auth",
      args: ["--config", config, "--dry-run", "--detailed-exitcode"],
      expect: [0],
    },
    {
      title: "Keys: rotate (new key, published to Key Vault, verified)",
      script: "rotate-keys",
      args: ["--config", config, "--yes", "--app", "func-{greeting,orders}"],
      expect: [0],
    },
    {
      title: "Keys: rotate again now: both keys stay live during the overlap",
      script: "rotate-keys",
      args: ["--config", config, "--yes", "--force", "--app", "func-greeting"],
      expect: [0],
    },
    // The same runs rotated func-greeting's Easy Auth client secret (docs/client-secrets.md): the placeholder in its
    // setting became a Key Vault reference, and --force added a second password while the first stays valid.
    {
      title: "Easy Auth client secret: both passwords of func-greeting's registration sign in during the overlap",
      script: "demo-client-secrets",
      args: ["--secret", "func-greeting-easyauth-client-secret"],
      expect: [0],
    },
    {
      title: "Keys: second run plans nothing (old keys go after the grace period)",
      script: "rotate-keys",
      args: ["--config", config, "--dry-run", "--detailed-exitcode", "--app", "func-{greeting,orders}"],
      expect: [0],
    },
    {
      title: "Keys: a stopped app is reported (host unreachable), nothing is deleted",
      script: "rotate-keys",
      args: ["--config", config, "--yes", "--app", "func-batch"],
      expect: [1],
    },
    // Every kind in one plan; the stopped func-batch is left out (its keys cannot be read while it is stopped).
    {
      title:
        "Everything at once (apply): site hardening fixes func-reports (HTTPS off, TLS 1.0, CORS '*') and the others",
      script: "apply",
      args: ["--config", config, "--yes", "--app", "!(func-batch)", "--backup-dir", backups],
      expect: [0],
    },
    {
      title: "apply again: one plan over every kind, nothing left to do",
      script: "apply",
      args: ["--config", config, "--dry-run", "--detailed-exitcode", "--app", "!(func-batch)"],
      expect: [0],
    },
    // Export (docs/export.md): the live fleet written as a config, which applied at once plans nothing.
    {
      title: "Export the live fleet to a config (read-only; comments mark what was inferred and what was left out)",
      script: "export",
      args: ["--subscription", demoSubscription, "--out", `${backups}/exported.yaml`],
      expect: [0],
    },
    {
      title: "apply the exported config: it plans nothing",
      script: "apply",
      args: ["--config", `${backups}/exported.yaml`, "--dry-run", "--detailed-exitcode", "--backup-dir", backups],
      expect: [0],
    },
    // Restore (docs/restore.md): a hand-made PUT wipes func-orders' Easy Auth, the okta provider and the unknown
    // section with it, which no config owns; its backup brings the whole document back.
    {
      title: "A bad hand-made change: func-orders' Easy Auth replaced by a raw ARM PUT (as az rest would)",
      script: "arm-request",
      args: [
        "--method",
        "PUT",
        "--url",
        `/subscriptions/${demoSubscription}/resourceGroups/rg-demo-api/providers/Microsoft.Web/sites/func-orders/config/authsettingsV2`,
        "--body",
        JSON.stringify({
          properties: { platform: { enabled: true }, globalValidation: { requireAuthentication: false } },
        }),
      ],
      expect: [0],
    },
    {
      title: "Prune the demo's backups: keep the newest 3 of each app (earlier demo runs' go)",
      script: "restore",
      args: ["--keep", "3", "--backup-dir", backups],
      expect: [0],
    },
    {
      title: "restore list: the backups of each app, newest first, and what changed since",
      script: "restore",
      args: ["list", "--backup-dir", backups],
      expect: [0],
    },
    {
      title:
        "Restore func-orders' Easy Auth from its newest backup: the whole document, okta and futureSection included",
      script: "restore",
      args: [
        "--target",
        "func-orders",
        "--kind",
        "auth",
        "--at",
        "2100-01-01T00:00:00Z",
        "--yes",
        "--backup-dir",
        backups,
      ],
      expect: [0],
    },
    {
      title: "apply again: the owned fields the backup predates, then nothing left to do",
      script: "apply",
      args: ["--config", config, "--yes", "--app", "func-orders", "--backup-dir", backups],
      expect: [0],
    },
    {
      title: "Audit after apply: what is left needs a person (the V1 app's migration, apps the config gives no auth)",
      script: "audit",
      args: ["--config", config, "--app", "!(func-batch)"],
      expect: [0],
    },
    {
      title: "Call the greeting API as a user would: who is let in, who is kept out, and why",
      script: "demo-calls",
      args: ["--call"],
      expect: [0],
    },
    // The wrong-audience call explained step by step (the token passes through a temp file, never printed); its
    // verdict must be the emulator's answer to the same call.
    {
      title: "explain-token: why the wrong-audience token gets 401, and the emulator's answer to the same call",
      script: "demo-calls",
      args: ["--explain", config],
      expect: [0],
    },
  ];
  let failed = 0;
  try {
    process.stderr.write(
      `emulator: ${emulator.info.endpoints.arm} (tenant ${emulator.info.tenantId}, subscription ${emulator.info.subscriptionId})\n`,
    );
    for (const [i, step] of steps.entries()) {
      process.stdout.write(
        `\n━━ ${i + 1}/${steps.length} ${step.title}\n$ tsx scripts/${step.script}.ts ${step.args.join(" ")}\n\n`,
      );
      const r = await $({
        env,
        stdio: ["ignore", "inherit", "inherit"],
        nothrow: true,
        quiet: true,
      })`${TSX} ${`scripts/${step.script}.ts`} ${step.args}`;
      const ok = step.expect.includes(r.exitCode ?? -1);
      if (!ok) failed++;
      process.stdout.write(`\n→ exit ${r.exitCode}${ok ? "" : ` (expected ${step.expect.join(" or ")})`}\n`);
    }
  } finally {
    await emulator.stop();
  }
  process.stdout.write(
    failed
      ? `\nDemo finished with ${failed} unexpected result(s).\n`
      : "\nDemo complete: registrations, Easy Auth, site hardening and keys match the config, and second runs have nothing to do.\n",
  );
  return failed ? 1 : 0;
});
