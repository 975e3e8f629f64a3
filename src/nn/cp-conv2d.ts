import { cpAls } from "../factor/cp-als.js";
import { CPTensor, cpParameterCount } from "../factor/cp-tensor.js";
import { gemmNN, gemmNT, gemmTN, type MatmulPrecision } from "../factor/gemm.js";
import { projectModeBackward, projectModeInto } from "../factor/mode-projection.js";
import { cpRankForFraction } from "../factor/rank-budget.js";
import { Tensor } from "../factor/tensor.js";
import { makeParameter, type Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";
import { BatchBuffer } from "./batch-buffer.js";
import { convOutputSize, pair, type Pair } from "./conv-geometry.js";
import type { Conv2d } from "./conv2d.js";
import { torchDefaultUniform } from "./init.js";
import type { Layer } from "./layer.js";
import { resolvePrecision } from "./precision.js";
import { resolveRankOptions, type RankOptions } from "./rank.js";
import { checkBatch, checkDim } from "./shape.js";

export interface CPConv2dOptions extends RankOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: Pair;
  inputSize: Pair;
  stride?: Pair;
  padding?: Pair;
  /** The CP rank R, a positive integer. Give this or `parameterFraction`. */
  rank?: number;
  /** Fraction f in (0, 1] of the dense kernel's O·C·kh·kw weights: R = round(f·OCkhkw/(O+C+kh+kw)). Give this or `rank`. */
  parameterFraction?: number;
  bias?: boolean;
  /**
   * Random init (tensorly-torch's CPTensor.normal_ with λ folded): factors ~ N(0, σ²) with
   * σ = (std/√R)^{1/4} so each reconstructed kernel entry has std 1/√(3·fan_in), PyTorch's default;
   * bias U(±1/√fan_in).
   */
  rng?: Rng;
  name?: string;
  /**
   * Arithmetic of the matrix products (default 'f64'). 'f32': operands and accumulation in single
   * precision, like PyTorch's float32 convolutions; parameters and gradients stay Float64Array.
   */
  precision?: MatmulPrecision;
}

/**
 * Convolution whose kernel is a rank-R CP tensor (Lebedev et al. 2015; tensorly-torch's cp_conv):
 *   W[o, c, i, j] = Σ_r U_out[o, r] · U_in[c, r] · U_h[i, r] · U_w[j, r].
 * Evaluated as four cheap convolutions, exactly equal to the dense conv with that kernel (stride and
 * zero padding included, because the kernel is separable per r):
 *   1. 1×1 conv C → R:            z₁[r, y, x] = Σ_c U_in[c, r] x[c, y, x]
 *   2. depthwise kh×1 (stride sh): z₂[r, p, x] = Σ_i U_h[i, r] z₁[r, p·sh − ph + i, x]
 *   3. depthwise 1×kw (stride sw): z₃[r, p, q] = Σ_j U_w[j, r] z₂[r, p, q·sw − pw + j]
 *   4. 1×1 conv R → O:            y[o, p, q] = Σ_r U_out[o, r] z₃[r, p, q] + b[o]
 * Parameters: R·(O + C + kh + kw) (+ O); as in the 2020 tensor-factorization RL proposal: rank 8 of 3×3×64×64 → 1 072 instead of 36 864.
 */
export class CPConv2d implements Layer {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly inChannels: number;
  readonly outChannels: number;
  readonly rank: number;
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly outFactor: Parameter;
  readonly inFactor: Parameter;
  readonly heightFactor: Parameter;
  readonly widthFactor: Parameter;
  readonly bias: Parameter | null;
  readonly precision: MatmulPrecision;
  computeInputGrad = true;
  private readonly H: number;
  private readonly W: number;
  private readonly Ho: number;
  private readonly Wo: number;
  private readonly z1: BatchBuffer;
  private readonly z2: BatchBuffer;
  private readonly z3: BatchBuffer;
  private readonly gz1: BatchBuffer;
  private readonly gz2: BatchBuffer;
  private readonly gz3: BatchBuffer;
  private readonly out: BatchBuffer;
  private readonly gradIn: BatchBuffer;
  private lastInput: Float64Array | null = null;
  private lastBatch = 0;

  constructor(options: CPConv2dOptions) {
    const { inChannels: C, outChannels: O } = options;
    checkDim(C, "CPConv2d inChannels");
    checkDim(O, "CPConv2d outChannels");
    const [kh, kw] = pair(options.kernelSize, "CPConv2d kernelSize", 1);
    const [sh, sw] = pair(options.stride ?? 1, "CPConv2d stride", 1);
    const [ph, pw] = pair(options.padding ?? 0, "CPConv2d padding", 0);
    const [H, W] = pair(options.inputSize, "CPConv2d inputSize", 1);
    this.Ho = convOutputSize(H, kh, sh, ph, "CPConv2d height");
    this.Wo = convOutputSize(W, kw, sw, pw, "CPConv2d width");
    const parsed = resolveRankOptions(options, "CPConv2d");
    const R = parsed.kind === "fraction" ? cpRankForFraction([O, C, kh, kw], parsed.fraction) : parsed.rank;
    this.name = options.name ?? "cpconv";
    this.precision = resolvePrecision(options.precision, "CPConv2d precision");
    this.inChannels = C;
    this.outChannels = O;
    this.rank = R;
    this.kernel = [kh, kw];
    this.stride = [sh, sw];
    this.padding = [ph, pw];
    this.H = H;
    this.W = W;
    this.inputShape = [C, H, W];
    this.outputShape = [O, this.Ho, this.Wo];
    this.outFactor = makeParameter(`${this.name}.Uout`, [O, R]);
    this.inFactor = makeParameter(`${this.name}.Uin`, [C, R]);
    this.heightFactor = makeParameter(`${this.name}.Uh`, [kh, R]);
    this.widthFactor = makeParameter(`${this.name}.Uw`, [kw, R]);
    this.bias = options.bias === false ? null : makeParameter(`${this.name}.bias`, [O]);
    if (options.rng) {
      const fanIn = C * kh * kw;
      const sigma = Math.pow(1 / Math.sqrt(3 * fanIn) / Math.sqrt(R), 0.25);
      for (const p of [this.outFactor, this.inFactor, this.heightFactor, this.widthFactor])
        options.rng.fillNormal(p.data, 0, sigma);
      if (this.bias) torchDefaultUniform(this.bias.data, fanIn, options.rng);
    }
    this.z1 = new BatchBuffer(R * H * W);
    this.z2 = new BatchBuffer(R * this.Ho * W);
    this.z3 = new BatchBuffer(R * this.Ho * this.Wo);
    this.gz1 = new BatchBuffer(R * H * W);
    this.gz2 = new BatchBuffer(R * this.Ho * W);
    this.gz3 = new BatchBuffer(R * this.Ho * this.Wo);
    this.out = new BatchBuffer(O * this.Ho * this.Wo);
    this.gradIn = new BatchBuffer(C * H * W);
  }

  get parameters(): Parameter[] {
    const ps = [this.outFactor, this.inFactor, this.heightFactor, this.widthFactor];
    if (this.bias) ps.push(this.bias);
    return ps;
  }

  get parameterCount(): number {
    return (
      cpParameterCount([this.outChannels, this.inChannels, ...this.kernel], this.rank) +
      (this.bias ? this.outChannels : 0)
    );
  }

  /** The kernel as a CP tensor over (O, C, kh, kw) (copies). */
  kernelTensor(): CPTensor {
    const f = [this.outFactor, this.inFactor, this.heightFactor, this.widthFactor].map((p) =>
      Float64Array.from(p.data),
    );
    return new CPTensor([this.outChannels, this.inChannels, ...this.kernel], this.rank, f);
  }

  /**
   * CP-ALS of a Conv2d's kernel at this layer's rank (SVD init; `rng` fills init columns beyond a
   * mode's size), and copies the bias. Exact (to ALS convergence) when the kernel has CP rank ≤ R.
   * Returns the relative reconstruction error of the kernel.
   */
  initFrom(conv: Conv2d, rng: Rng, options: { maxIterations?: number; tolerance?: number } = {}): number {
    const [kh, kw] = this.kernel;
    if (
      conv.inChannels !== this.inChannels ||
      conv.outChannels !== this.outChannels ||
      conv.kernel[0] !== kh ||
      conv.kernel[1] !== kw
    ) {
      throw new RangeError(
        `${this.name}.initFrom: conv kernel [${conv.weight.shape}] does not match [${this.outChannels},${this.inChannels},${kh},${kw}]`,
      );
    }
    const kernel = new Tensor(
      [this.outChannels, this.inChannels, kh, kw],
      Float64Array.from(conv.weight.data),
    );
    const res = cpAls(kernel, this.rank, {
      rng,
      maxIterations: options.maxIterations ?? 500,
      tolerance: options.tolerance ?? 1e-14,
    });
    [this.outFactor, this.inFactor, this.heightFactor, this.widthFactor].forEach((p, n) =>
      p.data.set(res.cp.factors[n]),
    );
    if (this.bias) {
      if (conv.bias) this.bias.data.set(conv.bias.data);
      else this.bias.data.fill(0);
    }
    return res.relativeError;
  }

  forward(x: Float64Array, batch: number): Float64Array {
    const { inChannels: C, outChannels: O, rank: R, H, W, Ho, Wo } = this;
    checkBatch(this.name, "input", x, batch, C * H * W);
    this.lastInput = x;
    this.lastBatch = batch;
    const [kh, kw] = this.kernel;
    const [sh, sw] = this.stride;
    const [ph, pw] = this.padding;
    const z1 = this.z1.get(batch);
    const z2 = this.z2.get(batch);
    const z3 = this.z3.get(batch);
    const y = this.out.get(batch);
    projectModeInto(x, batch, C, H * W, this.inFactor.data, R, z1, this.precision);
    const Uh = this.heightFactor.data;
    const Uw = this.widthFactor.data;
    for (let br = 0; br < batch * R; br++) {
      const r = br % R;
      const s1 = br * H * W;
      const s2 = br * Ho * W;
      for (let p = 0; p < Ho; p++) {
        const row = s2 + p * W;
        for (let q = 0; q < W; q++) z2[row + q] = 0;
        for (let i = 0; i < kh; i++) {
          const yy = p * sh - ph + i;
          if (yy < 0 || yy >= H) continue;
          const u = Uh[i * R + r];
          const src = s1 + yy * W;
          for (let q = 0; q < W; q++) z2[row + q] += u * z1[src + q];
        }
      }
      const s3 = br * Ho * Wo;
      for (let p = 0; p < Ho; p++) {
        const src = s2 + p * W;
        for (let q = 0; q < Wo; q++) {
          let acc = 0;
          for (let j = 0; j < kw; j++) {
            const xx = q * sw - pw + j;
            if (xx >= 0 && xx < W) acc += Uw[j * R + r] * z2[src + xx];
          }
          z3[s3 + p * Wo + q] = acc;
        }
      }
    }
    const P = Ho * Wo;
    const Uout = this.outFactor.data;
    for (let n = 0; n < batch; n++)
      gemmNN(O, P, R, Uout, 0, R, z3, n * R * P, P, y, n * O * P, P, false, this.precision);
    if (this.bias) {
      const b = this.bias.data;
      for (let n = 0; n < batch; n++)
        for (let o = 0; o < O; o++) {
          const base = (n * O + o) * P;
          for (let e = 0; e < P; e++) y[base + e] += b[o];
        }
    }
    return y;
  }

  backward(gradOut: Float64Array, batch: number): Float64Array {
    const x = this.lastInput;
    if (x === null || this.lastBatch !== batch)
      throw new Error(`${this.name}: backward at batch ${batch} does not follow a forward at that batch`);
    const { inChannels: C, outChannels: O, rank: R, H, W, Ho, Wo } = this;
    checkBatch(this.name, "gradOut", gradOut, batch, O * Ho * Wo);
    const [kh, kw] = this.kernel;
    const [sh, sw] = this.stride;
    const [ph, pw] = this.padding;
    const P = Ho * Wo;
    const z1 = this.z1.get(batch);
    const z2 = this.z2.get(batch);
    const z3 = this.z3.get(batch);
    const g1 = this.gz1.get(batch);
    const g2 = this.gz2.get(batch);
    const g3 = this.gz3.get(batch);
    const Uout = this.outFactor.data;
    for (let n = 0; n < batch; n++) {
      gemmNT(
        O,
        R,
        P,
        gradOut,
        n * O * P,
        P,
        z3,
        n * R * P,
        P,
        this.outFactor.grad,
        0,
        R,
        true,
        this.precision,
      );
      gemmTN(R, P, O, Uout, 0, R, gradOut, n * O * P, P, g3, n * R * P, P, false, this.precision);
    }
    if (this.bias) {
      const gb = this.bias.grad;
      for (let n = 0; n < batch; n++)
        for (let o = 0; o < O; o++) {
          const base = (n * O + o) * P;
          let s = 0;
          for (let e = 0; e < P; e++) s += gradOut[base + e];
          gb[o] += s;
        }
    }
    const Uh = this.heightFactor.data;
    const Uw = this.widthFactor.data;
    const gUh = this.heightFactor.grad;
    const gUw = this.widthFactor.grad;
    g2.fill(0);
    g1.fill(0);
    for (let br = 0; br < batch * R; br++) {
      const r = br % R;
      const s1 = br * H * W;
      const s2 = br * Ho * W;
      const s3 = br * P;
      for (let p = 0; p < Ho; p++) {
        const row = s2 + p * W;
        for (let q = 0; q < Wo; q++) {
          const g = g3[s3 + p * Wo + q];
          for (let j = 0; j < kw; j++) {
            const xx = q * sw - pw + j;
            if (xx < 0 || xx >= W) continue;
            gUw[j * R + r] += g * z2[row + xx];
            g2[row + xx] += g * Uw[j * R + r];
          }
        }
      }
      for (let p = 0; p < Ho; p++) {
        const row = s2 + p * W;
        for (let i = 0; i < kh; i++) {
          const yy = p * sh - ph + i;
          if (yy < 0 || yy >= H) continue;
          const u = Uh[i * R + r];
          const src = s1 + yy * W;
          let acc = 0;
          for (let q = 0; q < W; q++) {
            acc += g2[row + q] * z1[src + q];
            g1[src + q] += u * g2[row + q];
          }
          gUh[i * R + r] += acc;
        }
      }
    }
    const gx = this.gradIn.get(batch);
    projectModeBackward(
      x,
      batch,
      C,
      H * W,
      this.inFactor.data,
      R,
      g1,
      this.inFactor.grad,
      this.computeInputGrad ? gx : null,
      this.precision,
    );
    return gx;
  }
}
