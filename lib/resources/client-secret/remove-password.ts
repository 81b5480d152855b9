import { GraphRequestError, type GraphApi } from "../../azure/graph-client.ts";

/**
 * `POST /applications/{id}/removePassword` of one password the plan retires; a 404 means it is already gone (a run
 * stopped after removing it), which is the state wanted. Returns the summary line.
 */
export async function removePassword(
  graph: GraphApi,
  appObjectId: string,
  step: { keyId: string; why: string },
  log: (line: string) => void,
  appName: string,
): Promise<string> {
  log(`${appName}: removePassword ${step.keyId} (${step.why})`);
  try {
    // Sent once, as every Graph POST (docs/contracts/graph.md §5.4): a lost answer is settled by the next run's 404.
    await graph.postOnce(`/applications/${appObjectId}/removePassword`, { keyId: step.keyId });
    return `removed password ${step.keyId} (${step.why})`;
  } catch (e) {
    if (!(e instanceof GraphRequestError && e.status === 404)) throw e;
    return `password ${step.keyId} was already gone`;
  }
}
