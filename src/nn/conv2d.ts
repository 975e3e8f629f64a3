import { gemmNN, gemmNT, gemmTN } from "../factor/gemm.js";
import { makeParameter, type Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";
import { BatchBuffer } from "./batch-buffer.js";
import { convOutputSize, pair, type Pair } from "./conv-geometry.js";
import { torchDefaultUniform } from "./init.js";
import type { Layer } from "./layer.js";
import { checkBatch, checkDim } from "./shape.js";

export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: Pair;
  /** Input spatial size (height, width) without the channel dimension. */
  inputSize: Pair;
  stride?: Pair;
  padding?: Pair;
  bias?: boolean;
  /** Draws PyTorch's default init; without it weights and bias start at 0. */
  rng?: Rng;
  name?: string;
}

/**
 * 2-D cross-correlation as PyTorch's Conv2d (dilation 1, groups 1), NCHW:
 *   y[n,o,p,q] = b[o] + Σ_{c,i,j} W[o,c,i,j] · x[n, c, p·sh − ph + i, q·sw − pw + j]   (zero outside).
 * Computed by im2col: each output position's receptive field becomes a row of a patch matrix
 * 𝒫 (B·P × C·kh·kw for the whole batch), so Yᵀ = 𝒫 Wᵀ, ∇W += ∇Yᵀ… i.e. ∇W += (∇Y)ᵀ𝒫 with ∇Y as
 * B·P × O rows, ∇𝒫 = ∇Y W, and ∇x is col2im(∇𝒫): three GEMMs over the whole batch.
 * Parameters: O·C·kh·kw (+ O).
 */
export class Conv2d implements Layer {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  /** When false, `backward` skips ∇x (e.g. the first layer on observations) and returns a zero buffer. */
  computeInputGrad = true;
  private readonly patchLen: number;
  private readonly positions: number;
  private readonly inSize: number;
  private readonly outSize: number;
  /** Flat input offset of every (position, patch entry), −1 for zero padding. */
  private readonly gather: Int32Array;
  private readonly patches: BatchBuffer;
  private readonly gradPatches: BatchBuffer;
  /** Output (and its gradient) with one row per (sample, position): B·P × O. */
  private readonly rowsOut: BatchBuffer;
  private readonly out: BatchBuffer;
  private readonly gradIn: BatchBuffer;
  private lastBatch = 0;

  constructor(options: Conv2dOptions) {
    const { inChannels: C, outChannels: O } = options;
    checkDim(C, "Conv2d inChannels");
    checkDim(O, "Conv2d outChannels");
    const [kh, kw] = pair(options.kernelSize, "Conv2d kernelSize", 1);
    const [sh, sw] = pair(options.stride ?? 1, "Conv2d stride", 1);
    const [ph, pw] = pair(options.padding ?? 0, "Conv2d padding", 0);
    const [H, W] = pair(options.inputSize, "Conv2d inputSize", 1);
    const Ho = convOutputSize(H, kh, sh, ph, "Conv2d height");
    const Wo = convOutputSize(W, kw, sw, pw, "Conv2d width");
    this.name = options.name ?? "conv";
    this.inChannels = C;
    this.outChannels = O;
    this.kernel = [kh, kw];
    this.stride = [sh, sw];
    this.padding = [ph, pw];
    this.inputShape = [C, H, W];
    this.outputShape = [O, Ho, Wo];
    this.patchLen = C * kh * kw;
    this.positions = Ho * Wo;
    this.inSize = C * H * W;
    this.outSize = O * Ho * Wo;
    this.weight = makeParameter(`${this.name}.weight`, [O, C, kh, kw]);
    this.bias = options.bias === false ? null : makeParameter(`${this.name}.bias`, [O]);
    if (options.rng) {
      torchDefaultUniform(this.weight.data, this.patchLen, options.rng);
      if (this.bias) torchDefaultUniform(this.bias.data, this.patchLen, options.rng);
    }
    this.gather = new Int32Array(this.positions * this.patchLen);
    for (let p = 0; p < Ho; p++) {
      for (let q = 0; q < Wo; q++) {
        const row = (p * Wo + q) * this.patchLen;
        for (let c = 0; c < C; c++) {
          for (let i = 0; i < kh; i++) {
            for (let j = 0; j < kw; j++) {
              const y = p * sh - ph + i;
              const x = q * sw - pw + j;
              const inside = y >= 0 && y < H && x >= 0 && x < W;
              this.gather[row + (c * kh + i) * kw + j] = inside ? (c * H + y) * W + x : -1;
            }
          }
        }
      }
    }
    this.patches = new BatchBuffer(this.positions * this.patchLen);
    this.gradPatches = new BatchBuffer(this.positions * this.patchLen);
    this.rowsOut = new BatchBuffer(this.positions * O);
    this.out = new BatchBuffer(this.outSize);
    this.gradIn = new BatchBuffer(this.inSize);
  }

  get parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  get parameterCount(): number {
    return this.weight.data.length + (this.bias ? this.bias.data.length : 0);
  }

  forward(x: Float64Array, batch: number): Float64Array {
    checkBatch(this.name, "input", x, batch, this.inSize);
    const { patchLen: K, positions: P, outChannels: O, gather } = this;
    const patches = this.patches.get(batch);
    const yT = this.rowsOut.get(batch);
    const y = this.out.get(batch);
    for (let n = 0; n < batch; n++) {
      const xo = n * this.inSize;
      const po = n * P * K;
      for (let e = 0, m = P * K; e < m; e++) {
        const g = gather[e];
        patches[po + e] = g >= 0 ? x[xo + g] : 0;
      }
    }
    // One GEMM over the whole batch: Yᵀ (B·P × O) = patches (B·P × K) · Wᵀ.
    gemmNT(batch * P, O, K, patches, 0, K, this.weight.data, 0, K, yT, 0, O);
    const b = this.bias ? this.bias.data : null;
    for (let n = 0; n < batch; n++) {
      for (let o = 0; o < O; o++) {
        const bo = b ? b[o] : 0;
        const dst = n * this.outSize + o * P;
        let src = n * P * O + o;
        for (let p = 0; p < P; p++, src += O) y[dst + p] = yT[src] + bo;
      }
    }
    this.lastBatch = batch;
    return y;
  }

  backward(gradOut: Float64Array, batch: number): Float64Array {
    if (this.lastBatch !== batch) throw new Error(`${this.name}: backward at batch ${batch} does not follow a forward at that batch`);
    checkBatch(this.name, "gradOut", gradOut, batch, this.outSize);
    const { patchLen: K, positions: P, outChannels: O, gather } = this;
    const patches = this.patches.get(batch);
    const gT = this.rowsOut.get(batch);
    for (let n = 0; n < batch; n++) {
      for (let o = 0; o < O; o++) {
        const src = n * this.outSize + o * P;
        let dst = n * P * O + o;
        for (let p = 0; p < P; p++, dst += O) gT[dst] = gradOut[src + p];
      }
    }
    gemmTN(O, K, batch * P, gT, 0, O, patches, 0, K, this.weight.grad, 0, K, true);
    if (this.bias) {
      const gb = this.bias.grad;
      for (let n = 0; n < batch; n++) {
        for (let o = 0; o < O; o++) {
          const base = n * this.outSize + o * P;
          let s = 0;
          for (let p = 0; p < P; p++) s += gradOut[base + p];
          gb[o] += s;
        }
      }
    }
    const gx = this.gradIn.get(batch);
    if (!this.computeInputGrad) return gx;
    const gP = this.gradPatches.get(batch);
    gemmNN(batch * P, K, O, gT, 0, O, this.weight.data, 0, K, gP, 0, K);
    gx.fill(0);
    for (let n = 0; n < batch; n++) {
      const xo = n * this.inSize;
      const po = n * P * K;
      for (let e = 0, m = P * K; e < m; e++) {
        const g = gather[e];
        if (g >= 0) gx[xo + g] += gP[po + e];
      }
    }
    return gx;
  }

  /** Copies weight and bias from a Conv2d with the same weight shape. */
  copyFrom(other: Conv2d): void {
    if (other.weight.data.length !== this.weight.data.length || (other.bias === null) !== (this.bias === null)) {
      throw new RangeError(`${this.name}: cannot copy from ${other.name}: weight shapes [${other.weight.shape}] vs [${this.weight.shape}]`);
    }
    this.weight.data.set(other.weight.data);
    if (this.bias && other.bias) this.bias.data.set(other.bias.data);
  }
}
