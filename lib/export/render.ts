import YAML, { isCollection, isScalar } from "yaml";
import type { ExportNote } from "../pipeline/contract.ts";

export interface RenderInput {
  document: Record<string, unknown>;
  /** Notes per app, in the order of `document.apps`. */
  notes: ExportNote[][];
  header: string[];
  /** Notes on the whole file (defaults given up). */
  fileNotes: string[];
}

/** `keys.rotate[0]` → ["keys", "rotate", 0]. */
function pathOf(path: string): Array<string | number> {
  return path
    .split(".")
    .flatMap((part) => {
      const m = /^([^[]+)((?:\[\d+\])*)$/.exec(part);
      if (!m) return [part];
      const idx = [...m[2]!.matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
      return [m[1]!, ...idx];
    })
    .filter((p) => p !== "");
}

const line = (n: ExportNote) => `${n.note}: ${n.why}`;

/**
 * The fleet as YAML with a comment at each inferred value and each thing left out: on the value itself when the app's
 * block still holds it, else above the app. Comments never carry a value read from a secret (none is ever read).
 */
export function renderFleetYaml(input: RenderInput): string {
  const doc = new YAML.Document(input.document, { aliasDuplicateObjects: false });
  doc.commentBefore = [...input.header, ...input.fileNotes].map((l) => ` ${l}`).join("\n");
  input.notes.forEach((notes, i) => {
    const above: string[] = [];
    for (const n of notes) {
      const node = doc.getIn(["apps", i, ...pathOf(n.path)], true);
      if (isScalar(node) && n.note === "inferred") node.comment = ` ${line(n)}`;
      else if (isCollection(node) && n.note === "inferred")
        node.commentBefore = [node.commentBefore, ` ${line(n)}`].filter(Boolean).join("\n");
      else above.push(`${n.path}: ${line(n)}`);
    }
    const app = doc.getIn(["apps", i], true);
    if (isCollection(app) && above.length) app.commentBefore = above.map((l) => ` ${l}`).join("\n");
  });
  return doc.toString({ lineWidth: 0 });
}
