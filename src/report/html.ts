import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { writeFileAtomic } from "../runner/atomic-file.js";
import type { Figure, Table } from "./figure.js";

/** The plotly.js-dist bundle shipped with the package. */
export function plotlyBundlePath(): string {
  return createRequire(import.meta.url).resolve("plotly.js-dist/plotly.js");
}

export interface ReportPage {
  title: string;
  /** Short paragraphs under the title (plain text). */
  notes?: string[];
  tables?: Table[];
  figures: Figure[];
}

export interface WriteReportOptions {
  /**
   * "copy" (default): plotly.js is copied next to the page as `plotly.js` (one 10 MB file per
   * folder, reused by later pages); "inline": the bundle is embedded, one self-contained file.
   */
  plotly?: "copy" | "inline";
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** JSON safe inside a <script> element (no `</script>` or `<!--` can close it). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function renderTable(t: Table): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = t.rows
    .map(
      (r) =>
        `<tr>${r.map((v) => `<td>${escapeHtml(v === null ? "–" : typeof v === "number" ? formatNumber(v) : v)}</td>`).join("")}</tr>`,
    )
    .join("\n");
  return `<h2>${escapeHtml(t.title)}</h2>\n<table class="summary"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 1000 || a < 1e-3 ? v.toPrecision(4) : String(Number(v.toPrecision(4)));
}

/** The page's HTML; `plotlyScript` is either a relative URL or the bundle's source to inline. */
export function renderReportHtml(
  page: ReportPage,
  plotlyScript: { src: string } | { inline: string },
): string {
  const figs = page.figures
    .map(
      (f) =>
        `<section class="figure"><div id="${escapeHtml(f.id)}" class="plot" data-figure="${escapeHtml(f.id)}"></div></section>`,
    )
    .join("\n");
  const plotlyTag =
    "src" in plotlyScript
      ? `<script src="${escapeHtml(plotlyScript.src)}"></script>`
      : `<script>${plotlyScript.inline.replace(/<\/script/gi, "<\\/script")}</script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(page.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1100px; color: #222; }
.plot { width: 100%; height: 480px; }
table.summary { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
table.summary td, table.summary th { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: right; }
table.summary th { background: #f3f3f3; }
table.summary td:first-child { text-align: left; }
p.note { color: #555; }
</style>
${plotlyTag}
</head>
<body>
<h1>${escapeHtml(page.title)}</h1>
${(page.notes ?? []).map((n) => `<p class="note">${escapeHtml(n)}</p>`).join("\n")}
${(page.tables ?? []).map(renderTable).join("\n")}
${figs}
<script id="figures" type="application/json">${scriptJson(page.figures)}</script>
<script>
(function () {
  var figures = JSON.parse(document.getElementById("figures").textContent);
  window.__figures = figures;
  window.__rendered = 0;
  if (typeof Plotly === "undefined") {
    document.body.insertAdjacentHTML("afterbegin", '<p style="color:#b00">plotly.js did not load: keep plotly.js next to this page.</p>');
    return;
  }
  figures.forEach(function (f) {
    Plotly.newPlot(f.id, f.data, f.layout, { responsive: true, displaylogo: false }).then(function () { window.__rendered += 1; });
  });
})();
</script>
</body>
</html>
`;
}

/**
 * Writes the report page to `path` atomically (tmp file, then rename: a failed write leaves the
 * old page as it was). By default plotly.js is copied next to it (skipped when an identical-size
 * copy is already there), so the page opens offline from file://.
 */
export function writeReport(path: string, page: ReportPage, options: WriteReportOptions = {}): string {
  mkdirSync(dirname(path), { recursive: true });
  const bundle = plotlyBundlePath();
  if ((options.plotly ?? "copy") === "inline") {
    writeFileAtomic(path, renderReportHtml(page, { inline: readFileSync(bundle, "utf8") }));
  } else {
    const target = join(dirname(path), "plotly.js");
    if (!existsSync(target) || statSync(target).size !== statSync(bundle).size) copyFileSync(bundle, target);
    writeFileAtomic(path, renderReportHtml(page, { src: basename(target) }));
  }
  return path;
}
