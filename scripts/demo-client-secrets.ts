import { runScript } from "../lib/cli/main.ts";
import { checkOverlap } from "../lib/demo/client-secret-overlap.ts";

const spec = {
  name: "demo-client-secrets",
  summary:
    "The demo's check of the Easy Auth client-secret overlap, against the emulator (run by scripts/demo.ts with the\n" +
    "emulator's env): each password Key Vault published for the app is tried in a token request as the registration.\n" +
    "Exit 0 when the newest two both sign in.",
  options: {
    secret: {
      type: "string",
      valueName: "name",
      description: "Key Vault secret the client secrets are published to",
      default: "func-greeting-easyauth-client-secret",
    },
  },
} as const;

runScript(spec, async (values) => {
  const outcomes = await checkOverlap(values.secret ?? "func-greeting-easyauth-client-secret");
  for (const o of outcomes)
    process.stdout.write(
      `  ${o.signsIn ? "✓" : "✗"} password ${o.keyId} (version ${o.version.slice(0, 8)}): ${o.signsIn ? "signs in" : `refused (${o.why})`}\n`,
    );
  return outcomes.length >= 2 && outcomes.slice(0, 2).every((o) => o.signsIn) ? 0 : 1;
});
