import { createHash } from "node:crypto";

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** A stable hash of a JSON document (key order ignored): what was observed when a plan was made. */
export function fingerprint(doc: unknown): string {
  return (
    "sha256:" +
    createHash("sha256")
      .update(JSON.stringify(canonical(doc) ?? null))
      .digest("hex")
  );
}
