/**
 * Durations in the config, in either form:
 * - short: `30d`, `4h30m`, `90m`, `45s` (units in that order, each at most once): what people write in YAML;
 * - ISO 8601, as Azure writes them (`P30D`, `PT4H30M`, `P1DT12H`, `PT45S`; weeks as `P2W`). Years and months are
 *   refused: their length depends on the calendar, and a rotation period must not.
 * Plans print the short form.
 */
export const SHORT_DURATION = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
export const ISO_DURATION = /^P(?!$)(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i;
/** Either form; the config schema validates with it. */
export const DURATION_PATTERN = new RegExp(`${SHORT_DURATION.source}|${ISO_DURATION.source}`, "i");

const UNIT_MS = [86_400_000, 3_600_000, 60_000, 1_000] as const;
const WEEK_MS = 7 * UNIT_MS[0];

/** Milliseconds of a duration string (short or ISO 8601); undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  const short = SHORT_DURATION.exec(t);
  if (short) return UNIT_MS.reduce((sum, unit, i) => sum + Number(short[i + 1] ?? 0) * unit, 0);
  const iso = ISO_DURATION.exec(t);
  if (!iso) return undefined;
  const [weeks, ...rest] = iso.slice(1).map((v) => Number(v ?? 0));
  return weeks! * WEEK_MS + UNIT_MS.reduce((sum, unit, i) => sum + rest[i]! * unit, 0);
}

/** `4h30m`, `30d`, `0s`: the shortest form that parses back to the same value (sub-second parts dropped). */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.floor(ms / 1000)) * 1000;
  const parts: string[] = [];
  for (const [i, unit] of UNIT_MS.entries()) {
    const n = Math.floor(rest / unit);
    rest -= n * unit;
    if (n > 0) parts.push(`${n}${"dhms"[i]}`);
  }
  return parts.join("") || "0s";
}

/** API Management refreshes Key Vault named values every 4 hours (learn.microsoft.com api-management-howto-properties). */
export const APIM_REFRESH_MS = 4 * 3_600_000;

/**
 * The longest duration a policy may name: ten years. Longer ones are typos (`3000d` for `30d`), and past about
 * 8.64e15 ms `new Date()` is invalid (ECMA-262 §21.4.1.1: ±100,000,000 days), which surfaced late as "Invalid time
 * value" naming no field.
 */
export const MAX_DURATION_MS = 3650 * UNIT_MS[0];

/** Why a duration string cannot be a rotation period or grace period, or undefined when it can. */
export function durationProblem(text: string): string | undefined {
  const ms = parseDuration(text);
  if (ms === undefined) return undefined; // the pattern check reports it
  // Zero would never converge: every run finds the newest key "older than 0s" and rotates again.
  if (ms <= 0) return "must be longer than 0 (0s would rotate again on every run)";
  if (ms > MAX_DURATION_MS) return `must be at most 3650d (10 years); '${text}' is ${formatDuration(ms)}`;
  return undefined;
}
