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
  const steps: Step[] = [
    {
      title: "Demo callers: API Management's identity and an unassigned client (emulator-only)",
      script: "demo-calls",
      args: ["--prepare"],
      expect: [0],
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
    {
      title: "Call the greeting API as a user would: who is let in, who is kept out, and why",
      script: "demo-calls",
      args: ["--call"],
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
