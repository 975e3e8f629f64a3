import { gemmNN, gemmNT, gemmTN, type MatmulPrecision } from "../factor/gemm.js";
import { makeParameter, type Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";
import { BatchBuffer } from "./batch-buffer.js";
import { convOutputSize, pair, type Pair } from "./conv-geometry.js";
import { torchDefaultUniform } from "./init.js";
import { resolvePrecision } from "./precision.js";
import {
  modeFibers,
  transposeInto,
  type KroneckerBlock,
  type KroneckerStatistics,
} from "./kfac-statistics.js";
import type { Layer } from "./layer.js";
import { checkBatch, checkDim } from "./shape.js";
import { SparseConvKernel, type NonZeroList, type TapTable } from "./sparse-conv-kernel.js";

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
  /** How `forward` treats the input; see {@link ConvInputPath}. Default 'auto'. */
  inputPath?: ConvInputPath;
  /**
   * Arithmetic of the dense path's matrix products (default 'f64'). 'f32': operands and accumulation
   * in single precision, like PyTorch's float32 convolutions; parameters and gradients stay
   * Float64Array. The sparse path always computes in f64 (its products are exact for binary inputs).
   */
  precision?: MatmulPrecision;
}

/**
 * 'dense': im2col + GEMM. 'sparse': scatter each non-zero input through the kernel taps that read it.
 * 'auto': sparse when the batch's share of non-zero inputs is below {@link SPARSE_MAX_DENSITY}
 * (MinAtar observations are binary with ≈ 8 % ones), dense otherwise.
 */
export type ConvInputPath = "auto" | "dense" | "sparse";

/**
 * Input density up to which 'auto' takes the scatter path. Measured (forward + ∇W, batch 32, random
 * binary inputs, one core): the WebAssembly scatter beats im2col + GEMM up to ≈ 80–100 % non-zeros
 * against f64 GEMMs and ≈ 50–80 % against f32 ones (4→16 and 16→32 channels, 3×3); 0.5 is below both.
 */
export const SPARSE_MAX_DENSITY = 0.5;

/**
 * 2-D cross-correlation as PyTorch's Conv2d (dilation 1, groups 1), NCHW:
 *   y[n,o,p,q] = b[o] + Σ_{c,i,j} W[o,c,i,j] · x[n, c, p·sh − ph + i, q·sw − pw + j]   (zero outside).
 * Computed by im2col over the whole batch: 𝒞 (C·kh·kw × B·P) holds, per kernel tap, the input value
 * each output position reads (contiguous runs of an image row), so Y = W 𝒞 (O × B·P),
 * ∇W += ∇Y 𝒞ᵀ, ∇𝒞 = Wᵀ ∇Y, and ∇x is col2im(∇𝒞): three GEMMs per batch.
 * Parameters: O·C·kh·kw (+ O).
 *
 * Sparse inputs (the 'sparse' path, chosen automatically up to 50 % non-zeros) skip im2col: each
 * non-zero x[n,c,y,x] = v adds v · W[:, c, i, j] to y[n, :, p, q] for every tap (i, j) with
 * p·sh − ph + i = y, q·sw − pw + j = x, and ∇W[:, c, i, j] += v · ∇y[n, :, p, q] — the same sums as
 * the dense path restricted to non-zero terms, so the results agree up to float reassociation,
 * with nnz·taps·O instead of B·P·C·kh·kw·O multiply–adds. ∇x (when requested) needs no input values
 * and is computed as in the dense path. The scatter runs channels-last (O contiguous values per tap)
 * on WebAssembly SIMD (sparse-conv-kernel.ts), with a scalar JS fallback giving identical results.
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
  readonly precision: MatmulPrecision;
  /** When false, `backward` skips ∇x (e.g. the first layer on observations) and returns a zero buffer. */
  computeInputGrad = true;
  /** Dense or scatter forward; tests force one or the other to compare them. */
  inputPath: ConvInputPath;
  private readonly patchLen: number;
  private readonly positions: number;
  private readonly inSize: number;
  private readonly outSize: number;
  private readonly H: number;
  private readonly W: number;
  private readonly Ho: number;
  private readonly Wo: number;
  /** Per kernel column j, the output columns [colLo, colHi) that read inside the image. */
  private readonly colLo: Int32Array;
  private readonly colHi: Int32Array;
  /** im2col, transposed: row e = (c, i, j) of the kernel, column (n, p, q) of the batch's outputs. */
  private readonly cols: BatchBuffer;
  private readonly gradCols: BatchBuffer;
  /** Output (and its gradient) as O × (B·P) rows, the GEMM's layout. */
  private readonly rowsOut: BatchBuffer;
  private readonly out: BatchBuffer;
  private readonly gradIn: BatchBuffer;
  /**
   * Per batch size, what the last forward at that size left for backward: whether it took the sparse
   * path and, if so, its non-zero inputs (per (sample, channel) segment; see collectNonZeros).
   */
  private readonly forwardState = new Map<number, { sparse: boolean; nz: NonZeroList }>();
  /**
   * Per input pixel yy·W + xx, the taps that read it: entries tapStart[pix] .. tapStart[pix+1) of
   * (tapKernel = i·kw + j, tapOutput = output position p·Wo + q).
   */
  private readonly taps: TapTable;
  private readonly kernelSimd: SparseConvKernel;
  /** Channels-last weight (or weight gradient): (c, i, j) × O. */
  private readonly weightT: Float64Array;
  /** One sample's output (or output gradient) channels-last: P × O. */
  private readonly sampleScratch: Float64Array;
  /** The bias repeated at every output position (P × O), the scratch's starting value. */
  private readonly biasTile: Float64Array;
  private readonly biasSum: Float64Array;
  /** The last forward's input and backward's gradient, and scratch for their K-FAC rows. */
  private lastInput: Float64Array | null = null;
  private lastGradOut: Float64Array | null = null;
  private kfacScratch: Float64Array[] = [];

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
    this.H = H;
    this.W = W;
    this.Ho = Ho;
    this.Wo = Wo;
    // Output columns q whose input column q·sw − pw + j lies inside the image, per kernel column j.
    this.colLo = new Int32Array(kw);
    this.colHi = new Int32Array(kw);
    for (let j = 0; j < kw; j++) {
      let lo = 0;
      while (lo < Wo && lo * sw - pw + j < 0) lo++;
      let hi = Wo;
      while (hi > lo && (hi - 1) * sw - pw + j >= W) hi--;
      this.colLo[j] = lo;
      this.colHi[j] = hi;
    }
    this.cols = new BatchBuffer(this.positions * this.patchLen);
    this.gradCols = new BatchBuffer(this.positions * this.patchLen);
    this.rowsOut = new BatchBuffer(this.positions * O);
    this.out = new BatchBuffer(this.outSize);
    this.gradIn = new BatchBuffer(this.inSize);
    this.precision = resolvePrecision(options.precision, "Conv2d precision");
    this.inputPath = options.inputPath ?? "auto";
    if (this.inputPath !== "auto" && this.inputPath !== "dense" && this.inputPath !== "sparse") {
      throw new RangeError(
        `Conv2d inputPath must be 'auto', 'dense' or 'sparse', got ${String(this.inputPath)}`,
      );
    }
    // Tap table: input pixel (yy, xx) is read by output (p, q) through kernel tap (i, j) iff
    // p·sh − ph + i = yy and q·sw − pw + j = xx.
    const tapStart = new Int32Array(H * W + 1);
    const tapKernel: number[] = [];
    const tapOutput: number[] = [];
    for (let yy = 0; yy < H; yy++) {
      for (let xx = 0; xx < W; xx++) {
        tapStart[yy * W + xx] = tapKernel.length;
        for (let i = 0; i < kh; i++) {
          const pNum = yy + ph - i;
          if (pNum < 0 || pNum % sh !== 0 || pNum / sh >= Ho) continue;
          for (let j = 0; j < kw; j++) {
            const qNum = xx + pw - j;
            if (qNum < 0 || qNum % sw !== 0 || qNum / sw >= Wo) continue;
            tapKernel.push(i * kw + j);
            tapOutput.push((pNum / sh) * Wo + qNum / sw);
          }
        }
      }
    }
    tapStart[H * W] = tapKernel.length;
    this.taps = { tapStart, tapKernel: Int32Array.from(tapKernel), tapOutput: Int32Array.from(tapOutput) };
    this.kernelSimd = new SparseConvKernel(C, O, this.positions, kh * kw, this.taps);
    this.weightT = new Float64Array(this.patchLen * O);
    this.sampleScratch = new Float64Array(this.positions * O);
    this.biasTile = new Float64Array(this.positions * O);
    this.biasSum = new Float64Array(O);
  }

  get parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  get parameterCount(): number {
    return this.weight.data.length + (this.bias ? this.bias.data.length : 0);
  }

  forward(x: Float64Array, batch: number): Float64Array {
    checkBatch(this.name, "input", x, batch, this.inSize);
    this.lastInput = x;
    let state = this.forwardState.get(batch);
    if (state === undefined) {
      state = {
        sparse: false,
        nz: { pixel: new Int32Array(0), value: new Float64Array(0), start: new Int32Array(0) },
      };
      this.forwardState.set(batch, state);
    }
    state.sparse =
      this.inputPath !== "dense" &&
      this.collectNonZeros(
        x,
        batch,
        this.inputPath === "sparse" ? Infinity : Math.floor(SPARSE_MAX_DENSITY * batch * this.inSize),
        state.nz,
      );
    if (state.sparse) return this.forwardSparse(batch, state.nz);
    const { patchLen: K, positions: P, outChannels: O } = this;
    const BP = batch * P;
    const cols = this.cols.get(batch);
    const yRows = this.rowsOut.get(batch);
    const y = this.out.get(batch);
    this.im2col(x, batch, cols);
    // One GEMM over the whole batch: Y (O × B·P) = W (O × K) · cols (K × B·P).
    gemmNN(O, BP, K, this.weight.data, 0, K, cols, 0, BP, yRows, 0, BP, false, this.precision);
    const b = this.bias ? this.bias.data : null;
    for (let n = 0; n < batch; n++) {
      for (let o = 0; o < O; o++) {
        const bo = b ? b[o] : 0;
        const dst = n * this.outSize + o * P;
        const src = o * BP + n * P;
        for (let p = 0; p < P; p++) y[dst + p] = yRows[src + p] + bo;
      }
    }
    return y;
  }

  /**
   * Lists x's non-zeros per (sample, channel) segment: segment s = n·C + c holds entries
   * nzStart[s] .. nzStart[s+1] of (pixel y·W + x, value). False as soon as there are more than `limit`.
   */
  private collectNonZeros(x: Float64Array, batch: number, limit: number, nz: NonZeroList): boolean {
    const simd = this.kernelSimd.collect(x, batch, limit, nz);
    if (simd >= 0) return simd <= limit;
    const entries = batch * this.inSize;
    if (nz.pixel.length < entries) {
      nz.pixel = new Int32Array(entries);
      nz.value = new Float64Array(entries);
    }
    const segments = batch * this.inChannels;
    if (nz.start.length < segments + 1) nz.start = new Int32Array(segments + 1);
    const { pixel: nzPixel, value: nzValue, start: nzStart } = nz;
    const HW = this.H * this.W;
    // Branch-free compaction (every entry is written, the cursor advances on non-zeros): on ≈ 8 %
    // random ones a data-dependent branch mispredicts often. The limit is checked per segment.
    let m = 0;
    for (let seg = 0, e = 0; seg < segments; seg++) {
      nzStart[seg] = m;
      for (let pix = 0; pix < HW; pix++, e++) {
        const v = x[e];
        nzPixel[m] = pix;
        nzValue[m] = v;
        m += +(v !== 0);
      }
      if (m > limit) return false;
    }
    nzStart[segments] = m;
    return true;
  }

  /** wT[k·O + o] = w[o·K + k]: the weight with the output channel innermost (or back, `inverse`). */
  private static transposeWeight(
    w: Float64Array,
    wT: Float64Array,
    O: number,
    K: number,
    inverse: boolean,
  ): void {
    for (let o = 0; o < O; o++) {
      for (let k = 0; k < K; k++) {
        if (inverse) w[o * K + k] = wT[k * O + o];
        else wT[k * O + o] = w[o * K + k];
      }
    }
  }

  /**
   * Scatter forward, one sample at a time into a channels-last scratch z (P × O, L1-resident):
   * z[p, :] += v · Wᵀ[(c, i, j), :] per non-zero input v = x[n, c, ·, ·] and tap (i, j) reading it
   * (O contiguous values per tap), then y[n, o, p] = z[p, o]. Each output sums bias, then the
   * non-zeros in input order — the order of the dense-layout scatter this replaced.
   */
  private forwardSparse(batch: number, nz: NonZeroList): Float64Array {
    const y = this.out.get(batch);
    if (this.kernelSimd.forward(this.weight.data, this.bias ? this.bias.data : null, batch, nz, y)) return y;
    const { patchLen: K, positions: P, outChannels: O, outSize } = this;
    const wT = this.weightT;
    Conv2d.transposeWeight(this.weight.data, wT, O, K, false);
    const z = this.sampleScratch;
    const zInit = this.biasTile;
    if (this.bias) {
      const b = this.bias.data;
      for (let p = 0; p < P; p++) for (let o = 0; o < O; o++) zInit[p * O + o] = b[o];
    }
    for (let n = 0; n < batch; n++) {
      z.set(zInit);
      this.scatterSample(n, nz, wT, z, true);
      const yBase = n * outSize;
      for (let o = 0; o < O; o++) {
        for (let p = 0, dst = yBase + o * P, src = o; p < P; p++, src += O) y[dst + p] = z[src];
      }
    }
    return y;
  }

  /**
   * One sample's scatter, shared by forward and ∇W: for each channel c, non-zero v (segment n·C + c)
   * and tap reading its pixel, with k = (c, tap kernel position) and q = tap output position,
   * forward (`intoSample`): sample[q, :] += v · kernelRows[k, :]; backward: kernelRows[k, :] += v · sample[q, :]
   * (rows of O values, channels-last).
   */
  private scatterSample(
    n: number,
    nz: NonZeroList,
    kernelRows: Float64Array,
    sample: Float64Array,
    intoSample: boolean,
  ): void {
    const { outChannels: O, inChannels: C } = this;
    const { tapStart, tapKernel, tapOutput } = this.taps;
    const { pixel: nzPixel, value: nzValue, start: nzStart } = nz;
    const khwO = this.kernel[0] * this.kernel[1] * O;
    const O4 = O - (O % 4);
    const dst = intoSample ? sample : kernelRows;
    const src = intoSample ? kernelRows : sample;
    for (let c = 0; c < C; c++) {
      const wc = c * khwO;
      for (let t = nzStart[n * C + c], tEnd = nzStart[n * C + c + 1]; t < tEnd; t++) {
        const pix = nzPixel[t];
        const v = nzValue[t];
        for (let s = tapStart[pix], sEnd = tapStart[pix + 1]; s < sEnd; s++) {
          const ko = wc + tapKernel[s] * O;
          const qo = tapOutput[s] * O;
          const d = intoSample ? qo : ko;
          const r = intoSample ? ko : qo;
          let o = 0;
          for (; o < O4; o += 4) {
            dst[d + o] += v * src[r + o];
            dst[d + o + 1] += v * src[r + o + 1];
            dst[d + o + 2] += v * src[r + o + 2];
            dst[d + o + 3] += v * src[r + o + 3];
          }
          for (; o < O; o++) dst[d + o] += v * src[r + o];
        }
      }
    }
  }

  /**
   * Scatter backward for ∇W (and ∇b): per sample, gradOut is transposed once to channels-last
   * g (P × O), then ∇Wᵀ[(c, i, j), :] += v · g[p, :] per non-zero input and tap reading it;
   * ∇b[o] += Σ_{n,p} ∇y[n, o, p] is summed during the transpose.
   */
  private weightGradSparse(gradOut: Float64Array, batch: number, nz: NonZeroList, withBias: boolean): void {
    const gw = this.weight.grad;
    const gb = withBias && this.bias ? this.bias.grad : null;
    if (this.kernelSimd.weightGrad(gradOut, batch, nz, gw, gb)) return;
    const { patchLen: K, positions: P, outChannels: O, outSize } = this;
    const gT = this.weightT;
    Conv2d.transposeWeight(gw, gT, O, K, false);
    const g = this.sampleScratch;
    const biasSum = this.biasSum;
    biasSum.fill(0);
    for (let n = 0; n < batch; n++) {
      const gBase = n * outSize;
      for (let o = 0; o < O; o++) {
        let s = biasSum[o];
        for (let p = 0, src = gBase + o * P, dst = o; p < P; p++, dst += O) {
          const v = gradOut[src + p];
          g[dst] = v;
          s += v;
        }
        biasSum[o] = s;
      }
      this.scatterSample(n, nz, gT, g, false);
    }
    Conv2d.transposeWeight(gw, gT, O, K, true);
    if (gb) for (let o = 0; o < O; o++) gb[o] += biasSum[o];
  }

  backward(gradOut: Float64Array, batch: number): Float64Array {
    const state = this.forwardState.get(batch);
    if (state === undefined)
      throw new Error(`${this.name}: backward at batch ${batch} does not follow a forward at that batch`);
    checkBatch(this.name, "gradOut", gradOut, batch, this.outSize);
    this.lastGradOut = gradOut;
    const { patchLen: K, positions: P, outChannels: O } = this;
    const BP = batch * P;
    if (state.sparse && !this.computeInputGrad) {
      this.weightGradSparse(gradOut, batch, state.nz, true);
      return this.gradIn.get(batch);
    }
    const gRows = this.rowsOut.get(batch);
    for (let n = 0; n < batch; n++) {
      for (let o = 0; o < O; o++) {
        const src = n * this.outSize + o * P;
        const dst = o * BP + n * P;
        for (let p = 0; p < P; p++) gRows[dst + p] = gradOut[src + p];
      }
    }
    if (state.sparse) {
      this.weightGradSparse(gradOut, batch, state.nz, false);
    } else {
      // ∇W (O × K) += ∇Y (O × B·P) · colsᵀ.
      gemmNT(
        O,
        K,
        BP,
        gRows,
        0,
        BP,
        this.cols.get(batch),
        0,
        BP,
        this.weight.grad,
        0,
        K,
        true,
        this.precision,
      );
    }
    if (this.bias) {
      const gb = this.bias.grad;
      for (let o = 0; o < O; o++) {
        let s = 0;
        for (let e = o * BP, end = e + BP; e < end; e++) s += gRows[e];
        gb[o] += s;
      }
    }
    const gx = this.gradIn.get(batch);
    if (!this.computeInputGrad) return gx;
    // ∇cols (K × B·P) = Wᵀ (K × O) · ∇Y (O × B·P), then col2im.
    const gCols = this.gradCols.get(batch);
    gemmTN(K, BP, O, this.weight.data, 0, K, gRows, 0, BP, gCols, 0, BP, false, this.precision);
    gx.fill(0);
    this.col2im(gCols, batch, gx);
    return gx;
  }

  /**
   * One K-FAC block (docs/kfac.md): the weight as an O × C·kh·kw map applied at every output pixel,
   * a = the input patch read there (an im2col row), g = ∂J/∂y at that pixel; positions = Ho·Wo.
   */
  kroneckerBlocks(): KroneckerBlock[] {
    const { weight, bias, patchLen: inDim, outChannels: outDim, positions } = this;
    return [{ weight, layout: "outIn", bias, inDim, outDim, positions }];
  }

  /** Patches and output gradients of the last forward and backward at `batch`, one row per (sample, pixel). */
  kroneckerStatistics(batch: number): KroneckerStatistics[] {
    const x = this.lastInput;
    const g = this.lastGradOut;
    if (x === null || g === null)
      throw new Error(`${this.name}: K-FAC statistics need a forward and a backward`);
    checkBatch(this.name, "input", x, batch, this.inSize);
    checkBatch(this.name, "gradOut", g, batch, this.outSize);
    const { patchLen: K, positions: P, outChannels: O } = this;
    const rows = batch * P;
    const need = [K * rows, K * rows, O * rows];
    this.kfacScratch = need.map((n, i) =>
      this.kfacScratch[i] !== undefined && this.kfacScratch[i].length === n
        ? this.kfacScratch[i]
        : new Float64Array(n),
    );
    const [cols, activations, outputGrads] = this.kfacScratch;
    this.im2col(x, batch, cols);
    transposeInto(cols, K, rows, activations);
    modeFibers(g, batch, [O, P], 0, outputGrads);
    return [{ ...this.kroneckerBlocks()[0], rows, activations, outputGrads }];
  }

  /** cols[(c,i,j), (n,p,q)] = x[n, c, p·sh − ph + i, q·sw − pw + j], zero outside the image. */
  private im2col(x: Float64Array, batch: number, cols: Float64Array): void {
    const { inChannels: C, H, W, Ho, Wo, positions: P } = this;
    const [kh, kw] = this.kernel;
    const [sh, sw] = this.stride;
    const [ph, pw] = this.padding;
    const BP = batch * P;
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const row = ((c * kh + i) * kw + j) * BP;
          const lo = this.colLo[j];
          const hi = this.colHi[j];
          for (let n = 0; n < batch; n++) {
            const xc = n * this.inSize + c * H * W;
            for (let p = 0; p < Ho; p++) {
              const dst = row + n * P + p * Wo;
              const yy = p * sh - ph + i;
              if (yy < 0 || yy >= H) {
                cols.fill(0, dst, dst + Wo);
                continue;
              }
              const src = xc + yy * W + j - pw;
              for (let q = 0; q < lo; q++) cols[dst + q] = 0;
              for (let q = lo; q < hi; q++) cols[dst + q] = x[src + q * sw];
              for (let q = hi; q < Wo; q++) cols[dst + q] = 0;
            }
          }
        }
      }
    }
  }

  /** Adjoint of {@link im2col}: gx[n, c, y, x] += Σ over the (i, j, p, q) that read it. */
  private col2im(gCols: Float64Array, batch: number, gx: Float64Array): void {
    const { inChannels: C, H, W, Ho, Wo, positions: P } = this;
    const [kh, kw] = this.kernel;
    const [sh, sw] = this.stride;
    const [ph, pw] = this.padding;
    const BP = batch * P;
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const row = ((c * kh + i) * kw + j) * BP;
          const lo = this.colLo[j];
          const hi = this.colHi[j];
          for (let n = 0; n < batch; n++) {
            const xc = n * this.inSize + c * H * W;
            for (let p = 0; p < Ho; p++) {
              const yy = p * sh - ph + i;
              if (yy < 0 || yy >= H) continue;
              const src = row + n * P + p * Wo;
              const dst = xc + yy * W + j - pw;
              for (let q = lo; q < hi; q++) gx[dst + q * sw] += gCols[src + q];
            }
          }
        }
      }
    }
  }

  /** Copies weight and bias from a Conv2d with the same weight shape. */
  copyFrom(other: Conv2d): void {
    if (
      other.weight.data.length !== this.weight.data.length ||
      (other.bias === null) !== (this.bias === null)
    ) {
      throw new RangeError(
        `${this.name}: cannot copy from ${other.name}: weight shapes [${other.weight.shape}] vs [${this.weight.shape}]`,
      );
    }
    this.weight.data.set(other.weight.data);
    if (this.bias && other.bias) this.bias.data.set(other.bias.data);
  }
}
