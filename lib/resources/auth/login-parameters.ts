/**
 * `login.loginParameters` entries are `key=value` strings (spec: "Each parameter must be in the form key=value").
 * `scope=` holds a space-separated set; every other key is a single value.
 */
export interface ParsedLoginParameters {
  /** Keys in first-seen order, `scope` included where it appeared. */
  order: string[];
  values: Map<string, string>;
  scopes: string[];
}

const OIDC_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);

function splitEntry(entry: string): [string, string] {
  const i = entry.indexOf("=");
  // Split on the first '=' only: values may contain '=' (the az CLI's split("=")[1] truncates them;
  // docs/contracts/arm.md §13.1).
  return i < 0 ? [entry.trim(), ""] : [entry.slice(0, i).trim(), entry.slice(i + 1)];
}

const addScopes = (into: string[], value: string) => {
  for (const s of value.split(/\s+/).filter(Boolean)) if (!into.includes(s)) into.push(s);
};

export function parseLoginParameters(entries: readonly string[]): ParsedLoginParameters {
  const order: string[] = [];
  const values = new Map<string, string>();
  const scopes: string[] = [];
  for (const entry of entries) {
    const [key, value] = splitEntry(entry);
    if (!order.includes(key)) order.push(key);
    if (key === "scope") addScopes(scopes, value);
    else values.set(key, value);
  }
  return { order, values, scopes };
}

export function formatLoginParameters(p: ParsedLoginParameters): string[] {
  return p.order.map((k) => (k === "scope" ? `scope=${p.scopes.join(" ")}` : `${k}=${p.values.get(k) ?? ""}`));
}

/**
 * Key-wise merge: scope values are a set (existing order kept, new ones appended), desired keys set their value,
 * every other existing entry is kept. Duplicate keys collapse into their first position. With `exact`, the result is
 * the desired entries alone.
 */
export function mergeLoginParameters(
  existing: readonly string[],
  desired: readonly string[],
  mode: "include" | "exact" = "include",
): string[] {
  const want = parseLoginParameters(desired);
  if (mode === "exact") return formatLoginParameters(want);
  const have = parseLoginParameters(existing);
  for (const key of want.order) {
    if (!have.order.includes(key)) have.order.push(key);
    if (key === "scope") addScopes(have.scopes, want.scopes.join(" "));
    else have.values.set(key, want.values.get(key) ?? "");
  }
  return formatLoginParameters(have);
}

/**
 * Resources named by non-OIDC scopes (`https://management.azure.com/user_impersonation` → `https://management.azure.com`).
 * Bare scopes like `User.Read` belong to Microsoft Graph.
 */
export function scopeResources(scopes: readonly string[]): string[] {
  const resources: string[] = [];
  for (const s of scopes) {
    if (OIDC_SCOPES.has(s)) continue;
    const m = /^((?:https?|api):\/\/[^/]+(?:\/[^/]+)*?)\/([^/]+)$/.exec(s);
    const r = m ? m[1]!.replace(/\/$/, "") : "https://graph.microsoft.com";
    if (!resources.includes(r)) resources.push(r);
  }
  return resources;
}
