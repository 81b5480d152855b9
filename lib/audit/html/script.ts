/**
 * The report's only script, inlined and allowed by its hash in the page's Content-Security-Policy. It reads data-*
 * attributes the renderer wrote and toggles `hidden`; it never builds markup, so no report value is ever parsed as
 * HTML by it. Plain ES2020 text (not compiled TypeScript) so what the hash covers is exactly what runs.
 */
export const SCRIPT = `
(() => {
  "use strict";
  const RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
  const $ = (sel) => document.querySelector(sel);
  const rows = Array.from(document.querySelectorAll("#grid tbody tr[data-row]"));
  const areaCols = Array.from(document.querySelectorAll("#grid [data-area]"));
  const severity = $("#f-severity");
  const area = $("#f-area");
  const search = $("#f-search");
  const shown = $("#shown-count");

  function applyFilters() {
    const sev = severity.value;
    const ar = area.value;
    const q = search.value.trim().toLowerCase();
    let visible = 0;
    for (const row of rows) {
      const tokens = (row.dataset.findings || "").split(" ").filter(Boolean).map((t) => t.split(":"));
      const relevant = tokens.filter(([a, s]) => (ar === "all" || a === ar) && (sev === "all" || RANK[s] <= RANK[sev]));
      const byFindings = (sev === "all" && ar === "all") || relevant.length > 0;
      const byText = q === "" || (row.dataset.label || "").includes(q);
      row.hidden = !(byFindings && byText);
      if (!row.hidden) visible += 1;
    }
    for (const el of areaCols) el.hidden = ar !== "all" && el.dataset.area !== ar;
    shown.textContent = visible + " of " + rows.length + " targets shown";
  }

  function openDrill(id) {
    for (const d of document.querySelectorAll(".drill")) d.hidden = d.id !== id;
    for (const row of rows) {
      const b = row.querySelector("button[data-drill]");
      const open = b !== null && b.dataset.drill === id;
      row.classList.toggle("selected", open);
      if (b) b.setAttribute("aria-expanded", String(open));
    }
    const target = id && document.getElementById(id);
    if (target) target.scrollIntoView({ block: "nearest" });
  }

  for (const el of [severity, area, search]) el.addEventListener("input", applyFilters);
  document.addEventListener("click", (e) => {
    const opener = e.target.closest("button[data-drill]");
    if (opener) openDrill(opener.dataset.drill);
    const closer = e.target.closest("button[data-close]");
    if (closer) openDrill("");
  });
  // Without the script the page shows every drill-down below the grid and no filters; with it, one at a time.
  document.getElementById("filters").hidden = false;
  openDrill("");
  applyFilters();
})();
`;
