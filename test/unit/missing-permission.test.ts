import { describe, expect, test } from "vitest";
import { describeMissingPermission, missingPermission } from "../../lib/azure/missing-permission.ts";
import { armAction } from "../../lib/emulator/authorization/arm.ts";
import { actionMatches } from "../../lib/emulator/authorization/grants.ts";
import { graphRequirement } from "../../lib/emulator/authorization/graph.ts";
import { keyVaultAction } from "../../lib/emulator/authorization/keyvault.ts";
import { AzureRequestError } from "../../lib/errors.ts";

const SITE = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/func-a";

describe("emulator: the RBAC action of an ARM request, as ARM derives it", () => {
  test.each([
    ["GET", SITE, "Microsoft.Web/sites/read", SITE],
    ["PATCH", `${SITE}/config/web`, "Microsoft.Web/sites/config/write", `${SITE}/config/web`],
    [
      "GET",
      `${SITE}/config/authsettingsV2/list`,
      "Microsoft.Web/sites/config/list/action",
      `${SITE}/config/authsettingsV2`,
    ],
    [
      "POST",
      `${SITE}/slots/staging/functions/greeting/listkeys`,
      "Microsoft.Web/sites/slots/functions/listkeys/action",
      `${SITE}/slots/staging/functions/greeting`,
    ],
    [
      "DELETE",
      `${SITE}/host/default/functionKeys/partner-1`,
      "Microsoft.Web/sites/host/functionKeys/delete",
      `${SITE}/host/default/functionKeys/partner-1`,
    ],
    ["GET", "/subscriptions/s/resources", "Microsoft.Resources/subscriptions/resources/read", "/subscriptions/s"],
    [
      "GET",
      "/subscriptions/s/resourceGroups/rg/resources",
      "Microsoft.Resources/subscriptions/resourceGroups/resources/read",
      "/subscriptions/s/resourceGroups/rg",
    ],
  ])("%s %s → %s", (method, path, action, scope) => {
    expect(armAction(method, path)).toEqual({ action, scope });
  });

  test("wildcards and case, as role definitions write them", () => {
    expect(actionMatches("Microsoft.Web/sites/*", "Microsoft.Web/sites/config/write")).toBe(true);
    expect(actionMatches("*/read", "Microsoft.Web/sites/read")).toBe(true);
    expect(
      actionMatches("microsoft.web/sites/host/functionkeys/write", "Microsoft.Web/sites/host/functionKeys/write"),
    ).toBe(true);
    expect(actionMatches("Microsoft.Web/sites/read", "Microsoft.Web/sites/write")).toBe(false);
  });
});

describe("emulator: Graph permissions and Key Vault data actions per call", () => {
  test("Graph: reads with any Application permission; writes need OwnedBy as owner, or All", () => {
    expect(graphRequirement("GET", "/applications").anyOf).toContain("Application.ReadWrite.OwnedBy");
    expect(graphRequirement("POST", "/applications")).toMatchObject({ ownedBy: "create" });
    expect(graphRequirement("PATCH", "/applications(uniqueName='x')")).toMatchObject({ ownedBy: "owner" });
    expect(graphRequirement("POST", "/servicePrincipals/id/appRoleAssignedTo").anyOf).toEqual([
      "AppRoleAssignment.ReadWrite.All",
    ]);
    expect(graphRequirement("POST", "/oauth2PermissionGrants").anyOf).toContain(
      "DelegatedPermissionGrant.ReadWrite.All",
    );
  });
  test.each([
    ["GET", "/secrets/apim", "getSecret/action"],
    ["GET", "/secrets/apim/versions", "readMetadata/action"],
    ["PUT", "/secrets/apim", "setSecret/action"],
    ["PATCH", "/secrets/apim/v1", "update/action"],
    ["DELETE", "/secrets/apim", "delete"],
  ])("Key Vault %s %s → secrets/%s", (method, path, action) => {
    expect(keyVaultAction(method, path)).toBe(`Microsoft.KeyVault/vaults/secrets/${action}`);
  });
});

const refused = (
  service: "arm" | "graph" | "keyvault",
  code: string,
  message: string,
  method = "GET",
  url = "https://x/y",
) => new AzureRequestError(message, { service, status: 403, code, method, url });

describe("the tool: a 403 becomes 'missing permission X on scope Y for command Z'", () => {
  test("ARM: the action and scope ARM names", () => {
    const e = refused(
      "arm",
      "AuthorizationFailed",
      `PUT …: 403 AuthorizationFailed: The client 'c' with object id 'o' does not have authorization to perform action 'Microsoft.Web/sites/config/write' over scope '${SITE}/config/authsettingsV2' or the scope is invalid.`,
    );
    const d = describeMissingPermission(missingPermission(e)!, "configure-auth");
    expect(d.message).toBe(
      `missing permission Microsoft.Web/sites/config/write on scope ${SITE}/config/authsettingsV2 for command configure-auth`,
    );
    expect(d.fix).toMatch(/assign a role .*docs\/permissions\.md/);
  });
  test("Graph: names what the call needs, since Graph does not", () => {
    const write = missingPermission(
      refused(
        "graph",
        "Authorization_RequestDenied",
        "Insufficient privileges",
        "PATCH",
        "https://graph/v1.0/applications/1",
      ),
    );
    expect(write).toMatchObject({
      permission: "Application.ReadWrite.OwnedBy",
      scope: "/applications/1 in the signed-in tenant",
    });
    expect(describeMissingPermission(write!, "update-manifest").fix).toMatch(
      /owner of the registration.*Application\.ReadWrite\.All/,
    );
    const grant = missingPermission(
      refused("graph", "Authorization_RequestDenied", "x", "POST", "https://graph/v1.0/oauth2PermissionGrants"),
    );
    expect(grant?.permission).toBe("DelegatedPermissionGrant.ReadWrite.All");
  });
  test("Key Vault: the data action from the message, else from the call", () => {
    const named = refused(
      "keyvault",
      "ForbiddenByRbac",
      "Caller is not authorized…\r\nAction: 'Microsoft.KeyVault/vaults/secrets/setSecret/action'\r\nResource: '/vaults/kv/secrets/a'",
    );
    expect(missingPermission(named)).toMatchObject({
      permission: "Microsoft.KeyVault/vaults/secrets/setSecret/action",
      scope: "/vaults/kv/secrets/a",
    });
    const bare = refused("keyvault", "ForbiddenByRbac", "Forbidden", "GET", "https://kv/secrets/a");
    expect(missingPermission(bare)?.permission).toBe("Microsoft.KeyVault/vaults/secrets/getSecret/action");
  });
  test("anything else is not a permission problem", () => {
    expect(
      missingPermission(
        new AzureRequestError("x", { service: "arm", status: 404, code: "NotFound", method: "GET", url: "u" }),
      ),
    ).toBeUndefined();
    expect(missingPermission(refused("graph", "Authorization_IdentityNotFound", "x"))).toBeUndefined();
    expect(missingPermission(new Error("boom"))).toBeUndefined();
  });
});
