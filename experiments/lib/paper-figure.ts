import { finiteOrNull, hexToRgba, PALETTE, type Figure } from "../../src/report/figure.js";
import type { CurveSet } from "../../src/report/figures.js";

/** One panel of the paper's figure: a task's curves (one band per method) and optional fixed levels. */
export interface PaperPanel {
  title: string;
  yTitle: string;
  curves: readonly CurveSet[];
  /** Horizontal reference levels (e.g. the rocket's constant full-thrust return), drawn dashed. */
  levels?: readonly { name: string; value: number }[];
}

/**
 * The LRPG paper's Fig. 1 layout: one panel per task side by side, each with the per-episode
 * median return over runs and the shaded 25–75 % band per method (method colours shared across
 * panels; the legend entries carry each panel's parameter counts, as the paper's legends do).
 */
export function paperFigure(id: string, title: string, panels: readonly PaperPanel[]): Figure {
  if (panels.length === 0) throw new RangeError("paperFigure: panels must not be empty");
  // Bands first, medians and levels on top: a later method's band never hides an earlier median,
  // and each q75 trace still directly follows its q25 trace ("tonexty" fills between them).
  const bands: Record<string, unknown>[] = [];
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {
    title: { text: title },
    grid: { rows: 1, columns: panels.length, pattern: "independent", xgap: 0.12 },
    legend: { orientation: "h", y: -0.25 },
    hovermode: "x unified",
    annotations: [] as Record<string, unknown>[],
  };
  panels.forEach((p, k) => {
    const suffix = k === 0 ? "" : String(k + 1);
    const xaxis = `x${suffix}`;
    const yaxis = `y${suffix}`;
    layout[`xaxis${suffix}`] = { title: { text: "episode" } };
    layout[`yaxis${suffix}`] = { title: { text: p.yTitle } };
    (layout.annotations as Record<string, unknown>[]).push({
      text: p.title,
      showarrow: false,
      xref: `${xaxis} domain`,
      yref: `${yaxis} domain`,
      x: 0.5,
      y: 1.08,
      xanchor: "center",
      font: { size: 13 },
    });
    p.curves.forEach((c, m) => {
      const color = PALETTE[m % PALETTE.length];
      const x = Array.from({ length: c.median.length }, (_, i) => i + 1);
      const group = `${p.title}:${c.name}`;
      const common = { type: "scatter", mode: "lines", x, xaxis, yaxis, legendgroup: group };
      const edge = { width: 0.6, color: hexToRgba(color, 0.45) };
      bands.push({
        ...common,
        y: finiteOrNull(c.q25),
        line: edge,
        hoverinfo: "skip",
        showlegend: false,
        name: `${c.name} q25`,
      });
      bands.push({
        ...common,
        y: finiteOrNull(c.q75),
        line: edge,
        fill: "tonexty",
        fillcolor: hexToRgba(color, 0.3),
        hoverinfo: "skip",
        showlegend: false,
        name: `${c.name} q75`,
      });
      data.push({
        ...common,
        y: finiteOrNull(c.median),
        line: { color, width: 1.5 },
        name: `${p.title}: ${c.name}`,
      });
    });
    const length = Math.max(1, ...p.curves.map((c) => c.median.length));
    for (const level of p.levels ?? []) {
      data.push({
        type: "scatter",
        mode: "lines",
        x: [1, length],
        y: [level.value, level.value],
        xaxis,
        yaxis,
        line: { dash: "dash", color: "#555", width: 1.2 },
        name: `${p.title}: ${level.name} (${level.value.toFixed(4)})`,
      });
    }
  });
  return { id, title, data: [...bands, ...data], layout };
}
