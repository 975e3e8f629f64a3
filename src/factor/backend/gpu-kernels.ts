/**
 * Kernel bodies of the gpu backend, in gpu.js's JavaScript subset (no closures, no helpers; every
 * array is flat float32). Each returns one output element, addressed by the thread indices of a
 * 3-D output [x, y, z] whose row-major flattening is the layout of {@link FactorBackend} (so no
 * per-thread index division). Indices stay below 2²⁴, exact in float32.
 *
 * This file does not import gpu.js: the kernels are compiled by the wrapper in gpujs.ts. The Adam
 * kernel is source text generated from the optimizer's formulas.
 */
import { formulaWriter } from "../../optim/formula.js";
import { adamFirstMoment, adamParameter, adamSecondMoment } from "../../optim/update-rules.js";
import { kernelSource, type KernelThis } from "./gpujs.js";

/** a[x]: with a `resident` kernel, moves a host array onto the device once for many later kernel calls. */
export function copyKernel(this: KernelThis, a: Float32Array): number {
  return a[this.thread.x];
}

/** X_p[i,j] = Σ_k L_p[i,k] R_p[j,k]; output [m, n, P] (x = j, y = i, z = p). */
export function reconstructKernel(
  this: KernelThis,
  L: Float32Array,
  R: Float32Array,
  n: number,
  m: number,
  K: number,
): number {
  const j = this.thread.x;
  const i = this.thread.y;
  const p = this.thread.z;
  const lo = (p * n + i) * K;
  const ro = (p * m + j) * K;
  let s = 0;
  for (let k = 0; k < K; k++) {
    s += L[lo + k] * R[ro + k];
  }
  return s;
}

/** L_p[i,k] − a·Σ_j G_p[i,j] R_p[j,k]; output [K, n, P] (x = k, y = i, z = p). */
export function denseStepLKernel(
  this: KernelThis,
  L: Float32Array,
  R: Float32Array,
  G: Float32Array,
  a: number,
  n: number,
  m: number,
  K: number,
): number {
  const k = this.thread.x;
  const i = this.thread.y;
  const p = this.thread.z;
  const go = (p * n + i) * m;
  const ro = p * m * K + k;
  let s = 0;
  for (let j = 0; j < m; j++) {
    s += G[go + j] * R[ro + j * K];
  }
  return L[(p * n + i) * K + k] - a * s;
}

/** R_p[j,k] − a·Σ_i G_p[i,j] L_p[i,k] (old L); output [K, m, P] (x = k, y = j, z = p). */
export function denseStepRKernel(
  this: KernelThis,
  L: Float32Array,
  R: Float32Array,
  G: Float32Array,
  a: number,
  n: number,
  m: number,
  K: number,
): number {
  const k = this.thread.x;
  const j = this.thread.y;
  const p = this.thread.z;
  const go = p * n * m + j;
  const lo = p * n * K + k;
  let s = 0;
  for (let i = 0; i < n; i++) {
    s += G[go + i * m] * L[lo + i * K];
  }
  return R[(p * m + j) * K + k] - a * s;
}

/** X_p[i_b, j_b], 0 for b ≥ counts[p]; output [B, P] (x = b, y = p). */
export function gatherEntriesKernel(
  this: KernelThis,
  L: Float32Array,
  R: Float32Array,
  rowIdx: Float32Array,
  colIdx: Float32Array,
  counts: Float32Array,
  n: number,
  m: number,
  K: number,
  B: number,
): number {
  const b = this.thread.x;
  const p = this.thread.y;
  if (b >= counts[p]) {
    return 0;
  }
  const lo = (p * n + rowIdx[p * B + b]) * K;
  const ro = (p * m + colIdx[p * B + b]) * K;
  let s = 0;
  for (let k = 0; k < K; k++) {
    s += L[lo + k] * R[ro + k];
  }
  return s;
}

/**
 * Sparse entry gradients, segment (CSR) form: for output (p, r, k) with segment s = p·nSeg + r,
 * Σ_{q ∈ [start[s], start[s+1])} g[q]·F_p[other[q], k], where the entries were stably sorted by
 * (p, r) on the host. With F = R, r = i, other = j it is ∇L; with F = L, r = j, other = i it is ∇R.
 * Each thread visits only its own row's entries (GPU-shaped, and cheap on CPU-backed modes too).
 * Output [K, nSeg, P] (x = k, y = r, z = p).
 */
export function segmentGradKernel(
  this: KernelThis,
  F: Float32Array,
  other: Float32Array,
  g: Float32Array,
  start: Float32Array,
  nSeg: number,
  nOther: number,
  K: number,
): number {
  const k = this.thread.x;
  const r = this.thread.y;
  const p = this.thread.z;
  const seg = p * nSeg + r;
  const base = p * nOther * K + k;
  const from = start[seg];
  const to = start[seg + 1];
  let s = 0;
  for (let q = from; q < to; q++) {
    s += g[q] * F[base + other[q] * K];
  }
  return s;
}

const formula = formulaWriter();

/** Arguments of {@link adamKernelSource}: the scalars are those of `adamCoefficients` (src/optim). */
export type AdamKernelArgs = [
  param: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  mask: Float32Array,
  useMask: number,
  beta1: number,
  oneMinusBeta1: number,
  beta2: number,
  oneMinusBeta2: number,
  stepSize: number,
  biasCorrection2Sqrt: number,
  eps: number,
];

/**
 * One Adam step; output [N, 1, 3] (x = index, z = 0 new param, 1 new m, 2 new v). The y axis of
 * length 1 lets gpu.js pack the 3N outputs into a square texture: as [N, 3] they would be an N × 3
 * texture, which a GL device refuses once N passes its maximum texture side (16 384 on Mesa, so a
 * population of ~200 pendulum agents). Where useMask = 1 and mask[i] = 0 the entry is unchanged. Kernel source text: its update expressions are written
 * out from the formula functions of src/optim/update-rules.ts (the ones every optimizer path runs).
 */
export const adamKernelSource =
  kernelSource<AdamKernelArgs>(`function adamKernel(param, grad, m, v, mask, useMask, beta1, oneMinusBeta1, beta2, oneMinusBeta2, stepSize, biasCorrection2Sqrt, eps) {
  const idx = this.thread.x;
  const which = this.thread.z;
  let frozen = 0;
  if (useMask > 0.5) {
    if (mask[idx] === 0) {
      frozen = 1;
    }
  }
  if (frozen > 0.5) {
    if (which === 0) {
      return param[idx];
    }
    if (which === 1) {
      return m[idx];
    }
    return v[idx];
  }
  const g = grad[idx];
  const m2 = ${formula(adamFirstMoment, "m[idx]", "g", "beta1", "oneMinusBeta1")};
  const v2 = ${formula(adamSecondMoment, "v[idx]", "g", "beta2", "oneMinusBeta2")};
  if (which === 1) {
    return m2;
  }
  if (which === 2) {
    return v2;
  }
  return ${formula(adamParameter, "param[idx]", "m2", "v2", "stepSize", "biasCorrection2Sqrt", "eps")};
}`);
