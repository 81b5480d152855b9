import type { GraphApi } from "../../azure/graph-client.ts";
import { RefusedError } from "../../errors.ts";
import { readApplication, type PasswordInfo } from "./observe.ts";
import { toolMadeAt } from "./plan.ts";
import { removePassword } from "./remove-password.ts";

/**
 * Two runs rotating one registration at once each add a password, and Graph's addPassword takes no precondition. So
 * right after adding, a run lists the registration's passwords, and if another tool-made password was added since it
 * observed, it removes its own before publishing anything and stops for the app. A run that listed before the other
 * added goes on, the other stops; when both see each other both stop and the rerun rotates once. Creation times do not
 * order the two: Graph stamps startDateTime to the second, so two adds in one second tie.
 */
export async function yieldToOtherPassword(
  graph: GraphApi,
  app: { appId: string; appObjectId: string; observed: readonly PasswordInfo[] },
  mine: string,
  log: (line: string) => void,
  appName: string,
): Promise<void> {
  const before = new Set(app.observed.map((p) => p.keyId));
  const listed = (await readApplication(graph, app.appId))?.passwords ?? [];
  const other = listed.find((p) => !before.has(p.keyId) && p.keyId !== mine && toolMadeAt(p));
  if (!other) return;
  await removePassword(
    graph,
    app.appObjectId,
    { keyId: mine, why: "another run added one at the same time" },
    log,
    appName,
  );
  throw new RefusedError(
    `another run added a password to registration ${app.appId} at the same time (${other.keyId}); this run removed its own (${mine}) and published nothing`,
    { fix: "Run again once the other run has finished: it plans against what that run published." },
  );
}
