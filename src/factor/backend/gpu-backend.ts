import {
  checkAdamStep,
  checkEntries,
  checkFactors,
  checkLength,
  type AdamStepConfig,
  type BatchedEntries,
  type BatchedFactors,
  type FactorBackend,
  type FloatArray,
  type IndexArray,
} from "./factor-backend.js";
import { adamCoefficients } from "../../optim/update-rules.js";
import {
  adamKernelSource,
  denseStepLKernel,
  denseStepRKernel,
  segmentGradKernel,
  gatherEntriesKernel,
  reconstructKernel,
} from "./gpu-kernels.js";
import { openGpuRuntime, type GpuMode, type GpuRuntime, type RuntimeOptions } from "./gpujs.js";

/** Float32 view of the data: the array itself when it already is float32, else a converted copy. */
export function toFloat32(a: FloatArray | IndexArray): Float32Array {
  return a instanceof Float32Array ? a : Float32Array.from(a);
}

/** Largest loop trip count the GL backends allow in these kernels (matrix sides, entry lists). */
const LOOP_MAX = 1 << 16;

/**
 * The gpu.js backend (float32). Every call uploads its float64 inputs as float32 and reads the
 * result back; kernels are compiled once per backend and re-specialised only when an output length
 * changes.
 */
export class GpuFactorBackend implements FactorBackend {
  readonly kind = "gpu" as const;
  readonly precision = "float32" as const;
  readonly runtime: GpuRuntime;
  private readonly k;

  private constructor(runtime: GpuRuntime) {
    this.runtime = runtime;
    const opts = { loopMaxIterations: LOOP_MAX };
    this.k = {
      reconstruct: runtime.compile(reconstructKernel, opts),
      denseL: runtime.compile(denseStepLKernel, opts),
      denseR: runtime.compile(denseStepRKernel, opts),
      gather: runtime.compile(gatherEntriesKernel, opts),
      segmentGrad: runtime.compile(segmentGradKernel, opts),
      adam: runtime.compile(adamKernelSource, opts),
    };
  }

  /** Opens gpu.js in `mode` (throws naming the missing piece when that mode is unavailable). */
  static async open(mode: GpuMode = "auto", options: RuntimeOptions = {}): Promise<GpuFactorBackend> {
    return new GpuFactorBackend(await openGpuRuntime(mode, options));
  }

  get mode(): string {
    return this.runtime.mode;
  }

  async reconstruct(f: BatchedFactors): Promise<Float32Array> {
    checkFactors(f);
    return this.k.reconstruct.run(
      [f.cols, f.rows, f.count],
      toFloat32(f.L),
      toFloat32(f.R),
      f.rows,
      f.cols,
      f.rank,
    );
  }

  async applyDenseGradient(f: BatchedFactors, G: FloatArray, a: number): Promise<void> {
    checkFactors(f);
    checkLength(G, f.count * f.rows * f.cols, "G");
    if (!Number.isFinite(a)) throw new RangeError(`step size a must be finite, got ${a}`);
    const L = toFloat32(f.L);
    const R = toFloat32(f.R);
    const G32 = toFloat32(G);
    const newL = await this.k.denseL.run([f.rank, f.rows, f.count], L, R, G32, a, f.rows, f.cols, f.rank);
    const newR = await this.k.denseR.run([f.rank, f.cols, f.count], L, R, G32, a, f.rows, f.cols, f.rank);
    f.L.set(newL);
    f.R.set(newR);
  }

  async gatherEntries(f: BatchedFactors, e: BatchedEntries): Promise<Float32Array> {
    checkFactors(f);
    checkEntries(f, e);
    return this.k.gather.run(
      [e.capacity, f.count],
      toFloat32(f.L),
      toFloat32(f.R),
      toFloat32(e.rowIdx),
      toFloat32(e.colIdx),
      toFloat32(e.counts),
      f.rows,
      f.cols,
      f.rank,
      e.capacity,
    );
  }

  async entryGradients(
    f: BatchedFactors,
    e: BatchedEntries,
    g: FloatArray,
  ): Promise<{ gradL: Float32Array; gradR: Float32Array }> {
    checkFactors(f);
    checkEntries(f, e);
    checkLength(g, f.count * e.capacity, "g");
    const byRow = segments(f.count, f.rows, e, e.rowIdx, e.colIdx, g);
    const byCol = segments(f.count, f.cols, e, e.colIdx, e.rowIdx, g);
    const gradL = await this.k.segmentGrad.run(
      [f.rank, f.rows, f.count],
      toFloat32(f.R),
      byRow.other,
      byRow.g,
      byRow.start,
      f.rows,
      f.cols,
      f.rank,
    );
    const gradR = await this.k.segmentGrad.run(
      [f.rank, f.cols, f.count],
      toFloat32(f.L),
      byCol.other,
      byCol.g,
      byCol.start,
      f.cols,
      f.rows,
      f.rank,
    );
    return { gradL, gradR };
  }

  async adamStep(
    param: FloatArray,
    grad: FloatArray,
    m: FloatArray,
    v: FloatArray,
    config: AdamStepConfig,
    mask?: FloatArray,
  ): Promise<void> {
    checkAdamStep(param, { grad, m, v, mask }, config);
    const N = param.length;
    const c = adamCoefficients(config, config.step);
    const out = await this.k.adam.run(
      [N, 1, 3],
      toFloat32(param),
      toFloat32(grad),
      toFloat32(m),
      toFloat32(v),
      mask ? toFloat32(mask) : NO_MASK,
      mask ? 1 : 0,
      c.beta1,
      c.oneMinusBeta1,
      c.beta2,
      c.oneMinusBeta2,
      c.stepSize,
      c.biasCorrection2Sqrt,
      c.eps,
    );
    param.set(out.subarray(0, N));
    m.set(out.subarray(N, 2 * N));
    v.set(out.subarray(2 * N, 3 * N));
  }

  async dispose(): Promise<void> {
    await this.runtime.destroy();
  }
}

const NO_MASK = new Float32Array(1);

/**
 * The used entries (b < counts[p]) grouped by segment s = p·nSeg + key (a stable counting sort, so
 * each segment keeps increasing b): start[s] … start[s+1] index the segment's `other` indices and g's.
 */
function segments(
  P: number,
  nSeg: number,
  e: BatchedEntries,
  key: IndexArray,
  otherIdx: IndexArray,
  g: FloatArray,
): { start: Float32Array; other: Float32Array; g: Float32Array } {
  const B = e.capacity;
  const S = P * nSeg;
  const start = new Float32Array(S + 1);
  const fill = new Int32Array(S + 1);
  for (let p = 0; p < P; p++) {
    const c = e.counts[p];
    for (let b = 0; b < c; b++) fill[p * nSeg + key[p * B + b] + 1]++;
  }
  for (let s = 0; s < S; s++) fill[s + 1] += fill[s];
  start.set(fill);
  // Sized by the capacity P·B, not the used count, so argument sizes (and the compiled kernel) stay fixed.
  const other = new Float32Array(P * B);
  const gs = new Float32Array(P * B);
  for (let p = 0; p < P; p++) {
    const c = e.counts[p];
    for (let b = 0; b < c; b++) {
      const s = p * nSeg + key[p * B + b];
      const q = fill[s]++;
      other[q] = otherIdx[p * B + b];
      gs[q] = g[p * B + b];
    }
  }
  return { start, other, g: gs };
}
