/**
 * Durations in the config: `30d`, `4h30m`, `90m`, `45s` (units in that order, each at most once). A plain format
 * rather than ISO 8601 (`PT4H30M`) because it is what people write in YAML and read in plans.
 */
export const DURATION_PATTERN = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

const UNIT_MS = [86_400_000, 3_600_000, 60_000, 1_000] as const;

/** Milliseconds of a duration string; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_PATTERN.exec(text.trim());
  if (!m) return undefined;
  return UNIT_MS.reduce((sum, unit, i) => sum + Number(m[i + 1] ?? 0) * unit, 0);
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
