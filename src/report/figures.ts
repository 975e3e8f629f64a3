import { finiteOrNull, hexToRgba, PALETTE, type Figure } from "./figure.js";

export interface CurveSet {
  name: string;
  /** Per-episode median and IQR band across seeds. */
  median: ArrayLike<number>;
  q25: ArrayLike<number>;
  q75: ArrayLike<number>;
  /** Number of runs behind the band (shown in the legend). */
  runs: number;
}

/**
 * Learning curves: per-episode median return across seeds with the 25–75 % band, as the
 * paper's Fig. 1 (median of runs, shaded interquartile range). Three traces per method:
 * the band's lower edge, its upper edge filled down to it, then the median.
 */
export function learningCurveFigure(
  id: string,
  title: string,
  sets: readonly CurveSet[],
  yTitle = "episodic return",
): Figure {
  // Bands first, medians on top (each q75 trace right after its q25 trace, which "tonexty" fills to).
  const bands: Record<string, unknown>[] = [];
  const medians: Record<string, unknown>[] = [];
  sets.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length];
    const x = Array.from({ length: s.median.length }, (_, i) => i + 1);
    const edge = { width: 0.6, color: hexToRgba(color, 0.45) };
    bands.push({
      type: "scatter",
      mode: "lines",
      x,
      y: finiteOrNull(s.q25),
      line: edge,
      hoverinfo: "skip",
      showlegend: false,
      name: `${s.name} q25`,
      legendgroup: s.name,
    });
    bands.push({
      type: "scatter",
      mode: "lines",
      x,
      y: finiteOrNull(s.q75),
      line: edge,
      fill: "tonexty",
      fillcolor: hexToRgba(color, 0.3),
      hoverinfo: "skip",
      showlegend: false,
      name: `${s.name} q75`,
      legendgroup: s.name,
    });
    medians.push({
      type: "scatter",
      mode: "lines",
      x,
      y: finiteOrNull(s.median),
      line: { color, width: 2 },
      name: `${s.name} (median of ${s.runs})`,
      legendgroup: s.name,
    });
  });
  return {
    id,
    title,
    data: [...bands, ...medians],
    layout: {
      title: { text: title },
      xaxis: { title: { text: "episode" } },
      yaxis: { title: { text: yTitle } },
      hovermode: "x unified",
      legend: { orientation: "h", y: -0.2 },
    },
  };
}

export interface ParamPoint {
  /** Series (method) name: LRPG, NN, DQN. */
  series: string;
  /** Label of the configuration (e.g. "LRPG K=4 grid 10/16"). */
  label: string;
  /**
   * The line the point belongs to: configurations that differ in one hyperparameter only (e.g.
   * "LRPG K=4" over grid sizes, or "NN" over widths). Default: the series.
   */
  family?: string;
  /** What sets the point apart within its family, drawn next to it (e.g. "grid 10/16"). Default: `label`. */
  pointLabel?: string;
  params: number;
  median: number | null;
  q25: number | null;
  q75: number | null;
}

const SYMBOLS = ["circle", "square", "diamond", "triangle-up", "cross", "x"];

/**
 * Return against parameter count (log x axis): per configuration the median over seeds with
 * asymmetric error bars to the 25 % and 75 % quantiles. One line per family (configurations that
 * differ in a single hyperparameter), never through unrelated configurations; each point carries
 * its configuration's text; marker shapes tell the methods apart. `xTitle` names what was counted
 * (policy-gradient agents: actor + critic; DQN: the Q-network).
 */
export function returnVsParamsFigure(
  id: string,
  title: string,
  points: readonly ParamPoint[],
  yTitle = "return",
  xTitle = "trainable parameters (actor + critic)",
): Figure {
  const series = [...new Set(points.map((p) => p.series))];
  // Families by method, then by their smallest configuration (K=1 before K=2 …).
  const familyOf = (p: ParamPoint) => p.family ?? p.series;
  const first = (name: string) => {
    const pts = points.filter((p) => familyOf(p) === name);
    return { series: series.indexOf(pts[0].series), params: Math.min(...pts.map((p) => p.params)) };
  };
  const families = [...new Set(points.map(familyOf))].sort((a, b) => {
    const fa = first(a);
    const fb = first(b);
    return fa.series - fb.series || fa.params - fb.params;
  });
  const data = families.map((name, k) => {
    const pts = points.filter((p) => familyOf(p) === name).sort((a, b) => a.params - b.params);
    const color = PALETTE[k % PALETTE.length];
    return {
      type: "scatter",
      mode: pts.length > 1 ? "lines+markers+text" : "markers+text",
      name,
      x: pts.map((p) => p.params),
      y: pts.map((p) => p.median),
      text: pts.map((p) => p.pointLabel ?? p.label),
      textposition: "top center",
      textfont: { size: 10, color },
      customdata: pts.map((p) => p.label),
      hovertemplate: "%{customdata}<br>%{x} params<br>median %{y:.4g}<extra>" + name + "</extra>",
      marker: { size: 9, color, symbol: SYMBOLS[series.indexOf(pts[0].series) % SYMBOLS.length] },
      line: { color },
      error_y: {
        type: "data",
        symmetric: false,
        array: pts.map((p) => (p.q75 !== null && p.median !== null ? p.q75 - p.median : null)),
        arrayminus: pts.map((p) => (p.q25 !== null && p.median !== null ? p.median - p.q25 : null)),
        color: hexToRgba(color, 0.6),
      },
    };
  });
  return {
    id,
    title,
    data,
    layout: {
      title: { text: title },
      xaxis: { title: { text: xTitle }, type: "log" },
      yaxis: { title: { text: yTitle } },
      legend: { orientation: "h", y: -0.2 },
    },
  };
}

/** A heatmap of a matrix over the state grid (rows × columns as the discretizer lays them out). */
export function heatmapFigure(
  id: string,
  title: string,
  z: readonly (readonly number[])[],
  axes: { x: string; y: string; xTicks?: number[]; yTicks?: number[] },
): Figure {
  const trace: Record<string, unknown> = {
    type: "heatmap",
    z: z.map((row) => finiteOrNull(row)),
    colorscale: "RdBu",
    reversescale: true,
  };
  if (axes.xTicks) trace.x = axes.xTicks;
  if (axes.yTicks) trace.y = axes.yTicks;
  return {
    id,
    title,
    data: [trace],
    layout: {
      title: { text: title },
      xaxis: { title: { text: axes.x } },
      yaxis: { title: { text: axes.y } },
    },
  };
}

/** Lines of values against a shared x (e.g. singular values σ₁…σ_K against the episode). */
export function linesFigure(
  id: string,
  title: string,
  x: readonly number[],
  lines: readonly { name: string; y: readonly number[] }[],
  axes: { x: string; y: string; logY?: boolean },
): Figure {
  return {
    id,
    title,
    data: lines.map((l, k) => ({
      type: "scatter",
      mode: "lines+markers",
      name: l.name,
      x: [...x],
      y: finiteOrNull(l.y),
      line: { color: PALETTE[k % PALETTE.length] },
    })),
    layout: {
      title: { text: title },
      xaxis: { title: { text: axes.x } },
      yaxis: { title: { text: axes.y }, ...(axes.logY ? { type: "log" } : {}) },
    },
  };
}
