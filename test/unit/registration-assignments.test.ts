import { describe, expect, test } from "vitest";
import { validateConfig } from "../../lib/config/load.ts";
import { APP, existingApplication } from "./registration-fixtures.ts";
import { desiredRegistration } from "../../lib/resources/registration/desired.ts";
import { planRegistration } from "../../lib/resources/registration/plan.ts";
import type { RegistrationConfig } from "../../lib/resources/registration/schema.ts";
import {
  SP_ID,
  type AppRole,
  type GraphStep,
  type JsonObject,
  type Observed,
} from "../../lib/resources/registration/types.ts";

const SP = "5e0e0000-0000-4000-8000-000000000002";
const APIM = "a9a90000-0000-4000-8000-000000000001"; // a client application (appId)
const APIM_SP = "a9a90000-0000-4000-8000-00000000000a";
const MI = "b1b10000-0000-4000-8000-000000000001"; // a managed identity's service principal object id
const CALL = "c0c00000-0000-4000-8000-000000000001";

const role = (id: string, value: string): AppRole => ({
  id,
  value,
  isEnabled: true,
  displayName: value,
  description: value,
  allowedMemberTypes: ["Application"],
});
const application = (appRoles: AppRole[]) => existingApplication({ appRoles });
const existing = (more: Partial<Observed> = {}): Observed => ({
  application: application([role(CALL, "Greeting.Call")]),
  servicePrincipal: { id: SP, appId: APP, appRoleAssignmentRequired: true, tags: [] },
  grants: [],
  resources: {},
  assignments: [],
  callers: { [APIM]: APIM_SP },
  ...more,
});
let n = 0;
const ids = () => `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`;
const reg = (
  assignments: RegistrationConfig["assignments"],
  extra: Partial<RegistrationConfig> = {},
): RegistrationConfig => ({
  uniqueName: "greeting-api",
  appRoles: [{ value: "Greeting.Call", allowedMemberTypes: ["Application"] }],
  assignments,
  ...extra,
});
const plan = (r: RegistrationConfig, o: Observed) => planRegistration(desiredRegistration(r), o, ids);
const bodyOf = (s: GraphStep | undefined): JsonObject => (s && "body" in s ? s.body : {});
const assignmentSteps = (p: ReturnType<typeof plan>) =>
  p.steps.filter((s) => s.op === "createAssignment" || s.op === "deleteAssignment");

describe("app role assignments (servicePrincipal: appRoleAssignedTo)", () => {
  test("a missing assignment is one POST naming caller, resource and role id; a present one is unchanged", () => {
    const p = plan(
      reg([
        { role: "Greeting.Call", appId: APIM },
        { role: "Greeting.Call", principalId: MI },
      ]),
      existing(),
    );
    expect(assignmentSteps(p)).toEqual([
      {
        op: "createAssignment",
        why: `assign Greeting.Call to app ${APIM}`,
        body: { principalId: APIM_SP, resourceId: SP, appRoleId: CALL },
      },
      {
        op: "createAssignment",
        why: `assign Greeting.Call to service principal ${MI}`,
        body: { principalId: MI, resourceId: SP, appRoleId: CALL },
      },
    ]);
    expect(
      p.changes.filter((c) => c.path[1] === "appRoleAssignedTo").every((c) => c.kind === "add" && c.security),
    ).toBe(true);

    const done = existing({
      assignments: [
        { id: "as-1", principalId: APIM_SP, principalType: "ServicePrincipal", appRoleId: CALL },
        { id: "as-2", principalId: MI, principalType: "ServicePrincipal", appRoleId: CALL },
      ],
    });
    const again = plan(
      reg([
        { role: "Greeting.Call", appId: APIM },
        { role: "Greeting.Call", principalId: MI },
      ]),
      done,
    );
    expect(assignmentSteps(again)).toEqual([]);
    expect(again.steps).toEqual([]);
  });

  test("include keeps other callers' assignments; exact removes service principals' ones, never users'", () => {
    const others = existing({
      assignments: [
        { id: "as-1", principalId: APIM_SP, principalType: "ServicePrincipal", appRoleId: CALL },
        {
          id: "as-old",
          principalId: "d0d00000-0000-4000-8000-000000000001",
          principalType: "ServicePrincipal",
          appRoleId: CALL,
        },
        { id: "as-user", principalId: "e0e00000-0000-4000-8000-000000000001", principalType: "User", appRoleId: CALL },
      ],
    });
    expect(assignmentSteps(plan(reg([{ role: "Greeting.Call", appId: APIM }]), others))).toEqual([]);
    const exact = plan(reg({ mode: "exact", values: [{ role: "Greeting.Call", appId: APIM }] }), others);
    expect(assignmentSteps(exact)).toEqual([
      expect.objectContaining({ op: "deleteAssignment", assignmentId: "as-old" }),
    ]);
    expect(exact.changes.find((c) => c.kind === "remove")?.field).toMatch(
      /Greeting\.Call → service principal d0d00000/,
    );
  });

  test("a role added in the same run is assigned with its new id, after the PATCH that adds it", () => {
    const noRole = existing({ application: application([]) });
    const p = plan(reg([{ role: "Greeting.Call", appId: APIM }]), noRole);
    const patch = p.steps.findIndex((s) => s.op === "patchApplication");
    const assign = p.steps.findIndex((s) => s.op === "createAssignment");
    expect(patch).toBeGreaterThanOrEqual(0);
    expect(assign).toBeGreaterThan(patch);
    const newRole = (bodyOf(p.steps[patch]).appRoles as AppRole[]).find((r) => r.value === "Greeting.Call")!;
    expect(bodyOf(p.steps[assign]).appRoleId).toBe(newRole.id);
  });

  test("a new registration: the assignment waits for its service principal (placeholder filled in by apply)", () => {
    const p = plan(reg([{ role: "Greeting.Call", principalId: MI }]), { grants: [], resources: {} });
    const step = p.steps.find((s) => s.op === "createAssignment") as { body: Record<string, unknown> };
    expect(step.body.resourceId).toBe(SP_ID);
    expect(p.steps.findIndex((s) => s.op === "createServicePrincipal")).toBeLessThan(p.steps.indexOf(step as never));
  });

  test("a caller with no service principal, or a role the registration lacks, is a warning and no write", () => {
    const p = plan(
      reg([{ role: "Greeting.Call", appId: "f0f00000-0000-4000-8000-000000000001" }]),
      existing({ callers: { "f0f00000-0000-4000-8000-000000000001": null } }),
    );
    expect(assignmentSteps(p)).toEqual([]);
    expect(p.warnings.join("\n")).toMatch(/has no service principal in this tenant/);
    const q = plan(reg([{ role: "Orders.Process", principalId: MI }], { appRoles: undefined }), existing());
    expect(assignmentSteps(q)).toEqual([]);
    expect(q.warnings.join("\n")).toMatch(/no enabled app role 'Orders.Process'/);
  });

  test("config: a caller named by exactly one of appId / principalId; duplicates refused; unknown role warned", () => {
    const fleet = (assignments: unknown) => ({
      defaults: { subscriptionId: "3c9d2e47-1f60-4b8a-a5d3-92e1f0c4b7a2", resourceGroup: "rg" },
      apps: [
        { name: "func-a", registration: { uniqueName: "a-api", appRoles: [{ value: "Greeting.Call" }], assignments } },
      ],
    });
    expect(() => validateConfig(fleet([{ role: "Greeting.Call" }]), "f.yaml")).toThrow(/problem/);
    expect(() => validateConfig(fleet([{ role: "Greeting.Call", appId: APIM, principalId: MI }]), "f.yaml")).toThrow(
      /problem/,
    );
    const dup = (() => {
      try {
        validateConfig(
          fleet([
            { role: "Greeting.Call", appId: APIM },
            { role: "Greeting.Call", appId: APIM.toUpperCase() },
          ]),
          "f.yaml",
        );
      } catch (e) {
        return (e as { issues: string[] }).issues.join("\n");
      }
      return "";
    })();
    expect(dup).toMatch(/apps\[0\]\.registration\.assignments: Greeting\.Call to a9a90000.* is listed twice/);
    expect(validateConfig(fleet([{ role: "Other.Role", principalId: MI }]), "f.yaml").warnings.join("\n")).toMatch(
      /assignments\[0\]\.role: 'Other.Role' is not among/,
    );
  });
});
