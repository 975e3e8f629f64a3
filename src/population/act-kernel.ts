import type { KernelArray, KernelThis } from "../factor/backend/index.js";
import type { Discretizer } from "../lrpg/discretizer.js";

/** A grid's per-dimension arrays in the layout {@link lowRankGaussianActKernel} reads (float32). */
export interface KernelGrid {
  low: Float32Array;
  range: Float32Array;
  steps: Float32Array;
  axis: Float32Array;
  mult: Float32Array;
}

export function kernelGrid(g: Discretizer): KernelGrid {
  const D = g.stateDim;
  const axis = new Float32Array(D);
  const mult = new Float32Array(D);
  g.rowDims.forEach((d, q) => {
    axis[d] = 0;
    mult[d] = g.rowOffsets[q];
  });
  g.colDims.forEach((d, q) => {
    axis[d] = 1;
    mult[d] = g.colOffsets[q];
  });
  return {
    low: Float32Array.from(g.low),
    range: Float32Array.from(g.range),
    steps: Float32Array.from(g.buckets, (b) => b - 1),
    axis,
    mult,
  };
}

/**
 * gpu.js kernel of the Gaussian low-rank policy, one output per listed agent p = agentIdx[x]:
 * cell (i, j) of the observation on the actor grid (clip, snap to the nearest of b_d points with
 * round-half-to-even, row-major flattening into rows/columns: the Discretizer's rule, in float32),
 * z = Σ_k L_p[i,k] R_p[j,k], μ = z or sigmoid(z), a = μ + σ_p·ε_p, clamped to [lo, hi] when useClamp = 1.
 * Grid arrays have one entry per observation dimension d: low, range = high − low, steps = b_d − 1,
 * axis (0 row, 1 column) and the row-major multiplier of d within its axis.
 */
export function lowRankGaussianActKernel(
  this: KernelThis,
  agentIdx: Float32Array,
  states: Float32Array,
  noise: Float32Array,
  L: KernelArray,
  R: KernelArray,
  sigma: KernelArray,
  gridLow: Float32Array,
  gridRange: Float32Array,
  gridSteps: Float32Array,
  gridAxis: Float32Array,
  gridMult: Float32Array,
  stride: number,
  D: number,
  N: number,
  M: number,
  K: number,
  sigmoidMean: number,
  useClamp: number,
  clampLo: number,
  clampHi: number,
): number {
  const p = agentIdx[this.thread.x];
  let row = 0;
  let col = 0;
  for (let d = 0; d < D; d++) {
    const lo = gridLow[d];
    const c = Math.min(Math.max(states[p * stride + d], lo), lo + gridRange[d]);
    const u = ((c - lo) / gridRange[d]) * gridSteps[d];
    const f = Math.floor(u);
    const frac = u - f;
    let idx = f;
    if (frac > 0.5) {
      idx = f + 1;
    }
    if (frac === 0.5) {
      if (f - 2 * Math.floor(f / 2) > 0.5) {
        idx = f + 1;
      }
    }
    if (gridAxis[d] > 0.5) {
      col += idx * gridMult[d];
    } else {
      row += idx * gridMult[d];
    }
  }
  const lo2 = p * N * K + row * K;
  const ro2 = p * M * K + col * K;
  let z = 0;
  for (let k = 0; k < K; k++) {
    z += L[lo2 + k] * R[ro2 + k];
  }
  let mu = z;
  if (sigmoidMean > 0.5) {
    mu = 1 / (1 + Math.exp(-z));
  }
  let a = mu + sigma[p] * noise[p];
  if (useClamp > 0.5) {
    a = Math.min(Math.max(a, clampLo), clampHi);
  }
  return a;
}
