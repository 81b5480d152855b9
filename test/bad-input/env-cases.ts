import { configureAuthCommand } from "../../lib/commands/configure-auth.ts";
import { rotateKeysCommand } from "../../lib/commands/rotate-keys.ts";
import { updateManifestCommand } from "../../lib/commands/update-manifest.ts";
import type { BadInputCase } from "./harness.ts";
import { AUTH, KEYS, REGISTRATION, fleetYaml } from "./world.ts";

type CaseInput = Omit<BadInputCase, "category" | "command" | "config"> &
  Pick<Partial<BadInputCase>, "command" | "config">;
const env = (c: CaseInput): BadInputCase => ({
  category: "env",
  command: configureAuthCommand,
  config: fleetYaml(AUTH),
  argv: ["--dry-run"],
  ...c,
});

/** The environment the tool signs in and connects with. */
export const ENV_CASES: BadInputCase[] = [
  env({
    name: "a tenant that is neither a GUID nor a domain",
    env: { AZURE_TENANT_ID: "not a tenant" },
    expect: [/AZURE_TENANT_ID 'not a tenant' is neither a tenant GUID nor a domain name/, /fix: Set AZURE_TENANT_ID/],
  }),
  env({
    name: "a tenant domain the authority does not know (endpoints_resolution_error)",
    env: { AZURE_TENANT_ID: "contoso.example" },
    expect: [/Sign-in failed: .*tenant contoso\.example.*endpoints_resolution_error/, /fix: Check AZURE_TENANT_ID/],
  }),
  env({
    name: "a wrong client secret",
    env: { AZURE_CLIENT_SECRET: "not-the-secret" },
    expect: [/Sign-in failed: .* refused the client secret \(AADSTS7000215\)/, /fix: Set AZURE_CLIENT_SECRET/],
  }),
  env({
    name: "no client secret",
    env: { AZURE_CLIENT_SECRET: undefined },
    expect: [/--auth env needs AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET/, /fix: Export them/],
  }),
  env({
    // Port 2: closed, and not on fetch's list of blocked ports (where undici answers "bad port" instead).
    name: "a closed port for Entra",
    env: { AZURE_AUTHORITY_HOST: "https://127.0.0.1:2" },
    expect: [/Sign-in failed: cannot reach 127\.0\.0\.1:2/, /ECONNREFUSED/, /fix: Check AZURE_AUTHORITY_HOST/],
  }),
  env({
    name: "an http:// authority",
    env: { AZURE_AUTHORITY_HOST: "http://127.0.0.1:2" },
    expect: [
      /AZURE_AUTHORITY_HOST 'http:\/\/127\.0\.0\.1:2' is not an https:\/\/ URL/,
      /fix: Use the cloud's https login host/,
    ],
  }),
  env({
    name: "the token endpoint answers an HTML page (network_error)",
    faults: [
      {
        service: "entra",
        method: "POST",
        path: "/token$",
        kind: "answer",
        answer: { status: 200, body: "<html><body>Sign in to the proxy</body></html>", contentType: "text/html" },
      },
    ],
    expect: [
      /Sign-in failed: the token endpoint of .* did not answer with JSON \(network_error/,
      /fix: Check AZURE_AUTHORITY_HOST/,
    ],
  }),
  env({
    name: "a closed port for ARM",
    env: { AZURE_RESOURCE_MANAGER_ENDPOINT: "https://127.0.0.1:2" },
    config: fleetYaml({ ...AUTH, slots: [] }),
    expect: [
      /connect ECONNREFUSED 127\.0\.0\.1:2/,
      /fix: Check that 127\.0\.0\.1:2 is reachable \(AZURE_RESOURCE_MANAGER_ENDPOINT/,
    ],
  }),
  env({
    name: "an http:// ARM endpoint",
    env: { AZURE_RESOURCE_MANAGER_ENDPOINT: "http://127.0.0.1:2" },
    config: fleetYaml({ ...AUTH, slots: [] }),
    expect: [
      /AZURE_RESOURCE_MANAGER_ENDPOINT 'http:\/\/127\.0\.0\.1:2' is not an https:\/\/ URL/,
      /fix: Use the cloud's https ARM endpoint/,
    ],
  }),
  env({
    name: "an http:// Graph endpoint (the Graph SDK would send no token)",
    command: updateManifestCommand,
    config: fleetYaml(REGISTRATION),
    env: { MICROSOFT_GRAPH_ENDPOINT: "http://127.0.0.1:2" },
    expect: [
      /MICROSOFT_GRAPH_ENDPOINT 'http:\/\/127\.0\.0\.1:2' is not an https:\/\/ URL/,
      /fix: Use the cloud's https Graph/,
    ],
  }),
  env({
    name: "a closed port for Graph (fetch failed, cause kept)",
    command: updateManifestCommand,
    config: fleetYaml(REGISTRATION),
    env: { MICROSOFT_GRAPH_ENDPOINT: "https://127.0.0.1:2" },
    expect: [/fetch failed: .*ECONNREFUSED/, /fix: Check that 127\.0\.0\.1:2 is reachable \(MICROSOFT_GRAPH_ENDPOINT/],
  }),
  env({
    name: "vaultUrl fromEnv with AZURE_KEYVAULT_URL unset",
    command: rotateKeysCommand,
    config: fleetYaml(KEYS()),
    env: { AZURE_KEYVAULT_URL: undefined },
    expect: [/vaultUrl is 'fromEnv' but AZURE_KEYVAULT_URL is not set/],
  }),
  env({
    name: "no subscription anywhere",
    config:
      "defaults:\n  resourceGroup: rg-api\napps:\n  - name: func-orders\n    auth: {requireAuthentication: true}\n",
    env: { AZURE_SUBSCRIPTION_ID: undefined },
    expect: [/apps\[0\]\.subscriptionId: missing; set it on the app, in defaults, or export AZURE_SUBSCRIPTION_ID/],
  }),
];
