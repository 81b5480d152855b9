import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { configureAuthCommand } from "../../lib/commands/configure-auth.ts";
import { configureSiteCommand } from "../../lib/commands/configure-site.ts";
import { rotateKeysCommand } from "../../lib/commands/rotate-keys.ts";
import { updateManifestCommand } from "../../lib/commands/update-manifest.ts";
import type { BadInputCase } from "./harness.ts";
import { AUTH, CLIENT, KEYS, REGISTRATION, SITE, fleetYaml } from "./world.ts";

const auth = (aad: Record<string, unknown> = {}, rest: Record<string, unknown> = {}) => ({
  auth: { ...AUTH.auth, ...rest, azureActiveDirectory: { clientId: CLIENT, ...aad } },
});
const keys = (over: Record<string, unknown>) => KEYS(over);
const rotate = (key: Record<string, unknown>) =>
  KEYS({ rotate: [{ name: "apim", scope: "function", function: "greeting", ...key }] });

const BOMB = [
  "a: &a [x, x, x, x, x, x, x, x, x, x]",
  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
  "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
  "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]",
  "apps: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]",
].join("\n");

type CaseInput = Omit<BadInputCase, "category" | "command"> & { command?: BadInputCase["command"] };
const config = (c: CaseInput): BadInputCase => ({ category: "config", command: configureAuthCommand, ...c });
const CONFIG_FIX = /fix: Correct the fields above/;

/** Config files: every one is refused offline, before sign-in, naming the field (or the file) and the fix. */
export const CONFIG_CASES: BadInputCase[] = [
  config({
    name: "malformed YAML: bad indentation",
    config: "apps:\n  - name: func-orders\n   resourceGroup: rg\n",
    expect: [/is not valid YAML/, /line/i, /fix: Fix the YAML syntax/],
  }),
  config({
    name: "malformed YAML: unclosed quote",
    config: 'apps:\n  - name: "func-orders\n',
    expect: [/is not valid YAML/, /fix: Fix the YAML syntax/],
  }),
  config({
    name: "malformed YAML: a tab for indentation",
    config: "apps:\n\t- name: func-orders\n",
    expect: [/is not valid YAML/, /fix: Fix the YAML syntax/],
  }),
  config({
    name: "alias bomb (billion laughs)",
    config: BOMB,
    expect: [/fleet\.yaml: its YAML aliases expand too far/, /fix: .*defaults:/],
  }),
  config({
    name: "a huge file (5 MB)",
    config: `# ${"x".repeat(5 * 1024 * 1024)}\n${fleetYaml(AUTH)}`,
    expect: [/it is 5 MB; a fleet config is at most 4 MB/, /fix: Check that --config names the fleet's YAML file/],
  }),
  config({
    name: "JSON that is not valid (a bracket left open)",
    config: '{"apps": [{"name": "func-orders"}}',
    expect: [/is not valid YAML/, /fix: Fix the YAML syntax/],
  }),
  config({
    name: "a directory",
    config: (dir) => {
      const d = join(dir, "fleet.d");
      mkdirSync(d);
      return d;
    },
    expect: [/Cannot read config file .*fleet\.d': it is a directory/, /fix: Pass the YAML file itself/],
  }),
  config({
    name: "a file that does not exist",
    config: (dir) => join(dir, "missing.yaml"),
    expect: [/Cannot read config file .*missing\.yaml': ENOENT/, /fix: Pass an existing file/],
  }),
  config({
    name: "an empty file",
    config: "",
    expect: [/is empty \(or holds only comments\)/, /fleet\.example\.yaml/],
  }),
  config({
    name: "a comment-only file",
    config: "# fleet\n# nothing yet\n",
    expect: [/is empty \(or holds only comments\)/, /fix: Describe the fleet/],
  }),
  config({
    name: "UTF-16 LE with a byte-order mark",
    config: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(fleetYaml(AUTH), "utf16le")]),
    expect: [/is not UTF-8: it starts with a UTF-16 byte-order mark/, /fix: Save the file as UTF-8/],
  }),
  config({
    name: "UTF-16 BE with a byte-order mark",
    config: Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(fleetYaml(AUTH), "utf16le").swap16()]),
    expect: [/is not UTF-8: it starts with a UTF-16 byte-order mark/, /Set-Content -Encoding utf8/],
  }),
  config({
    name: "UTF-16 without a byte-order mark",
    config: Buffer.from(fleetYaml(AUTH), "utf16le"),
    expect: [/is not UTF-8: it starts with NUL bytes \(UTF-16 without a byte-order mark\?\)/, /fix: Save the file/],
  }),
  config({
    name: "Windows-1252 text (not UTF-8)",
    config: Buffer.from(`# caf\xe9\n${fleetYaml(AUTH)}`, "latin1"),
    expect: [/is not valid UTF-8 \(another encoding/, /fix: Save the file as UTF-8/],
  }),
  config({
    name: "a list at the top level",
    config: "- name: func-orders\n",
    expect: [/holds a list at the top level, not a mapping/, /fix: Start from config\/fleet\.example\.yaml/],
  }),
  config({
    name: "a scalar at the top level",
    config: "func-orders\n",
    expect: [/holds a single string at the top level/, /fix: Start from/],
  }),
  config({
    name: "wrong type: apps is a string",
    config: "apps: func-orders\n",
    expect: [/apps: Invalid input: expected array, received string/, CONFIG_FIX],
  }),
  config({
    name: "wrong type: slots is a number",
    config: fleetYaml({ ...AUTH, slots: 2 }),
    expect: [/apps\[0\]\.slots: Invalid input: expected array, received number/, CONFIG_FIX],
  }),
  config({
    name: "wrong type: requireAuthentication is a string",
    config: fleetYaml({ auth: { requireAuthentication: "yes" } }),
    expect: [/apps\[0\]\.auth\.requireAuthentication: Invalid input: expected boolean, received string/, CONFIG_FIX],
  }),
  config({
    name: "no apps",
    config: "defaults: {}\napps: []\n",
    expect: [/no apps to reconcile/, /apps: list at least one app/, /fix: List apps under apps:/],
  }),
  config({
    name: "version 2",
    config: fleetYaml(AUTH, { version: 2 }),
    expect: [/version: Invalid input: expected 1/, CONFIG_FIX],
  }),
  config({
    name: "unknown top-level key close to 'apps'",
    config: fleetYaml(AUTH).replace(/^apps:/m, "app:"),
    expect: [/unknown field 'app' \('app': did you mean 'apps'\?\)/, CONFIG_FIX],
  }),
  config({
    name: "near-miss typo in another case: tokenstore",
    config: fleetYaml({ auth: { tokenstore: true } }),
    expect: [/apps\[0\]\.auth: unknown field 'tokenstore' \('tokenstore': did you mean 'tokenStore'\?\)/],
  }),
  config({
    name: "near-miss typo: requireAuthenticaton",
    config: fleetYaml({ auth: { requireAuthenticaton: true } }),
    expect: [/'requireAuthenticaton': did you mean 'requireAuthentication'\?/],
  }),
  config({
    name: "near-miss typo: alowedAudiences",
    config: fleetYaml({ auth: { azureActiveDirectory: { clientId: CLIENT, alowedAudiences: ["api://x"] } } }),
    expect: [/apps\[0\]\.auth\.azureActiveDirectory: unknown field 'alowedAudiences'.*did you mean 'allowedAudiences'/],
  }),
  config({
    name: "near-miss typo: a swapped pair, maxAeg",
    command: rotateKeysCommand,
    config: fleetYaml(keys({ maxAeg: "30d" })),
    expect: [/apps\[0\]\.keys: unknown field 'maxAeg'.*did you mean 'maxAge'/],
  }),
  config({
    name: "unknown key with no near match",
    config: fleetYaml({ ...AUTH, colour: "blue" }),
    expect: [/apps\[0\]: unknown field 'colour' \(check the spelling; see config\/schema\.json\)/],
  }),
  config({
    name: "bad subscription GUID",
    config: fleetYaml({ ...AUTH, subscriptionId: "my-subscription" }),
    expect: [/apps\[0\]\.subscriptionId: must be a subscription GUID/, CONFIG_FIX],
  }),
  config({
    name: "bad clientId GUID",
    config: fleetYaml(auth({ clientId: "1111-2222" })),
    expect: [/azureActiveDirectory\.clientId: must be a GUID .* or 'fromRegistration'/],
  }),
  config({
    name: "bad tenantId GUID",
    config: fleetYaml(auth({ tenantId: "contoso" })),
    expect: [/azureActiveDirectory\.tenantId: must be a tenant GUID/],
  }),
  config({
    name: "an http:// identifier URI (issuer of the tokens' audience)",
    command: updateManifestCommand,
    config: fleetYaml({
      registration: { ...REGISTRATION.registration, identifierUris: ["http://corpus.contoso.com/api"] },
    }),
    expect: [/registration\.identifierUris\[0\]: must be an api:\/\/ or https:\/\/ URI/],
  }),
  config({
    name: "wildcard audience '*'",
    config: fleetYaml(auth({ allowedAudiences: ["*"] })),
    expect: [
      /allowedAudiences\[0\]: '\*': audiences take no wildcards \(Easy Auth compares them literally\)/,
      /list each audience, e.g\. 'api:\/\/\{appId\}'/,
    ],
  }),
  config({
    name: "wildcard inside an audience: api://*",
    config: fleetYaml(auth({ allowedAudiences: ["api://{appId}", "api://*"] })),
    expect: [/allowedAudiences\[1\]: 'api:\/\/\*': audiences take no wildcards/],
  }),
  config({
    name: "wildcard audience in the exact-list form",
    config: fleetYaml(auth({ allowedAudiences: { mode: "exact", values: ["*"] } })),
    expect: [/allowedAudiences\.values\[0\]: '\*': audiences take no wildcards/],
  }),
  config({
    name: "wildcard allowed application",
    config: fleetYaml(auth({ allowedApplications: ["*"] })),
    expect: [/allowedApplications\[0\]: '\*': client application ids take no wildcards/, /list each caller's appId/],
  }),
  config({
    name: "duplicate targets: the same app twice (case differs)",
    config: fleetYaml(AUTH).replace(/^apps:\n/m, "apps:\n  - name: FUNC-ORDERS\n"),
    expect: [/apps\[1\].*(same app|listed twice|twice)/i],
  }),
  config({
    name: "duplicate slot",
    config: fleetYaml({ ...AUTH, slots: ["staging", "Staging"] }),
    expect: [/apps\[0\]\.slots: 'Staging' is listed twice/],
  }),
  config({
    name: "app name with '/'",
    config: fleetYaml({ ...AUTH, name: "func/orders" }),
    expect: [/apps\[0\]\.name: must be 1-59 letters, digits or '-'/],
  }),
  config({
    name: "app name '..'",
    config: fleetYaml({ ...AUTH, name: ".." }),
    expect: [/apps\[0\]\.name: must be 1-59 letters, digits or '-'/],
  }),
  config({
    name: "app name with %2e%2e",
    config: fleetYaml({ ...AUTH, name: "%2e%2e" }),
    expect: [/apps\[0\]\.name: must be 1-59 letters, digits or '-'/],
  }),
  config({
    name: "app name with a space",
    config: fleetYaml({ ...AUTH, name: "func orders" }),
    expect: [/apps\[0\]\.name: must be 1-59 letters, digits or '-'/],
  }),
  config({
    name: "resource group with '/'",
    config: fleetYaml({ ...AUTH, resourceGroup: "rg/../other" }),
    expect: [/apps\[0\]\.resourceGroup: must be 1-90 letters/],
  }),
  config({
    name: "slot name '..'",
    config: fleetYaml({ ...AUTH, slots: [".."] }),
    expect: [/apps\[0\]\.slots\[0\]: must be a slot name/],
  }),
  config({
    name: "function name with '/'",
    command: rotateKeysCommand,
    config: fleetYaml(rotate({ function: "greeting/../admin" })),
    expect: [/keys\.rotate\[0\]\.function: must be a function name/],
  }),
  config({
    name: "missing Key Vault for a rotated key",
    command: rotateKeysCommand,
    config: fleetYaml({ keys: { rotate: [{ name: "apim", scope: "function", function: "greeting" }] } }),
    expect: [/keys\.rotate\[0\]: no Key Vault target; set keys\.vaultUrl/],
  }),
  config({
    name: "an http:// Key Vault URL",
    command: rotateKeysCommand,
    config: fleetYaml(keys({ vaultUrl: "http://kv-apis.vault.azure.net" })),
    expect: [/keys\.vaultUrl: .*must be a vault URL such as https:\/\//],
  }),
  config({
    name: "maxAge 0s (would rotate on every run)",
    command: rotateKeysCommand,
    config: fleetYaml(rotate({ maxAge: "0s" })),
    expect: [/keys\.rotate\[0\]\.maxAge: must be longer than 0 \(0s would rotate again on every run\)/, CONFIG_FIX],
  }),
  config({
    name: "maxAge P0D (zero, ISO form)",
    command: rotateKeysCommand,
    config: fleetYaml(keys({ maxAge: "P0D" })),
    expect: [/apps\[0\]\.keys\.maxAge: must be longer than 0/],
  }),
  config({
    name: "grace 0s",
    command: rotateKeysCommand,
    config: fleetYaml(rotate({ grace: "0s" })),
    expect: [/keys\.rotate\[0\]\.grace: must be longer than 0/],
  }),
  config({
    name: "a negative maxAge",
    command: rotateKeysCommand,
    config: fleetYaml(rotate({ maxAge: "-1d" })),
    expect: [/keys\.rotate\[0\]\.maxAge: must be a duration such as 30d/],
  }),
  config({
    name: "an absurd maxAge (past the end of Date)",
    command: rotateKeysCommand,
    config: fleetYaml(rotate({ maxAge: "999999999d" })),
    expect: [/keys\.rotate\[0\]\.maxAge: must be at most 3650d \(10 years\); '999999999d' is 999999999d/],
  }),
  config({
    name: "grace equal to maxAge",
    command: rotateKeysCommand,
    config: fleetYaml(rotate({ maxAge: "30d", grace: "P30D" })),
    expect: [/keys\.rotate\[0\]\.grace: 30d must be shorter than maxAge \(30d\)/, /Shorten grace or lengthen maxAge/],
  }),
  config({
    name: "grace longer than maxAge through defaults",
    command: rotateKeysCommand,
    config: fleetYaml(rotate({ maxAge: "1d" }), {}).replace(
      /resourceGroup: rg-api\n/,
      "resourceGroup: rg-api\n  keys:\n    grace: 2d\n",
    ),
    expect: [/keys\.rotate\[0\]\.grace: 2d must be shorter than maxAge \(1d\)/],
  }),
  config({
    name: "maxAge in months",
    command: rotateKeysCommand,
    config: fleetYaml(keys({ maxAge: "P1M" })),
    expect: [/keys\.maxAge: .*no years or months/],
  }),
  config({
    name: "secret name with a character Key Vault refuses",
    command: rotateKeysCommand,
    config: fleetYaml(rotate({ secretName: "apim_key" })),
    expect: [/keys\.rotate\[0\]\.secretName: must be letters, digits, '-' and \{placeholders\}/],
  }),
  config({
    name: "a function key without its function",
    command: rotateKeysCommand,
    config: fleetYaml(keys({ rotate: [{ name: "apim", scope: "function" }] })),
    expect: [/keys\.rotate\[0\]\.function: scope 'function' needs the function name/],
  }),
  config({
    name: "missing resource group",
    config: "defaults:\n  subscriptionId: 3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2\napps:\n  - name: func-orders\n",
    expect: [/apps\[0\]\.resourceGroup: missing; set it on the app or in defaults/],
  }),
  config({
    name: "loginParameters without '='",
    config: fleetYaml(auth({ loginParameters: ["scope"] })),
    expect: [/loginParameters\[0\]: must be key=value/],
  }),
  config({
    name: "an unauthenticatedClientAction that does not exist",
    config: fleetYaml({ auth: { unauthenticatedClientAction: "Return402" } }),
    expect: [/apps\[0\]\.auth\.unauthenticatedClientAction: Invalid option: expected one of "Return401"/],
  }),
  config({
    name: "site: minTlsVersion 1.4",
    command: configureSiteCommand,
    config: fleetYaml({ site: { ...SITE.site, minTlsVersion: "1.4" } }),
    expect: [/apps\[0\]\.site\.minTlsVersion: /],
  }),
];
