import { readFileSync } from "node:fs";
import { isMap, isSeq, LineCounter, parseDocument, type Node } from "yaml";

/** A place in the fleet config: the file, the 1-based line, and the dotted path that was found there. */
export interface ConfigLine {
  file: string;
  line?: number;
  path: string;
}

/** `apps[2].auth.tokenStore` → ["apps", 2, "auth", "tokenStore"]. */
export function parseConfigPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

const formatConfigPath = (keys: readonly (string | number)[]) =>
  keys.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");

/**
 * Finds config paths in the YAML file as written: the deepest part of the path that exists there (the field when it
 * is set, else the app's block), with its line. The file is parsed once; a file that cannot be read locates nothing.
 */
export function configLocator(file: string, text?: string): (path: string) => ConfigLine | undefined {
  let source: string;
  try {
    source = text ?? readFileSync(file, "utf8");
  } catch {
    return () => undefined;
  }
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines });
  return (path) => {
    const keys = parseConfigPath(path);
    let node: unknown = doc.contents;
    let found: { node: Node; depth: number } | undefined;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      let next: unknown;
      if (typeof k === "number" && isSeq(node)) next = node.items[k];
      else if (typeof k === "string" && isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === k);
        // A key's own line is where a reader looks, not its value's.
        next = pair?.value ?? undefined;
        if (pair?.key) found = { node: pair.key as Node, depth: i + 1 };
        node = next;
        continue;
      }
      if (!next) break;
      found = { node: next as Node, depth: i + 1 };
      node = next;
    }
    // An app found in Azure (discovery) has no block of its own: no location rather than the `apps:` line.
    const minDepth = keys[0] === "apps" && typeof keys[1] === "number" ? 2 : 1;
    if (!found?.node.range || found.depth < minDepth) return undefined;
    return {
      file,
      line: lines.linePos(found.node.range[0]).line,
      path: formatConfigPath(keys.slice(0, found.depth)),
    };
  };
}
