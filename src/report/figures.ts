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
  const data: Record<string, unknown>[] = [];
  sets.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length];
    const x = Array.from({ length: s.median.length }, (_, i) => i + 1);
    data.push({
      type: "scatter",
      mode: "lines",
      x,
      y: finiteOrNull(s.q25),
      line: { width: 0 },
      hoverinfo: "skip",
      showlegend: false,
      name: `${s.name} q25`,
      legendgroup: s.name,
    });
    data.push({
      type: "scatter",
      mode: "lines",
      x,
      y: finiteOrNull(s.q75),
      line: { width: 0 },
      fill: "tonexty",
      fillcolor: hexToRgba(color, 0.2),
      hoverinfo: "skip",
      showlegend: false,
      name: `${s.name} q75`,
      legendgroup: s.name,
    });
    data.push({
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
    data,
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
  /** Series (method) name. */
  series: string;
  /** Label of the configuration (e.g. "K=4, 10×10"). */
  label: string;
  params: number;
  median: number | null;
  q25: number | null;
  q75: number | null;
}

/**
 * Return against parameter count (log x axis): per configuration the median over seeds with
 * asymmetric error bars to the 25 % and 75 % quantiles; one line per method. `xTitle` names what
 * was counted (policy-gradient agents: actor + critic; DQN: the Q-network).
 */
export function returnVsParamsFigure(
  id: string,
  title: string,
  points: readonly ParamPoint[],
  yTitle = "return",
  xTitle = "trainable parameters (actor + critic)",
): Figure {
  const series = [...new Set(points.map((p) => p.series))];
  const data = series.map((name, k) => {
    const pts = points.filter((p) => p.series === name).sort((a, b) => a.params - b.params);
    return {
      type: "scatter",
      mode: "lines+markers",
      name,
      x: pts.map((p) => p.params),
      y: pts.map((p) => p.median),
      text: pts.map((p) => p.label),
      hovertemplate: "%{text}<br>%{x} params<br>median %{y:.4g}<extra>" + name + "</extra>",
      marker: { size: 9, color: PALETTE[k % PALETTE.length] },
      line: { color: PALETTE[k % PALETTE.length] },
      error_y: {
        type: "data",
        symmetric: false,
        array: pts.map((p) => (p.q75 !== null && p.median !== null ? p.q75 - p.median : null)),
        arrayminus: pts.map((p) => (p.q25 !== null && p.median !== null ? p.median - p.q25 : null)),
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
