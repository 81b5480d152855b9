import { checkpointOf, storedDocument, type Checkpointable, type StoredDocument } from "../checkpoint.ts";
import {
  mirrorOf,
  newServicePrincipal,
  type Application,
  type AppRoleAssignment,
  type PermissionGrant,
  type ServicePrincipal,
  type Stored,
} from "./model.ts";
import type { NestedPatchMode } from "./patch.ts";
import { FIRST_PARTY } from "./well-known.ts";

export interface GraphSettings {
  visibilityDelayMs: number;
  verifiedDomains: string[];
  pageSize: number;
  nestedPatch: NestedPatchMode;
  defaultSignInAudience: string;
}

export type EntitySet = "applications" | "servicePrincipals" | "oauth2PermissionGrants";

const k = (s: string) => s.toLowerCase();

/** The directory objects the emulated Graph holds, with their replication delay. */
export class GraphState implements Checkpointable {
  readonly applications = new Map<string, Stored<Application>>();
  readonly servicePrincipals = new Map<string, Stored<ServicePrincipal>>();
  readonly grants = new Map<string, Stored<PermissionGrant>>();
  /** App role assignments by id (case-sensitive: base64url); each names its principal and resource service principal. */
  readonly assignments = new Map<string, Stored<AppRoleAssignment>>();
  /** Application changes a service principal has yet to pick up, by SP id ("the synchronization isn't immediate", docs/contracts/graph.md §3.1). */
  private readonly pendingMirrors = new Map<string, Array<{ at: number; values: Partial<ServicePrincipal> }>>();

  constructor(
    readonly tenantId: string,
    readonly settings: GraphSettings,
    readonly now: () => number = Date.now,
  ) {
    for (const fp of FIRST_PARTY) {
      const sp = newServicePrincipal(fp, tenantId);
      this.servicePrincipals.set(k(sp.id), { data: sp, visibleAt: 0 });
    }
  }

  visible(s: Stored<unknown>): boolean {
    return s.visibleAt <= this.now();
  }

  private stamp<T>(data: T): Stored<T> {
    return { data, visibleAt: this.now() + this.settings.visibilityDelayMs };
  }

  /** Stores `data` under `key` in `map`, stamped with when it becomes visible. */
  private add<T>(map: Map<string, Stored<T>>, key: string, data: T): Stored<T> {
    const s = this.stamp(data);
    map.set(key, s);
    return s;
  }

  addApplication(app: Application): Stored<Application> {
    return this.add(this.applications, k(app.id), app);
  }
  addServicePrincipal(sp: ServicePrincipal): Stored<ServicePrincipal> {
    return this.add(this.servicePrincipals, k(sp.id), sp);
  }
  addGrant(g: PermissionGrant): Stored<PermissionGrant> {
    return this.add(this.grants, k(g.id), g);
  }

  addAssignment(a: AppRoleAssignment): Stored<AppRoleAssignment> {
    return this.add(this.assignments, a.id, a);
  }

  /** Assignments on a resource service principal (`appRoleAssignedTo`) or held by a principal (`appRoleAssignments`). */
  assignmentsBy(side: "resourceId" | "principalId", objectId: string): Stored<AppRoleAssignment>[] {
    return [...this.assignments.values()].filter((s) => k(s.data[side]) === k(objectId));
  }

  /** Deleting a service principal deletes the assignments it holds and those made on it. */
  deleteServicePrincipal(id: string): void {
    this.servicePrincipals.delete(k(id));
    this.pendingMirrors.delete(id);
    for (const [key, s] of this.assignments)
      if (k(s.data.principalId) === k(id) || k(s.data.resourceId) === k(id)) this.assignments.delete(key);
  }

  findApplication(prop: "id" | "appId" | "uniqueName", value: string): Stored<Application> | undefined {
    if (prop === "id") return this.applications.get(k(value));
    return [...this.applications.values()].find(
      (s) => typeof s.data[prop] === "string" && k(s.data[prop]) === k(value),
    );
  }

  findServicePrincipal(prop: "id" | "appId", value: string): Stored<ServicePrincipal> | undefined {
    const s =
      prop === "id"
        ? this.servicePrincipals.get(k(value))
        : [...this.servicePrincipals.values()].find((e) => k(e.data.appId) === k(value));
    return s && this.settle(s);
  }

  findGrant(id: string): Stored<PermissionGrant> | undefined {
    return this.grants.get(k(id));
  }

  list(set: EntitySet): Stored<Application | ServicePrincipal | PermissionGrant>[] {
    if (set === "servicePrincipals") return [...this.servicePrincipals.values()].map((s) => this.settle(s));
    return [...(set === "applications" ? this.applications : this.grants).values()];
  }

  /** Queues the application's current scopes, roles and names for its service principal, due after the delay. */
  applicationChanged(app: Application): void {
    const sp = [...this.servicePrincipals.values()].find((s) => k(s.data.appId) === k(app.appId));
    if (!sp) return;
    const queue = this.pendingMirrors.get(sp.data.id) ?? [];
    queue.push({ at: this.now() + this.settings.visibilityDelayMs, values: mirrorOf(app) });
    this.pendingMirrors.set(sp.data.id, queue);
  }

  private settle(s: Stored<ServicePrincipal>): Stored<ServicePrincipal> {
    const queue = this.pendingMirrors.get(s.data.id);
    while (queue?.length && queue[0]!.at <= this.now()) Object.assign(s.data, queue.shift()!.values);
    return s;
  }

  checkpoint(dropPaths?: string[]): () => void {
    return checkpointOf(
      [this.applications, this.servicePrincipals, this.grants, this.assignments, this.pendingMirrors],
      () => this.documents(),
      dropPaths,
    );
  }

  /** Every stored object, for a not-persisted fault's `dropPaths`. A restored application is mirrored again. */
  private documents(): StoredDocument[] {
    type Json = Record<string, unknown>;
    const of = <T>(set: EntitySet | "appRoleAssignments", map: Map<string, Stored<T>>, changed?: (data: T) => void) =>
      [...map].map(([id, s]) =>
        storedDocument(
          `${set}/${id}`,
          () => s.data as Json,
          (v) => {
            s.data = v as T;
            changed?.(s.data);
          },
        ),
      );
    return [
      ...of("applications", this.applications, (app) => this.applicationChanged(app)),
      ...of("servicePrincipals", this.servicePrincipals),
      ...of("oauth2PermissionGrants", this.grants),
      ...of("appRoleAssignments", this.assignments),
    ];
  }

  snapshot(): Record<string, unknown> {
    const view = <T>(s: Stored<T>) => ({ ...s.data, "@emulator.visible": this.visible(s) });
    return {
      settings: this.settings,
      applications: [...this.applications.values()].map(view),
      servicePrincipals: this.list("servicePrincipals").map(view),
      oauth2PermissionGrants: [...this.grants.values()].map(view),
      appRoleAssignments: [...this.assignments.values()].map(view),
    };
  }
}
