/**
 * A Plotly figure as plain JSON (traces + layout), the unit the report page renders and the
 * exporter turns into PNG/SVG. Kept free of any plotly import so it can be built anywhere.
 */
export interface Figure {
  /** DOM id and export file stem (letters, digits, - and _). */
  id: string;
  title: string;
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

/** A table of the report (header row + body rows), rendered as HTML. */
export interface Table {
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
}

/** Colors per method, stable across figures. */
export const PALETTE = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#ff7f0e",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

export function hexToRgba(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

/** Replaces NaN/±Infinity with null (JSON has no NaN; Plotly shows a gap). */
export function finiteOrNull(xs: ArrayLike<number>): (number | null)[] {
  const out: (number | null)[] = [];
  for (let i = 0; i < xs.length; i++) out.push(Number.isFinite(xs[i]) ? xs[i] : null);
  return out;
}
