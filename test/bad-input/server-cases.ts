import { configureAuthCommand } from "../../lib/commands/configure-auth.ts";
import { configureSiteCommand } from "../../lib/commands/configure-site.ts";
import { rotateKeysCommand } from "../../lib/commands/rotate-keys.ts";
import { updateManifestCommand } from "../../lib/commands/update-manifest.ts";
import type { FaultInput } from "../../lib/emulator/faults.ts";
import type { BadInputCase } from "./harness.ts";
import { AUTH, CANARIES, KEYS, REGISTRATION, SITE, fleetYaml } from "./world.ts";

type CaseInput = Omit<BadInputCase, "category" | "command" | "config"> &
  Pick<Partial<BadInputCase>, "command" | "config">;
// One target (no slot), so the one failure is the one message.
const server = (c: CaseInput): BadInputCase => ({
  category: "server",
  command: configureAuthCommand,
  config: fleetYaml({ ...AUTH, slots: [] }),
  argv: ["--yes"],
  ...c,
});
const answer = (service: FaultInput["service"], path: string, status: number, body: string, contentType?: string) => ({
  service,
  path,
  kind: "answer" as const,
  answer: { status, body, ...(contentType ? { contentType } : {}) },
});
const AUTH_LIST = "/config/authsettingsV2/list$";
const HTML_502 = `<!DOCTYPE html><html><head><title>502 - Web server received an invalid response</title></head><body>${"<p>Bad gateway</p>".repeat(200)}</body></html>`;
const UNEXPECTED = /answered 200 with/;
const NOTHING = /nothing was planned or written for this target/;
const RERUN = /fix: Run again; if it persists, check the endpoint variables/;
const keysFleet = fleetYaml({ ...KEYS(), slots: [] });
const siteFleet = fleetYaml({ ...SITE, slots: [] });
const regFleet = fleetYaml(REGISTRATION);

/** Hostile answers from the services, injected through the emulator's faults API. */
export const SERVER_CASES: BadInputCase[] = [
  server({
    name: "authsettingsV2/list: 200 with an error body (data loss before the fix)",
    faults: [answer("arm", AUTH_LIST, 200, JSON.stringify({ error: { code: "InternalError", message: "try later" } }))],
    expect: [UNEXPECTED, /an error body \(InternalError\)/, NOTHING, RERUN],
  }),
  server({
    name: "authsettingsV2/list: 200 without properties",
    faults: [answer("arm", AUTH_LIST, 200, "{}")],
    expect: [UNEXPECTED, /a resource whose id is not …\/config\/authsettingsV2/, NOTHING],
  }),
  server({
    name: "authsettingsV2/list: 200 with properties null",
    faults: [
      answer(
        "arm",
        AUTH_LIST,
        200,
        JSON.stringify({ id: "/x/config/authsettingsV2", name: "authsettingsV2", properties: null }),
      ),
    ],
    expect: [UNEXPECTED, /a resource without a properties object/, NOTHING],
  }),
  server({
    name: "authsettingsV2/list: 200 with a JSON array",
    faults: [answer("arm", AUTH_LIST, 200, "[]")],
    expect: [UNEXPECTED, /a JSON array/, NOTHING],
  }),
  server({
    name: "authsettingsV2/list: 200 with an HTML page",
    faults: [answer("arm", AUTH_LIST, 200, "<html><body>Please sign in to the proxy</body></html>", "text/html")],
    expect: [UNEXPECTED, /an HTML or XML page/, NOTHING],
  }),
  server({
    name: "authsettingsV2/list: 200 with truncated JSON",
    faults: [answer("arm", AUTH_LIST, 200, '{"id":"/x/config/authsettingsV2","properties":{"platform":{"ena')],
    expect: [/the answer could not be read: a truncated or invalid JSON body \(\d+ bytes\)/, /fix: Run again/],
  }),
  server({
    name: "authsettingsV2/list: an HTML 502 page (summarized, never printed)",
    faults: [answer("arm", AUTH_LIST, 502, HTML_502, "text/html")],
    expect: [/502: an HTML error page from 127\.0\.0\.1:\d+/],
  }),
  server({
    name: "authsettingsV2: 403 on the PUT",
    faults: [
      {
        service: "arm",
        method: "PUT",
        path: "authsettingsV2$",
        kind: "status",
        status: 403,
        code: "AuthorizationFailed",
      },
    ],
    expect: [/missing permission .* for command configure-auth/, /fix: To the signed-in principal, assign a role/],
  }),
  server({
    name: "authsettingsV2: 409 on the PUT",
    faults: [{ service: "arm", method: "PUT", path: "authsettingsV2$", kind: "status", status: 409, code: "Conflict" }],
    expect: [/PUT .*authsettingsV2: 409 Conflict/],
  }),
  server({
    name: "configure-site: config/web 200 with an error body",
    command: configureSiteCommand,
    config: siteFleet,
    faults: [answer("arm", "/config/web$", 200, JSON.stringify({ error: { code: "Oops", message: "no" } }))],
    expect: [UNEXPECTED, /an error body \(Oops\)/, NOTHING],
  }),
  server({
    name: "configure-site: the site GET 200 without properties",
    command: configureSiteCommand,
    config: siteFleet,
    faults: [
      { ...answer("arm", "/sites/func-orders$", 200, JSON.stringify({ id: "/x/sites/func-orders" })), method: "GET" },
    ],
    expect: [UNEXPECTED, /a resource without a properties object/, NOTHING],
  }),
  server({
    name: "configure-site: 409 on the PATCH",
    command: configureSiteCommand,
    config: fleetYaml({ site: { minTlsVersion: "1.3" }, slots: [] }),
    faults: [{ service: "arm", method: "PATCH", path: "/config/web$", kind: "status", status: 409, code: "Conflict" }],
    expect: [/PATCH .*config\/web: 409 Conflict/],
  }),
  server({
    name: "rotate-keys: listkeys 200 with an error body (read as 'no keys' before the fix)",
    command: rotateKeysCommand,
    config: keysFleet,
    faults: [answer("arm", "functions/greeting/listkeys$", 200, JSON.stringify({ error: { code: "BadRequest" } }))],
    expect: [UNEXPECTED, /an error body \(BadRequest\)/, NOTHING],
  }),
  server({
    name: "rotate-keys: listkeys truncated, quoting key values (secret leak before the fix)",
    command: rotateKeysCommand,
    config: keysFleet,
    faults: [
      answer(
        "arm",
        "functions/greeting/listkeys$",
        200,
        `{"default":"${CANARIES.functionKey}","apim-20260101t0000z":"${CANARIES.hostKey}`,
      ),
    ],
    expect: [/the answer could not be read: a truncated or invalid JSON body/],
  }),
  server({
    name: "rotate-keys: listkeys with a non-string key value",
    command: rotateKeysCommand,
    config: keysFleet,
    faults: [answer("arm", "functions/greeting/listkeys$", 200, JSON.stringify({ default: 42 }))],
    expect: [UNEXPECTED, /a key map where 'default' is not a string/, NOTHING],
  }),
  server({
    name: "rotate-keys: host listkeys without functionKeys",
    command: rotateKeysCommand,
    config: fleetYaml({ keys: { vaultUrl: "fromEnv", rotate: [{ name: "partner", scope: "host" }] }, slots: [] }),
    faults: [answer("arm", "host/default/listkeys$", 200, JSON.stringify({ masterKey: CANARIES.masterKey }))],
    expect: [UNEXPECTED, /no functionKeys map/, NOTHING],
  }),
  server({
    name: "rotate-keys: Key Vault answers truncated JSON holding the secret value",
    command: rotateKeysCommand,
    config: keysFleet,
    faults: [
      answer(
        "keyvault",
        "/secrets/",
        200,
        `{"value":"${CANARIES.vaultValue}","id":"https://kv/secrets/x/1","attributes":{`,
      ),
    ],
    expect: [/Key Vault GET .*the answer could not be read: a truncated or invalid JSON body/],
  }),
  server({
    name: "rotate-keys: Key Vault 403 on the read",
    command: rotateKeysCommand,
    config: keysFleet,
    faults: [{ service: "keyvault", method: "GET", path: "/secrets/", kind: "status", status: 403, code: "Forbidden" }],
    expect: [/Key Vault GET .*\/secrets\/func-orders-production-greeting-apim: 403 Forbidden/],
  }),
  server({
    // The key is created on the app before it is published; a refused create is the first write, so nothing lands.
    name: "rotate-keys: 403 on the key create",
    command: rotateKeysCommand,
    config: keysFleet,
    faults: [
      { service: "arm", method: "PUT", path: "/keys/", kind: "status", status: 403, code: "AuthorizationFailed" },
    ],
    expect: [/missing permission .* for command rotate-keys/],
  }),
  server({
    name: "update-manifest: the application GET 200 without an id",
    command: updateManifestCommand,
    config: regFleet,
    faults: [{ ...answer("graph", "/applications", 200, JSON.stringify({ displayName: "x" })), method: "GET" }],
    expect: [UNEXPECTED, /an object without an id/, NOTHING],
  }),
  server({
    name: "update-manifest: Graph 200 with an error body",
    command: updateManifestCommand,
    config: regFleet,
    faults: [
      {
        ...answer(
          "graph",
          "/applications",
          200,
          JSON.stringify({ error: { code: "Request_BadRequest", message: "x" } }),
        ),
        method: "GET",
      },
    ],
    expect: [UNEXPECTED, /an error body \(Request_BadRequest\)/, NOTHING],
  }),
  server({
    name: "update-manifest: Graph answers an HTML 502 page",
    command: updateManifestCommand,
    config: regFleet,
    faults: [{ ...answer("graph", "/applications", 502, HTML_502, "text/html"), method: "GET" }],
    expect: [/GET \/applications\(uniqueName='corpus-api'\): 502: an HTML error page from 127\.0\.0\.1:\d+/],
  }),
  server({
    name: "update-manifest: Graph answers truncated JSON",
    command: updateManifestCommand,
    config: regFleet,
    faults: [{ ...answer("graph", "/applications", 200, '{"id":"1","appId":"'), method: "GET" }],
    expect: [/GET \/applications\(uniqueName='corpus-api'\): 200: the answer could not be read: invalid JSON/],
  }),
  server({
    name: "update-manifest: 403 on the create",
    command: updateManifestCommand,
    config: regFleet,
    faults: [
      {
        service: "graph",
        method: "PATCH",
        path: "/applications",
        kind: "status",
        status: 403,
        code: "Authorization_RequestDenied",
      },
    ],
    expect: [/missing permission Application\.ReadWrite\.OwnedBy .* for command update-manifest/],
  }),
];
