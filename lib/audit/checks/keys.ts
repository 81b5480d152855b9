import { formatDuration } from "../../resources/keys/duration.ts";
import { finding, type Check } from "../check.ts";
import type { CheckDefinition } from "../finding.ts";
import type { KeyObservation } from "../observation.ts";

/** Function and host keys the config rotates: their age, the keys with no overlap, and their Key Vault copies. */

const CMD = "rotate-keys";
const def = (d: Omit<CheckDefinition, "area">): CheckDefinition => ({ area: "keys", ...d });
const at = (k: KeyObservation, field?: string) => ({
  appIndex: k.appIndex,
  configPath: `keys.rotate[${k.rotateIndex}]${field ? `.${field}` : ""}`,
});
// Names the Functions host gives every function (`default`) and the host (`_master`): renewing one replaces its value
// at once, so its callers have no overlap (docs/contracts/arm.md §2.6).
const NO_OVERLAP = new Set(["default", "_master"]);

const EA040 = def({
  id: "EA040",
  severity: "medium",
  title: "A key is older than its policy's maxAge",
  description:
    "The newest managed key of this logical key is older than keys.maxAge: the rotation schedule has not run, or failed.",
  fix: "Run rotate-keys (it creates a new key, publishes it to Key Vault, and retires the old one after the grace period).",
  command: CMD,
  configField: "apps[].keys.maxAge",
  docsAnchor: "key-rotation",
});

const EA041 = def({
  id: "EA041",
  severity: "medium",
  title: "Callers use a key with no overlap possible (default or _master)",
  description:
    "The key callers hold is `default` or `_master`: renewing it replaces the value at once, so every caller fails until it has the new value. Give callers a named key that rotates with an overlap window.",
  fix: "Rotate a named key (keys.rotate[].name: apim) and move callers to it; list default in replaces to retire it.",
  command: CMD,
  configField: "apps[].keys.rotate[].name",
  docsAnchor: "key-rotation",
});

const EA042 = def({
  id: "EA042",
  severity: "high",
  title: "The Key Vault secret holds a key that no longer exists on the app",
  description:
    "The latest version of the secret callers read names a key the app no longer has (or holds another value): callers that refresh from Key Vault get a key that answers 401.",
  fix: "Run rotate-keys: it publishes the current key as a new version.",
  command: CMD,
  configField: "apps[].keys.rotate[]",
  docsAnchor: "401-with-a-function-key",
});

const EA043 = def({
  id: "EA043",
  severity: "medium",
  title: "A rotated key has no Key Vault secret",
  description:
    "The app holds a managed key of this logical key, but Key Vault has no (enabled) secret for it: callers cannot get it.",
  fix: "Run rotate-keys: it publishes the newest key before anything else.",
  command: CMD,
  configField: "apps[].keys.rotate[]",
  docsAnchor: "401-with-a-function-key",
});

const readable = (keys: readonly KeyObservation[]) => keys.filter((k) => !k.error);

export const keyChecks: Check[] = [
  {
    definition: EA040,
    run: (o) =>
      readable(o.keys).flatMap((k) => {
        const newest = k.physical[0];
        if (!newest) return [];
        const age = Date.parse(o.now) - Date.parse(newest.createdAt);
        if (age < k.maxAgeMs) return [];
        return [
          finding(
            EA040,
            k.target,
            `${newest.name} is ${formatDuration(age)} old (maxAge ${formatDuration(k.maxAgeMs)})`,
            { key: newest.name, createdAt: newest.createdAt, maxAge: formatDuration(k.maxAgeMs) },
            at(k),
          ),
        ];
      }),
  },
  {
    definition: EA041,
    run: (o) =>
      readable(o.keys).flatMap((k) => {
        const held = k.published.state === "found" ? k.published.keyName : undefined;
        const name = NO_OVERLAP.has(k.logical.toLowerCase())
          ? k.logical
          : held && NO_OVERLAP.has(held.toLowerCase())
            ? held
            : undefined;
        if (!name && !k.renewInPlace) return [];
        const key = name ?? k.logical;
        return [
          finding(
            EA041,
            k.target,
            `callers hold '${key}', which can only be renewed in place (no overlap)`,
            { key, renewInPlace: k.renewInPlace },
            at(k, "name"),
          ),
        ];
      }),
  },
  {
    definition: EA042,
    run: (o) =>
      readable(o.keys).flatMap((k) => {
        if (k.published.state !== "found" || k.published.matchesApp) return [];
        const named = k.published.keyName;
        const exists = named ? k.keyNames.some((n) => n.toLowerCase() === named.toLowerCase()) : false;
        return [
          finding(
            EA042,
            { ...k.target, secret: k.secretName },
            exists
              ? `secret '${k.secretName}' holds a value of '${named}' the app no longer has`
              : `secret '${k.secretName}' names key '${named ?? "(untagged)"}', which is not on the app`,
            { secret: k.secretName, keyName: named ?? null, keyOnApp: exists },
            at(k),
          ),
        ];
      }),
  },
  {
    definition: EA043,
    run: (o) =>
      readable(o.keys).flatMap((k) => {
        if (k.published.state === "found" || k.physical.length === 0) return [];
        return [
          finding(
            EA043,
            { ...k.target, secret: k.secretName },
            `${k.physical[0]!.name} is on the app but secret '${k.secretName}' is ${k.published.state}`,
            { key: k.physical[0]!.name, secret: k.secretName, secretState: k.published.state },
            at(k),
          ),
        ];
      }),
  },
];
