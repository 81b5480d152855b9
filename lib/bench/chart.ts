/** A self-contained SVG line chart: wall time against fleet size, one line per tool, the bound dashed. */

export interface Series {
  name: string;
  color: string;
  /** Points in x order; `projected` points are drawn hollow and joined by a dotted line. */
  points: { x: number; y: number; projected?: boolean }[];
  dashed?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
  /** A note under the chart (how buckets were scaled, what is projected). */
  note?: string;
  /** A logarithmic y axis (powers of ten): for series that differ by orders of magnitude. */
  logY?: boolean;
}

const esc = (s: string): string =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** 1, 2, 5 × 10^n ticks covering [0, max]. */
export function niceTicks(max: number, target = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks.at(-1)! < max) ticks.push(Number((ticks.at(-1)! + step).toPrecision(12)));
  return ticks;
}

/** Powers of ten covering [min, max], for a logarithmic axis. */
export function decadeTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min > 0 ? min : 1));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max > 0 ? max : 1)));
  return Array.from({ length: hi - lo + 1 }, (_, i) => Number((10 ** (lo + i)).toPrecision(12)));
}

export function renderChart(spec: ChartSpec): string {
  const W = spec.width ?? 720;
  const H = spec.height ?? 420;
  const m = { left: 64, right: 170, top: 40, bottom: spec.note ? 78 : 56 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const all = spec.series.flatMap((s) => s.points);
  const xTicks = niceTicks(Math.max(...all.map((p) => p.x), 1));
  const ys = all.map((p) => p.y);
  const yTicks = spec.logY
    ? decadeTicks(Math.min(...ys.filter((y) => y > 0)), Math.max(...ys))
    : niceTicks(Math.max(...ys, 1));
  const xMax = xTicks.at(-1)!;
  const yMax = yTicks.at(-1)!;
  const X = (x: number) => m.left + (x / xMax) * pw;
  const [l0, l1] = [Math.log10(yTicks[0]!), Math.log10(yMax)];
  const Y = spec.logY
    ? (y: number) => m.top + ph - ((Math.log10(Math.max(y, yTicks[0]!)) - l0) / (l1 - l0)) * ph
    : (y: number) => m.top + ph - (y / yMax) * ph;
  const f = (n: number) => n.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(spec.title)}</text>`,
  ];
  for (const t of yTicks)
    out.push(
      `<line x1="${m.left}" y1="${f(Y(t))}" x2="${m.left + pw}" y2="${f(Y(t))}" stroke="#e5e5e5"/>`,
      `<text x="${m.left - 6}" y="${f(Y(t) + 4)}" text-anchor="end">${t}</text>`,
    );
  for (const t of xTicks)
    out.push(
      `<line x1="${f(X(t))}" y1="${m.top + ph}" x2="${f(X(t))}" y2="${m.top + ph + 5}" stroke="#333"/>`,
      `<text x="${f(X(t))}" y="${m.top + ph + 18}" text-anchor="middle">${t}</text>`,
    );
  out.push(
    `<line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}" stroke="#333"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}" stroke="#333"/>`,
    `<text x="${m.left + pw / 2}" y="${m.top + ph + 38}" text-anchor="middle">${esc(spec.xLabel)}</text>`,
    `<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`,
  );
  for (const [i, s] of spec.series.entries()) {
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    const measured = pts.filter((p) => !p.projected);
    const path = (ps: typeof pts) => ps.map((p, k) => `${k ? "L" : "M"}${f(X(p.x))} ${f(Y(p.y))}`).join(" ");
    if (measured.length > 1)
      out.push(
        `<path d="${path(measured)}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
      );
    const firstProjected = pts.findIndex((p) => p.projected);
    if (firstProjected >= 0)
      out.push(
        `<path d="${path(pts.slice(Math.max(0, firstProjected - 1)))}" fill="none" stroke="${s.color}" stroke-width="1.5" stroke-dasharray="2 3"/>`,
      );
    for (const p of pts)
      out.push(
        `<circle cx="${f(X(p.x))}" cy="${f(Y(p.y))}" r="3.5" fill="${p.projected ? "#fff" : s.color}" stroke="${s.color}"><title>${esc(`${s.name}: ${p.x} → ${p.y.toFixed(1)} s${p.projected ? " (projected)" : ""}`)}</title></circle>`,
      );
    const ly = m.top + 10 + i * 20;
    out.push(
      `<line x1="${m.left + pw + 14}" y1="${ly}" x2="${m.left + pw + 38}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
      `<text x="${m.left + pw + 44}" y="${ly + 4}">${esc(s.name)}</text>`,
    );
  }
  if (spec.note) out.push(`<text x="${m.left}" y="${H - 12}" font-size="11" fill="#555">${esc(spec.note)}</text>`);
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
