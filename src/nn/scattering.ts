import type { Parameter } from "../optim/parameter.js";
import { BatchBuffer } from "./batch-buffer.js";
import { pair, type Pair } from "./conv-geometry.js";
import type { Layer } from "./layer.js";
import { checkBatch, checkDim } from "./shape.js";

export interface Scattering2dOptions {
  inChannels: number;
  /** Input spatial size (height, width). */
  inputSize: Pair;
  /** Number of scales J ≥ 1: wavelets at j = 0 … J−1, low-pass and subsampling at 2^J. Default 1. */
  J?: number;
  /** Number of orientations L ≥ 1, θ_l = π·l/L. Default 8. */
  L?: number;
  /** Envelope width σ₀ > 0 of the finest wavelet (σ_j = σ₀·2^j). Default 0.8. */
  sigma0?: number;
  /** Centre frequency ξ₀ in (0, π] of the finest wavelet (ξ_j = ξ₀·2^{−j}). Default 3π/4. */
  xi0?: number;
  /** Slant s > 0: the envelope's width across the oscillation is σ/s. Default 4/L (isotropic at L = 4), capped at 1. */
  slant?: number;
  name?: string;
}

/**
 * The analytic Fourier transforms of the filters (docs/scattering.md), at a frequency ω = (ω_y, ω_x):
 *   Morlet   ψ̂_{j,θ}(ω) = exp(−σ_j²/2 · ((u − ξ_j)² + v²/s²)) − κ_j exp(−σ_j²/2 · (u² + v²/s²)),
 *            u = ω_y cos θ + ω_x sin θ, v = −ω_y sin θ + ω_x cos θ, κ_j = exp(−σ_j² ξ_j²/2) (so ψ̂(0) = 0);
 *   low-pass φ̂_J(ω) = exp(−σ_J² |ω|²/2), σ_J = σ₀·2^J (so φ̂(0) = 1: φ sums to one).
 */
export function morletFourier(
  wy: number,
  wx: number,
  sigma: number,
  xi: number,
  theta: number,
  slant: number,
): number {
  const u = wy * Math.cos(theta) + wx * Math.sin(theta);
  const v = -wy * Math.sin(theta) + wx * Math.cos(theta);
  const s2 = sigma * sigma;
  const across = (v * v) / (slant * slant);
  const kappa = Math.exp((-s2 * xi * xi) / 2);
  return Math.exp((-s2 * ((u - xi) ** 2 + across)) / 2) - kappa * Math.exp((-s2 * (u * u + across)) / 2);
}

/** See {@link morletFourier}. */
export function lowPassFourier(wy: number, wx: number, sigma: number): number {
  return Math.exp((-sigma * sigma * (wy * wy + wx * wx)) / 2);
}

/** The grid frequency of DFT index k on a size-P axis: 2π k′/P with k′ = k wrapped into [−P/2, P/2). */
export function gridFrequency(k: number, P: number): number {
  const kk = k < P - Math.floor(P / 2) ? k : k - P;
  return (2 * Math.PI * kk) / P;
}

/**
 * Fixed, non-learned order-1 2-D wavelet scattering (Mallat 2012; Bruna & Mallat 2013), a drop-in first
 * layer (docs/scattering.md). Per input channel c, on the input zero-padded by 2^J on each side to a
 * periodic grid of Ph × Pw = 2^J(Ho + 2) × 2^J(Wo + 2), with ⋆ circular convolution:
 *   S₀[c]      = (x_c ⋆ φ_J)(2^J k),
 *   S₁[c,j,l]  = (|x_c ⋆ ψ_{j,θ_l}| ⋆ φ_J)(2^J k),  j < J, l < L,
 * sampled at the output pixels k ∈ [0, Ho) × [0, Wo), Ho = ⌈H/2^J⌉, Wo = ⌈W/2^J⌉ (2^J k in input
 * coordinates). Output shape [C·(1 + J·L), Ho, Wo], channel c·(1 + JL) + (0 | 1 + j·L + l). The filters
 * are the inverse DFTs of the analytic transforms sampled on the grid ({@link morletFourier},
 * {@link lowPassFourier}); no weights are learned (parameterCount 0). Backward gives ∂J/∂x through the
 * modulus (∂|u|/∂u = u/|u|, 0 at u = 0). Costs ∝ the input's non-zeros (MinAtar frames are sparse).
 */
export class Scattering2d implements Layer {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly parameters: readonly Parameter[] = [];
  readonly parameterCount = 0;
  computeInputGrad = true;
  readonly J: number;
  readonly L: number;
  readonly sigma0: number;
  readonly xi0: number;
  readonly slant: number;
  /** Padded periodic grid. */
  readonly gridSize: readonly [number, number];
  /** Spatial filters on the grid, row-major Ph × Pw: ψ (real and imaginary part) per (j, l), and φ_J. */
  readonly psiRe: readonly Float64Array[];
  readonly psiIm: readonly Float64Array[];
  readonly phi: Float64Array;
  private readonly C: number;
  private readonly H: number;
  private readonly W: number;
  private readonly Ho: number;
  private readonly Wo: number;
  private readonly offset: number;
  private readonly step: number;
  private readonly out: BatchBuffer;
  private readonly gradIn: BatchBuffer;
  /** x ⋆ ψ per (sample, channel, filter), real and imaginary parts, kept for backward. */
  private readonly uRe: BatchBuffer;
  private readonly uIm: BatchBuffer;
  private lastInput: Float64Array | null = null;
  private lastBatch = 0;
  private readonly gridScratch: Float64Array;

  constructor(options: Scattering2dOptions) {
    const C = options.inChannels;
    checkDim(C, "Scattering2d inChannels");
    const [H, W] = pair(options.inputSize, "Scattering2d inputSize", 1);
    const J = options.J ?? 1;
    const L = options.L ?? 8;
    if (!(Number.isInteger(J) && J >= 1 && J <= 6))
      throw new RangeError(`Scattering2d J must be an integer in [1, 6], got ${J}`);
    if (!(Number.isInteger(L) && L >= 1 && L <= 32))
      throw new RangeError(`Scattering2d L must be an integer in [1, 32], got ${L}`);
    this.sigma0 = options.sigma0 ?? 0.8;
    this.xi0 = options.xi0 ?? (3 * Math.PI) / 4;
    this.slant = options.slant ?? Math.min(1, 4 / L);
    if (!(Number.isFinite(this.sigma0) && this.sigma0 > 0))
      throw new RangeError(`Scattering2d sigma0 must be a finite number > 0, got ${this.sigma0}`);
    if (!(this.xi0 > 0 && this.xi0 <= Math.PI))
      throw new RangeError(`Scattering2d xi0 must be in (0, π], got ${this.xi0}`);
    if (!(Number.isFinite(this.slant) && this.slant > 0))
      throw new RangeError(`Scattering2d slant must be a finite number > 0, got ${this.slant}`);
    this.name = options.name ?? "scattering";
    this.C = C;
    this.H = H;
    this.W = W;
    this.J = J;
    this.L = L;
    this.step = 2 ** J;
    this.offset = this.step;
    this.Ho = Math.ceil(H / this.step);
    this.Wo = Math.ceil(W / this.step);
    const Ph = this.step * (this.Ho + 2);
    const Pw = this.step * (this.Wo + 2);
    this.gridSize = [Ph, Pw];
    this.inputShape = [C, H, W];
    this.outputShape = [C * (1 + J * L), this.Ho, this.Wo];
    const psiRe: Float64Array[] = [];
    const psiIm: Float64Array[] = [];
    for (let j = 0; j < J; j++) {
      for (let l = 0; l < L; l++) {
        const sigma = this.sigma0 * 2 ** j;
        const xi = this.xi0 * 2 ** -j;
        const theta = (Math.PI * l) / L;
        const [re, im] = inverseDft2(Ph, Pw, (wy, wx) => morletFourier(wy, wx, sigma, xi, theta, this.slant));
        psiRe.push(re);
        psiIm.push(im);
      }
    }
    this.psiRe = psiRe;
    this.psiIm = psiIm;
    const sigmaJ = this.sigma0 * 2 ** J;
    this.phi = inverseDft2(Ph, Pw, (wy, wx) => lowPassFourier(wy, wx, sigmaJ))[0];
    this.out = new BatchBuffer(C * (1 + J * L) * this.Ho * this.Wo);
    this.gradIn = new BatchBuffer(C * H * W);
    this.uRe = new BatchBuffer(C * J * L * Ph * Pw);
    this.uIm = new BatchBuffer(C * J * L * Ph * Pw);
    this.gridScratch = new Float64Array(Ph * Pw);
  }

  forward(x: Float64Array, batch: number): Float64Array {
    checkBatch(this.name, "input", x, batch, this.C * this.H * this.W);
    this.lastInput = x;
    this.lastBatch = batch;
    const { C, H, W, Ho, Wo, J, L, offset, step } = this;
    const [Ph, Pw] = this.gridSize;
    const G = Ph * Pw;
    const K = J * L;
    const y = this.out.get(batch);
    const uRe = this.uRe.get(batch);
    const uIm = this.uIm.get(batch);
    const v = this.gridScratch;
    const outPer = Ho * Wo;
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < C; c++) {
        const xc = (n * C + c) * H * W;
        const yc = (n * C + c) * (1 + K) * outPer;
        // S₀: low-pass of the input at the output pixels.
        for (let ky = 0; ky < Ho; ky++) {
          for (let kx = 0; kx < Wo; kx++) {
            const sy = offset + step * ky;
            const sx = offset + step * kx;
            let s = 0;
            for (let iy = 0; iy < H; iy++) {
              const fy = mod(sy - offset - iy, Ph) * Pw;
              for (let ix = 0; ix < W; ix++) {
                const val = x[xc + iy * W + ix];
                if (val !== 0) s += val * this.phi[fy + mod(sx - offset - ix, Pw)];
              }
            }
            y[yc + ky * Wo + kx] = s;
          }
        }
        for (let k = 0; k < K; k++) {
          const base = ((n * C + c) * K + k) * G;
          const re = uRe.subarray(base, base + G);
          const im = uIm.subarray(base, base + G);
          re.fill(0);
          im.fill(0);
          const fRe = this.psiRe[k];
          const fIm = this.psiIm[k];
          // u = x ⋆ ψ over the input's non-zeros: u[p] += x[q] ψ[p − q].
          for (let iy = 0; iy < H; iy++) {
            for (let ix = 0; ix < W; ix++) {
              const val = x[xc + iy * W + ix];
              if (val === 0) continue;
              const qy = offset + iy;
              const qx = offset + ix;
              for (let py = 0; py < Ph; py++) {
                const fy = mod(py - qy, Ph) * Pw;
                const row = py * Pw;
                // Filter column px − qx (mod Pw): Pw − qx … Pw − 1, then 0 … Pw − qx − 1.
                for (let px = 0, fx = Pw - qx; px < Pw; px++, fx++) {
                  if (fx === Pw) fx = 0;
                  re[row + px] += val * fRe[fy + fx];
                  im[row + px] += val * fIm[fy + fx];
                }
              }
            }
          }
          for (let p = 0; p < G; p++) v[p] = Math.sqrt(re[p] * re[p] + im[p] * im[p]);
          // S₁: low-pass of |u| at the output pixels.
          const yk = yc + (1 + k) * outPer;
          for (let ky = 0; ky < Ho; ky++) {
            for (let kx = 0; kx < Wo; kx++) {
              const sy = offset + step * ky;
              const sx = offset + step * kx;
              let s = 0;
              for (let py = 0; py < Ph; py++) {
                const fy = mod(sy - py, Ph) * Pw;
                const row = py * Pw;
                // Filter column sx − px (mod Pw), counting down from sx.
                for (let px = 0, fx = sx; px < Pw; px++, fx--) {
                  if (fx < 0) fx += Pw;
                  s += v[row + px] * this.phi[fy + fx];
                }
              }
              y[yk + ky * Wo + kx] = s;
            }
          }
        }
      }
    }
    return y;
  }

  backward(gradOut: Float64Array, batch: number): Float64Array {
    const x = this.lastInput;
    if (x === null || this.lastBatch !== batch)
      throw new Error(`${this.name}: backward at batch ${batch} does not follow a forward at that batch`);
    checkBatch(this.name, "gradOut", gradOut, batch, this.out.perSample);
    const gx = this.gradIn.get(batch);
    gx.fill(0);
    if (!this.computeInputGrad) return gx;
    const { C, H, W, Ho, Wo, J, L, offset, step } = this;
    const [Ph, Pw] = this.gridSize;
    const G = Ph * Pw;
    const K = J * L;
    const outPer = Ho * Wo;
    const uRe = this.uRe.get(batch);
    const uIm = this.uIm.get(batch);
    const gv = this.gridScratch;
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < C; c++) {
        const xc = (n * C + c) * H * W;
        const gc = (n * C + c) * (1 + K) * outPer;
        for (let ky = 0; ky < Ho; ky++) {
          for (let kx = 0; kx < Wo; kx++) {
            const g = gradOut[gc + ky * Wo + kx];
            if (g === 0) continue;
            const sy = offset + step * ky;
            const sx = offset + step * kx;
            for (let iy = 0; iy < H; iy++) {
              const fy = mod(sy - offset - iy, Ph) * Pw;
              for (let ix = 0; ix < W; ix++)
                gx[xc + iy * W + ix] += g * this.phi[fy + mod(sx - offset - ix, Pw)];
            }
          }
        }
        for (let k = 0; k < K; k++) {
          const base = ((n * C + c) * K + k) * G;
          // ∂J/∂|u|[p] = Σ_k g[k] φ[s(k) − p].
          gv.fill(0);
          const gk = gc + (1 + k) * outPer;
          for (let ky = 0; ky < Ho; ky++) {
            for (let kx = 0; kx < Wo; kx++) {
              const g = gradOut[gk + ky * Wo + kx];
              if (g === 0) continue;
              const sy = offset + step * ky;
              const sx = offset + step * kx;
              for (let py = 0; py < Ph; py++) {
                const fy = mod(sy - py, Ph) * Pw;
                const row = py * Pw;
                for (let px = 0; px < Pw; px++) gv[row + px] += g * this.phi[fy + mod(sx - px, Pw)];
              }
            }
          }
          // ∂J/∂x[q] = Σ_p (∂J/∂Re u[p]) Re ψ[p − q] + (∂J/∂Im u[p]) Im ψ[p − q].
          const fRe = this.psiRe[k];
          const fIm = this.psiIm[k];
          for (let p = 0; p < G; p++) {
            const mag = Math.sqrt(uRe[base + p] * uRe[base + p] + uIm[base + p] * uIm[base + p]);
            const scale = mag > 0 ? gv[p] / mag : 0;
            gv[p] = scale;
          }
          for (let iy = 0; iy < H; iy++) {
            for (let ix = 0; ix < W; ix++) {
              const qy = offset + iy;
              const qx = offset + ix;
              let s = 0;
              for (let py = 0; py < Ph; py++) {
                const fy = mod(py - qy, Ph) * Pw;
                const row = py * Pw;
                for (let px = 0; px < Pw; px++) {
                  const p = row + px;
                  const sc = gv[p];
                  if (sc === 0) continue;
                  const f = fy + mod(px - qx, Pw);
                  s += sc * (uRe[base + p] * fRe[f] + uIm[base + p] * fIm[f]);
                }
              }
              gx[xc + iy * W + ix] += s;
            }
          }
        }
      }
    }
    return gx;
  }
}

function mod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}

/**
 * Inverse 2-D DFT of the function F sampled at the grid frequencies: h[n] = (1/(Ph·Pw)) Σ_k F(ω_k) e^{i ω_k·n}.
 * Returns the real and imaginary parts, row-major Ph × Pw.
 */
function inverseDft2(
  Ph: number,
  Pw: number,
  F: (wy: number, wx: number) => number,
): [Float64Array, Float64Array] {
  const spec = new Float64Array(Ph * Pw);
  for (let ky = 0; ky < Ph; ky++)
    for (let kx = 0; kx < Pw; kx++) spec[ky * Pw + kx] = F(gridFrequency(ky, Ph), gridFrequency(kx, Pw));
  // Along x: T[ky, nx] = Σ_kx spec[ky, kx] e^{2πi kx nx / Pw}; then along y.
  const tRe = new Float64Array(Ph * Pw);
  const tIm = new Float64Array(Ph * Pw);
  for (let ky = 0; ky < Ph; ky++)
    for (let nx = 0; nx < Pw; nx++) {
      let re = 0;
      let im = 0;
      for (let kx = 0; kx < Pw; kx++) {
        const a = (2 * Math.PI * ((kx * nx) % Pw)) / Pw;
        re += spec[ky * Pw + kx] * Math.cos(a);
        im += spec[ky * Pw + kx] * Math.sin(a);
      }
      tRe[ky * Pw + nx] = re;
      tIm[ky * Pw + nx] = im;
    }
  const hRe = new Float64Array(Ph * Pw);
  const hIm = new Float64Array(Ph * Pw);
  const norm = 1 / (Ph * Pw);
  for (let ny = 0; ny < Ph; ny++)
    for (let nx = 0; nx < Pw; nx++) {
      let re = 0;
      let im = 0;
      for (let ky = 0; ky < Ph; ky++) {
        const a = (2 * Math.PI * ((ky * ny) % Ph)) / Ph;
        const c = Math.cos(a);
        const s = Math.sin(a);
        re += tRe[ky * Pw + nx] * c - tIm[ky * Pw + nx] * s;
        im += tRe[ky * Pw + nx] * s + tIm[ky * Pw + nx] * c;
      }
      hRe[ny * Pw + nx] = re * norm;
      hIm[ny * Pw + nx] = im * norm;
    }
  return [hRe, hIm];
}
