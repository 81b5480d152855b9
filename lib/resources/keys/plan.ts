import type { Secret } from "../../azure/secret.ts";
import { formatDuration } from "./duration.ts";
import { findKey, type KeyMap } from "./listkeys.ts";
import { choosePhysicalName, parsePhysicalName } from "./physical-name.ts";

/** What Key Vault holds for a logical key: the current version, read with its value (that read is the verification). */
export type Published =
  | { state: "absent" }
  | { state: "disabled" }
  | { state: "found"; version: string; keyName?: string; publishedAt?: Date; createdOn?: Date; value: Secret };

export interface RotationInput {
  logical: string;
  renewInPlace: boolean;
  maxAgeMs: number;
  graceMs: number;
  replaces: readonly string[];
  /** The keys at the key's scope (one function's keys, or one host key collection), as listkeys returned them. */
  keys: KeyMap;
  published: Published;
  /**
   * Lower-cased key names in the other scope (host function keys for a function key; the observed functions' keys for
   * a host key) → where they are. A new name avoids them; a managed name among them gets the shadowing warning.
   */
  shadows?: ReadonlyMap<string, string>;
  now: Date;
  force: boolean;
  revoke?: string;
  allowNoOverlap: boolean;
}

export type DeleteReason = "revoked" | "retired" | "replaced";

export type Step =
  | { kind: "create"; name: string; createdAt: Date }
  | { kind: "renew"; name: string; createdAt: Date }
  /** `fresh`: the value is the one created or renewed by this plan (read back after the write). */
  | { kind: "publish"; name: string; createdAt: Date; fresh: boolean }
  | { kind: "verify"; name: string }
  | { kind: "delete"; name: string; why: DeleteReason };

export interface RotationPlan {
  steps: Step[];
  warnings: string[];
  /** Why the steps are there, and when kept keys retire: for progress lines and results. */
  notes: string[];
  refused?: { message: string; fix: string };
  /** The key callers should hold once the plan is applied. */
  newest?: string;
  /** --revoke named a key of this logical key. */
  revokeMatched: boolean;
}

const same = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
const iso = (d: Date) => d.toISOString().replace(/:\d\d\.\d{3}Z$/, "Z");

interface Physical {
  name: string;
  at: Date;
}

/**
 * The pure rotation planner (docs/rotate-keys.md, "How one rotation works"). From the keys on the app, what Key Vault
 * holds and the clock, it decides:
 * - create a new physical key when there is none, when the newest is older than maxAge (or --force), or when
 *   --revoke names the newest; never while the newest key is still unpublished: that key is published instead, so
 *   a run after a crash finishes the interrupted rotation rather than starting a second one;
 * - publish + verify the newest key whenever Key Vault does not hold exactly its value;
 * - delete older keys (and `replaces` names) only once the newest key is published and verified, and only after
 *   the grace period since the key Key Vault held before them was published; --revoke deletes its key at once,
 *   still after the new key is published and verified;
 * - renew `_` keys in place only with allowNoOverlap, since the old value dies with the write.
 */
export function planRotation(i: RotationInput): RotationPlan {
  return i.renewInPlace ? planInPlace(i) : planOverlap(i);
}

function shadowWarnings(i: RotationInput, names: string[]): string[] {
  if (!i.shadows?.size) return [];
  return [...new Set(names.map((n) => n.toLowerCase()))]
    .filter((n) => i.shadows!.has(n))
    .map(
      (n) =>
        `key '${n}' also exists among ${i.shadows!.get(n)}: a function key shadows the host key of the same name for its function`,
    );
}

function planOverlap(i: RotationInput): RotationPlan {
  const { now, graceMs } = i;
  const physical: Physical[] = [...i.keys.keys()]
    .flatMap((name) => {
      const at = parsePhysicalName(name, i.logical);
      return at ? [{ name, at }] : [];
    })
    .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.name < b.name ? 1 : -1));
  const legacy = [
    ...new Set(i.replaces.map((r) => findKey(i.keys, r)?.name).filter((n): n is string => n !== undefined)),
  ].filter((n) => !physical.some((p) => same(p.name, n)));
  const current = physical[0];
  const pub = i.published.state === "found" ? i.published : undefined;
  const pubOnApp = pub?.keyName ? findKey(i.keys, pub.keyName) : undefined;
  const pubValid = Boolean(pub && pubOnApp && pubOnApp.value.reveal() === pub.value.reveal());
  const publishedOk = Boolean(current && pubValid && same(pubOnApp!.name, current.name));
  const revokedName =
    i.revoke === undefined
      ? undefined
      : (physical.find((p) => same(p.name, i.revoke))?.name ?? legacy.find((l) => same(l, i.revoke)));
  const revoked = revokedName ? { name: revokedName } : undefined;

  const steps: Step[] = [];
  const warnings: string[] = [];
  const notes: string[] = [];
  let newest: Physical | undefined = current;
  let publishing = false;

  const age = current ? now.getTime() - current.at.getTime() : 0;
  const due = !current || i.force || age >= i.maxAgeMs;
  const replaceCurrent = Boolean(current && revoked && same(revoked.name, current.name));

  if (!current || replaceCurrent || (publishedOk && due)) {
    const taken = new Set([...i.keys.keys(), ...(i.shadows?.keys() ?? [])].map((n) => n.toLowerCase()));
    const made = choosePhysicalName(i.logical, now, taken, current?.at);
    newest = { name: made.name, at: made.createdAt };
    publishing = true;
    steps.push(
      { kind: "create", name: made.name, createdAt: made.createdAt },
      { kind: "publish", name: made.name, createdAt: made.createdAt, fresh: true },
      { kind: "verify", name: made.name },
    );
    notes.push(
      !current
        ? `no ${i.logical} key yet: creating the first`
        : replaceCurrent
          ? `--revoke ${current.name}: replacing it now`
          : i.force
            ? `--force: rotating ${current.name}`
            : `${current.name} is ${formatDuration(age)} old (maxAge ${formatDuration(i.maxAgeMs)})`,
    );
  } else if (!publishedOk) {
    publishing = true;
    steps.push(
      { kind: "publish", name: current.name, createdAt: current.at, fresh: false },
      { kind: "verify", name: current.name },
    );
    if (i.published.state === "absent") notes.push(`${current.name} is not published yet: publishing it`);
    else if (i.published.state === "disabled")
      warnings.push(
        `the current version of the secret is disabled, so readers get nothing: publishing ${current.name}`,
      );
    else if (!pub!.keyName)
      warnings.push(
        `the current secret version has no keyName tag (written outside this tool?): publishing ${current.name}`,
      );
    else if (!pubOnApp)
      warnings.push(
        `Key Vault holds '${pub!.keyName}', which no longer exists on the app (callers reading it hold a dead key): publishing ${current.name}`,
      );
    else if (same(pubOnApp.name, current.name))
      warnings.push(
        `Key Vault holds a different value for ${current.name} than the app (regenerated outside this tool?): publishing the app's value`,
      );
    else notes.push(`finishing an interrupted rotation: ${current.name} was created but not published`);
    if (i.force)
      notes.push(`--force: finishing the interrupted rotation counts as the rotation; no second key is created`);
  } else {
    notes.push(
      `${current.name} is published and verified; next rotation after ${iso(new Date(current.at.getTime() + i.maxAgeMs))}`,
    );
  }

  // Keys other than the newest, oldest first, each with its creation time (legacy names count as older than any physical key).
  const candidates = [
    ...physical.filter((p) => !same(p.name, newest?.name)).reverse(),
    ...legacy.map((name) => ({ name, at: undefined as Date | undefined })),
  ];
  const pubAt = pub?.publishedAt ?? now;
  const graceOver = pubAt.getTime() + graceMs <= now.getTime();
  const pubPhysical = pubValid ? physical.find((p) => same(p.name, pubOnApp!.name)) : undefined;
  for (const k of candidates) {
    const isLegacy = k.at === undefined;
    if (revoked && same(revoked.name, k.name)) {
      steps.push({ kind: "delete", name: k.name, why: "revoked" });
      continue;
    }
    // Eligible when callers have had the grace period to move off it: the key Key Vault held has been there for the
    // grace period and k is older than that key (so k left Key Vault at least that long ago), or grace is zero.
    const olderThanPublished =
      pubValid &&
      (isLegacy
        ? !legacy.some((l) => same(l, pubOnApp!.name))
        : Boolean(pubPhysical && k.at!.getTime() < pubPhysical.at.getTime()));
    const eligible = publishing ? graceMs === 0 || (olderThanPublished && graceOver) : graceOver;
    if (eligible) steps.push({ kind: "delete", name: k.name, why: isLegacy ? "replaced" : "retired" });
    else
      notes.push(
        publishing && !olderThanPublished
          ? `${k.name} stays valid for ${formatDuration(graceMs)} after ${newest!.name} is published`
          : `${k.name} stays valid until ${iso(new Date(pubAt.getTime() + graceMs))} (grace ${formatDuration(graceMs)})`,
      );
  }

  warnings.push(...shadowWarnings(i, [...physical.map((p) => p.name), ...legacy, ...(newest ? [newest.name] : [])]));
  return { steps, warnings, notes, newest: newest?.name, revokeMatched: Boolean(revoked) };
}

function planInPlace(i: RotationInput): RotationPlan {
  const name = i.logical;
  const cur = findKey(i.keys, name);
  const pub = i.published.state === "found" ? i.published : undefined;
  const revokeMatched = same(i.revoke, name);
  const pubOk = Boolean(cur && pub && same(pub.keyName, cur.name) && pub.value.reveal() === cur.value.reveal());
  const base = { warnings: shadowWarnings(i, [name]), notes: [] as string[], revokeMatched, newest: cur?.name ?? name };
  if (!cur) {
    return {
      ...base,
      steps: [],
      refused: {
        message: `'${name}' does not exist on the app; '_' keys are created by the host or by extensions, not by this tool`,
        fix: "Remove this entry, or deploy what creates the key first.",
      },
    };
  }
  const createdOn = pub?.createdOn;
  const due = i.force || !createdOn || i.now.getTime() - createdOn.getTime() >= i.maxAgeMs;
  if (revokeMatched || (pubOk && due)) {
    if (!i.allowNoOverlap) {
      return {
        ...base,
        steps: [],
        refused: {
          message: `'${name}' can only be renewed in place: its old value stops working at the moment of the write, so every caller holding it fails until it reads the new one`,
          fix: "Rerun with --allow-no-overlap in a window agreed with its callers, or move callers to a named key that rotates with overlap.",
        },
      };
    }
    const at = i.now;
    base.warnings.push(`no overlap: renewing '${name}' invalidates its current value at once (--allow-no-overlap)`);
    return {
      ...base,
      steps: [
        { kind: "renew", name: cur.name, createdAt: at },
        { kind: "publish", name: cur.name, createdAt: at, fresh: true },
        { kind: "verify", name: cur.name },
      ],
    };
  }
  if (!pubOk) {
    base.notes.push(
      pub && same(pub.keyName, cur.name)
        ? `Key Vault holds an older value of '${name}' (an interrupted renewal?): publishing the current one`
        : `publishing the current value of '${name}'`,
    );
    // The value's age is unknown (an interrupted renewal, or a key this tool never published): count it from now.
    return {
      ...base,
      steps: [
        { kind: "publish", name: cur.name, createdAt: i.now, fresh: false },
        { kind: "verify", name: cur.name },
      ],
    };
  }
  base.notes.push(
    `'${name}' is published and verified; next renewal after ${iso(new Date(createdOn!.getTime() + i.maxAgeMs))}`,
  );
  return { ...base, steps: [] };
}
