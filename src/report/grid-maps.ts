import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { Discretizer, type DiscretizerOptions } from "../lrpg/discretizer.js";
import type { PolicyGradientAgent } from "../pg/agent.js";
import { PAPER_TASKS } from "../presets/paper-agents.js";
import { defaultGrids } from "../envs/default-grid.js";
import type { RunConfig } from "../runner/config.js";

/** A quantity tabulated over a state grid: rows/columns as the LRPG discretizer lays them out. */
export interface GridMap {
  z: number[][];
  rowLabel: string;
  colLabel: string;
  /** Grid-point values along the axes when rows/cols are single state dimensions. */
  rowTicks?: number[];
  colTicks?: number[];
}

const STATE_NAMES: Record<string, string[]> = {
  pendulum: ["θ", "θ̇"],
  acrobot: ["θ1", "θ2", "θ̇1", "θ̇2"],
  rocket: ["v", "h", "m"],
};

/** The grid the run's actor (or critic) used; the NN baseline is tabulated on the LRPG actor/critic grid of its task. */
export function runGrid(config: RunConfig, which: "actor" | "critic"): Discretizer {
  let base: DiscretizerOptions;
  if (config.task === null) {
    const g = defaultGrids(config.env)[which]; // envs outside the paper: their default grid
    base = {
      low: [...g.low],
      high: [...g.high],
      buckets: [...g.buckets],
      rowDims: [...g.rowDims],
      colDims: [...g.colDims],
    };
  } else {
    const lrpg = PAPER_TASKS[config.task].lrpg;
    base = which === "actor" ? lrpg.actorGrid : lrpg.criticGrid;
  }
  const buckets = which === "actor" ? config.actorBuckets : config.criticBuckets;
  return new Discretizer(buckets === undefined ? base : { ...base, buckets });
}

/** The state at grid point (row, col): each dimension's index decoded row-major, then its grid value. */
function gridState(g: Discretizer, row: number, col: number): Float64Array {
  const s = new Float64Array(g.stateDim);
  const decode = (flat: number, dims: readonly number[]) => {
    for (let k = dims.length - 1; k >= 0; k--) {
      const d = dims[k];
      const b = g.buckets[d];
      const idx = flat % b;
      flat = Math.floor(flat / b);
      s[d] = b === 1 ? g.low[d] : g.low[d] + (idx * g.range[d]) / (b - 1);
    }
  };
  decode(row, g.rowDims);
  decode(col, g.colDims);
  return s;
}

function ticks(g: Discretizer, dims: readonly number[]): number[] | undefined {
  if (dims.length !== 1) return undefined;
  const d = dims[0];
  const b = g.buckets[d];
  return Array.from({ length: b }, (_, i) =>
    Number((b === 1 ? g.low[d] : g.low[d] + (i * g.range[d]) / (b - 1)).toPrecision(4)),
  );
}

/** f(s) at every grid point of `g`: an N×M matrix (the learned matrix itself for LRPG's μ and V). */
export function tabulate(g: Discretizer, task: string, f: (s: Float64Array) => number): GridMap {
  const names = STATE_NAMES[task] ?? [];
  const label = (dims: readonly number[]) => dims.map((d) => names[d] ?? `s${d}`).join(", ");
  const z: number[][] = [];
  for (let r = 0; r < g.rows; r++) {
    const row: number[] = [];
    for (let c = 0; c < g.cols; c++) row.push(f(gridState(g, r, c)));
    z.push(row);
  }
  return {
    z,
    rowLabel: label(g.rowDims),
    colLabel: label(g.colDims),
    rowTicks: ticks(g, g.rowDims),
    colTicks: ticks(g, g.colDims),
  };
}

/** μ(s), σ(s) on the actor grid and V(s) on the critic grid of a trained agent. */
export function policyMaps(
  agent: PolicyGradientAgent,
  config: RunConfig,
): { mu: GridMap; sigma: GridMap; value: GridMap } | null {
  const a = agent as PolicyGradientAgent & {
    mean?: (s: ArrayLike<number>) => number;
    sigma?: (s: ArrayLike<number>) => number;
  };
  if (typeof a.mean !== "function" || typeof a.sigma !== "function") return null;
  const actor = runGrid(config, "actor");
  const critic = runGrid(config, "critic");
  return {
    mu: tabulate(actor, config.task ?? config.env, (s) => a.mean!(s)),
    sigma: tabulate(actor, config.task ?? config.env, (s) => a.sigma!(s)),
    value: tabulate(critic, config.task ?? config.env, (s) => agent.value(s)),
  };
}

/** Singular values (descending) of a matrix. */
export function singularValues(z: readonly (readonly number[])[]): number[] {
  if (z.length === 0 || z[0].length === 0) return [];
  const svd = new SingularValueDecomposition(new Matrix(z.map((r) => [...r])), {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
    autoTranspose: true,
  });
  return [...svd.diagonal].sort((x, y) => y - x);
}

/**
 * Relative Frobenius error of the best rank-k approximation, k = 0 … rank (Eckart–Young):
 * ‖X − X_k‖_F / ‖X‖_F = √(Σ_{i>k} σ_i²) / √(Σ_i σ_i²).
 */
export function truncationErrors(sv: readonly number[]): number[] {
  const total = sv.reduce((s, x) => s + x * x, 0);
  const out: number[] = [];
  let tail = total;
  out.push(total > 0 ? 1 : 0);
  for (const s of sv) {
    tail -= s * s;
    out.push(total > 0 ? Math.sqrt(Math.max(0, tail) / total) : 0);
  }
  return out;
}
