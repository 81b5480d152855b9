/**
 * Physical key names: a logical name plus its creation time in UTC, `apim-20261123t0830z` (seconds are added,
 * `apim-20261123t083015z`, only when the minute's name is taken). The time in the name is what lets any run tell
 * the newest key from older ones without a local state file (docs/rotate-keys.md, "How one rotation works").
 * Lower-case `t`/`z` because function key names are used in URLs and some secret stores lower-case them.
 */
const STAMP = /^(\d{4})(\d{2})(\d{2})t(\d{2})(\d{2})(\d{2})?z$/;

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function stamp(at: Date, seconds: boolean): string {
  const base = `${pad(at.getUTCFullYear(), 4)}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}t${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}`;
  return `${base}${seconds ? pad(at.getUTCSeconds()) : ""}z`;
}

export function formatPhysicalName(logical: string, at: Date, opts: { seconds?: boolean } = {}): string {
  return `${logical}-${stamp(at, Boolean(opts.seconds))}`;
}

/** The creation time a physical name of `logical` carries; undefined when `name` is not one of its physical names. */
export function parsePhysicalName(name: string, logical: string): Date | undefined {
  const prefix = `${logical}-`.toLowerCase();
  if (!name.toLowerCase().startsWith(prefix)) return undefined;
  const m = STAMP.exec(name.slice(prefix.length).toLowerCase());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const at = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Reject impossible dates (20261332t2599z) rather than letting Date roll them over into another key's time.
  if (at.getUTCMonth() !== mo - 1 || at.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  return at;
}

/**
 * A free physical name for a new key created at `now`: minute precision when free, else seconds, else the next free
 * second. It is always later than `after` (the newest existing key), so the new key sorts newest even when the
 * machine's clock is behind the one that named the previous key.
 */
export function choosePhysicalName(
  logical: string,
  now: Date,
  taken: ReadonlySet<string>,
  after?: Date,
): { name: string; createdAt: Date } {
  const free = (n: string) => !taken.has(n.toLowerCase());
  const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  if (!after || minute > after) {
    const name = formatPhysicalName(logical, minute);
    if (free(name)) return { name, createdAt: minute };
  }
  let t = Math.floor(now.getTime() / 1000) * 1000;
  if (after && t <= after.getTime()) t = after.getTime() + 1000;
  for (; ; t += 1000) {
    const at = new Date(t);
    const name = formatPhysicalName(logical, at, { seconds: true });
    if (free(name)) return { name, createdAt: at };
  }
}
