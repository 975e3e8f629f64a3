import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PALETTE, type Figure, type Table } from "../report/figure.js";
import { writeReport } from "../report/html.js";
import type { LaserRow } from "./laser-row.js";
import type { LaserReport } from "./run-laser.js";

type Row = LaserRow & { readonly note?: string };

/** Columns of the CSV table: the RL_Rank_Reduction experiment's six first, then what it lacked. */
export const LASER_CSV_COLUMNS = [
  "layer",
  "method",
  "target_rank",
  "mean_reward",
  "std_reward",
  "mean_reward_delta",
  "std_reward_delta",
  "ci_low",
  "ci_high",
  "excludes_zero",
  "paired_std",
  "null_control",
  "rank_label",
  "max_rank",
  "rank_fraction",
  "energy_kept",
  "relative_error",
  "parameters",
  "parameters_dense",
  "note",
] as const;

function csvCell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "number" ? String(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The rows as CSV (full float64 precision; empty cells for not-applicable columns). */
export function laserRowsToCsv(rows: readonly Row[]): string {
  const lines = [LASER_CSV_COLUMNS.join(",")];
  for (const r of rows) {
    lines.push(
      [
        r.layer,
        r.method,
        r.rank,
        r.meanReturn,
        r.stdReturn,
        r.meanDelta,
        r.stdDelta,
        r.ciLow,
        r.ciHigh,
        r.excludesZero,
        r.pairedStd,
        r.nullControl,
        r.rankLabel,
        r.maxRank,
        r.rankFraction,
        r.energyKept,
        r.relativeError,
        r.parameters,
        r.parametersDense,
        r.note ?? "",
      ]
        .map(csvCell)
        .join(","),
    );
  }
  return lines.join("\n") + "\n";
}

const fmt = (x: number | null, digits = 4): string =>
  x === null ? "–" : Number.isInteger(x) ? String(x) : x.toPrecision(digits);

/** A Markdown table (the RL_Rank_Reduction experiment's layout plus the interval and the significance flag). */
export function laserRowsToMarkdown(rows: readonly Row[]): string {
  const head =
    "| layer | method | rank | mean return | std | mean Δ | change of std (std − baseline std) | std of paired Δ | 95% CI of mean Δ | sig. | energy kept | rel. error | params |";
  const sep = "|---|---|---|---|---|---|---|---|---|---|---|---|---|";
  const body = rows.map(
    (r) =>
      `| ${r.layer} | ${r.method} | ${r.rankLabel}${r.nullControl ? " (full)" : ""} | ${fmt(r.meanReturn)} | ${fmt(r.stdReturn)} | ${fmt(r.meanDelta)} | ${fmt(r.stdDelta)} | ${fmt(r.pairedStd)} | [${fmt(r.ciLow)}, ${fmt(r.ciHigh)}] | ${r.excludesZero ? "yes" : "no"} | ${fmt(r.energyKept)} | ${fmt(r.relativeError, 3)} | ${r.parameters} / ${r.parametersDense} |`,
  );
  return [head, sep, ...body].join("\n") + "\n";
}

function byKey<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(it);
  }
  return m;
}

/** Mean return delta ± bootstrap interval vs x, one trace per group; filled markers where the interval excludes 0. */
function deltaTraces(groups: Map<string, Row[]>, x: (r: Row) => number): Record<string, unknown>[] {
  return [...groups.entries()].map(([name, rs], i) => ({
    type: "scatter",
    mode: "lines+markers",
    name,
    x: rs.map(x),
    y: rs.map((r) => r.meanDelta),
    error_y: {
      type: "data",
      symmetric: false,
      array: rs.map((r) => r.ciHigh - r.meanDelta),
      arrayminus: rs.map((r) => r.meanDelta - r.ciLow),
    },
    marker: {
      color: PALETTE[i % PALETTE.length],
      size: 8,
      symbol: rs.map((r) => (r.excludesZero ? "circle" : "circle-open")),
    },
    line: { color: PALETTE[i % PALETTE.length] },
    text: rs.map(
      (r) =>
        `rank ${r.rankLabel}${r.nullControl ? " (null control)" : ""}<br>Δ = ${fmt(r.meanDelta)} [${fmt(r.ciLow)}, ${fmt(r.ciHigh)}]`,
    ),
    hoverinfo: "text+name",
  }));
}

const zeroLine = {
  type: "line",
  xref: "paper",
  x0: 0,
  x1: 1,
  y0: 0,
  y1: 0,
  line: { color: "#888", dash: "dot" },
};

/** The report's figures: SVD delta vs rank and energy kept per layer; CP/Tucker delta and error vs parameters per kernel. */
export function laserFigures(report: LaserReport): Figure[] {
  const figures: Figure[] = [];
  const note = `${report.evaluation.episodes} ${report.evaluation.mode} episodes on shared seeds; bars: ${Math.round(report.bootstrap.confidence * 100)}% paired bootstrap interval; filled markers: interval excludes 0`;
  if (report.svd) {
    const groups = byKey(report.svd.rows, (r) => r.layer);
    figures.push({
      id: "laser-svd-delta",
      title: "Return delta vs target rank (truncated SVD, one layer at a time)",
      data: deltaTraces(groups, (r) => r.rank),
      layout: {
        title: { text: `LASER: return delta vs rank per layer<br><sub>${note}</sub>` },
        xaxis: { title: { text: "target rank k" }, type: "log" },
        yaxis: { title: { text: "mean return delta vs unmodified policy" } },
        shapes: [zeroLine],
      },
    });
    figures.push({
      id: "laser-svd-energy",
      title: "Spectral energy kept vs target rank",
      data: [...groups.entries()].map(([name, rs], i) => ({
        type: "scatter",
        mode: "lines+markers",
        name,
        x: rs.map((r) => r.rank),
        y: rs.map((r) => r.energyKept),
        line: { color: PALETTE[i % PALETTE.length] },
      })),
      layout: {
        title: { text: "Fraction of spectral energy kept, Σ_{i≤k}σᵢ² / Σσᵢ²" },
        xaxis: { title: { text: "target rank k" }, type: "log" },
        yaxis: { title: { text: "energy kept" }, range: [0, 1.02] },
      },
    });
  }
  if (report.kernels && report.kernels.rows.length > 0) {
    const groups = byKey(report.kernels.rows, (r) => `${r.layer} ${r.method.toUpperCase()}`);
    figures.push({
      id: "laser-kernel-delta",
      title: "Return delta vs parameters (CP / Tucker of conv kernels)",
      data: deltaTraces(groups, (r) => r.parameters),
      layout: {
        title: { text: `Conv kernels: return delta vs parameter count<br><sub>${note}</sub>` },
        xaxis: { title: { text: "parameters of the factored kernel" }, type: "log" },
        yaxis: { title: { text: "mean return delta" } },
        shapes: [zeroLine],
      },
    });
    figures.push({
      id: "laser-kernel-error",
      title: "Relative reconstruction error vs rank (CP) / parameters (Tucker)",
      data: [...groups.entries()].map(([name, rs], i) => ({
        type: "scatter",
        mode: "lines+markers",
        name,
        x: rs.map((r) => r.parameters),
        y: rs.map((r) => r.relativeError),
        text: rs.map((r) => `rank ${r.rankLabel}`),
        line: { color: PALETTE[i % PALETTE.length] },
      })),
      layout: {
        title: {
          text: "Conv kernels: relative error ‖K − K_approx‖_F / ‖K‖_F (as in the 2020 tensor-factorization RL proposal: approximation error vs CP rank)",
        },
        xaxis: { title: { text: "parameters of the factored kernel" }, type: "log" },
        yaxis: { title: { text: "relative error" } },
      },
    });
  }
  return figures;
}

/** One sentence on the held-out re-measurement of the best validation trial. */
export function selectionSentence(report: LaserReport): string {
  const sel = report.selection;
  if (!sel || !sel.best) return "Held-out check: no truncation trial to select.";
  const b = sel.best;
  return (
    `Held-out check: the best trial on the first ${sel.validationEpisodes} seeds is ${b.layer} ${b.method} rank ${b.rankLabel} ` +
    `(validation Δ ${fmt(b.validationDelta)}); on the other ${sel.heldOutEpisodes} seeds its Δ is ${fmt(b.heldOutDelta)} ` +
    `[${fmt(b.ciLow)}, ${fmt(b.ciHigh)}]${b.excludesZero ? " (interval excludes 0)" : " (interval contains 0)"}.`
  );
}

function reportTable(title: string, rows: readonly Row[]): Table {
  return {
    title,
    columns: [
      "layer",
      "method",
      "rank",
      "mean return",
      "std",
      "mean Δ",
      "change of std (std − baseline std)",
      "std of paired Δ",
      "CI low",
      "CI high",
      "sig.",
      "energy kept",
      "rel. error",
      "params",
      "dense params",
    ],
    rows: rows.map((r) => [
      r.layer,
      r.method,
      r.rankLabel + (r.nullControl ? " (full)" : ""),
      r.meanReturn,
      r.stdReturn,
      r.meanDelta,
      r.stdDelta,
      r.pairedStd,
      r.ciLow,
      r.ciHigh,
      r.excludesZero ? "yes" : "no",
      r.energyKept,
      r.relativeError,
      r.parameters,
      r.parametersDense,
    ]),
  };
}

export interface LaserOutputFiles {
  readonly csv: string;
  readonly kernelCsv: string | null;
  readonly markdown: string;
  readonly json: string;
  readonly html: string;
}

/**
 * Writes `<prefix>laser.csv` (SVD rows), `<prefix>laser-kernels.csv` (CP/Tucker rows),
 * `<prefix>laser.md`, `<prefix>laser.json` (the full report, per-seed returns included) and
 * `<prefix>laser.html` (tables + figures; plotly.js copied next to it, or inlined).
 */
export function writeLaserOutputs(
  report: LaserReport,
  dir: string,
  options: { prefix?: string; plotly?: "copy" | "inline" } = {},
): LaserOutputFiles {
  mkdirSync(dir, { recursive: true });
  const p = options.prefix ?? "";
  const csv = join(dir, `${p}laser.csv`);
  writeFileSync(csv, laserRowsToCsv(report.svd?.rows ?? []));
  let kernelCsv: string | null = null;
  if (report.kernels) {
    kernelCsv = join(dir, `${p}laser-kernels.csv`);
    writeFileSync(kernelCsv, laserRowsToCsv(report.kernels.rows));
  }
  const markdown = join(dir, `${p}laser.md`);
  const baseline = report.svd?.baseline ?? report.kernels?.baseline;
  const md = [
    `# LASER: ${report.policy.description}`,
    "",
    `Baseline: mean return ${fmt(baseline?.meanReturn ?? null)} ± ${fmt(baseline?.stdReturn ?? null)} (std) over ${report.evaluation.episodes} ${report.evaluation.mode} episodes (seeds deriveSeed(${report.evaluation.seedBase}, i)).`,
    `Null controls (full rank) reproduce the baseline exactly: ${report.nullControlExact ? "yes" : "NO"}.`,
    selectionSentence(report),
    "With many trials, about 5 % of intervals exclude 0 by chance alone; the held-out check above is the one to trust.",
    "",
    ...(report.svd ? ["## Truncated SVD", "", laserRowsToMarkdown(report.svd.rows)] : []),
    ...(report.kernels ? ["## Conv kernels: CP / Tucker", "", laserRowsToMarkdown(report.kernels.rows)] : []),
  ].join("\n");
  writeFileSync(markdown, md);
  const json = join(dir, `${p}laser.json`);
  writeFileSync(json, JSON.stringify(report, null, 1) + "\n");
  const html = join(dir, `${p}laser.html`);
  writeReport(
    html,
    {
      title: `LASER rank reduction — ${report.policy.description}`,
      notes: [
        `Baseline mean return ${fmt(baseline?.meanReturn ?? null)} (std ${fmt(baseline?.stdReturn ?? null)}), ${report.evaluation.episodes} ${report.evaluation.mode} episodes; every trial uses the same evaluation seeds and restores the original weights (checksum ${report.policy.weightsChecksum}).`,
        `Δ = mean over seeds of (return of the truncated policy − return of the original); interval: ${Math.round(report.bootstrap.confidence * 100)}% percentile bootstrap over seeds (${report.bootstrap.resamples} resamples). Null controls exact: ${report.nullControlExact ? "yes" : "NO"}.`,
        selectionSentence(report) + " With many trials about 5 % of intervals exclude 0 by chance alone.",
      ],
      tables: [
        ...(report.svd ? [reportTable("Truncated SVD", report.svd.rows)] : []),
        ...(report.kernels ? [reportTable("Conv kernels: CP / Tucker", report.kernels.rows)] : []),
      ],
      figures: laserFigures(report),
    },
    { plotly: options.plotly ?? "copy" },
  );
  return { csv, kernelCsv, markdown, json, html };
}
