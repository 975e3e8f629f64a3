import {
  adamStepInPlace,
  applyDenseGradientInPlace,
  entryGradientsInto,
  gatherEntriesInto,
  reconstructInto,
} from "./cpu-kernels.js";
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
} from "./factor-backend.js";

/** The default backend: float64 loops on the CPU (exact; results bit-identical to the single-matrix code). */
export class CpuFactorBackend implements FactorBackend {
  readonly kind = "cpu" as const;
  readonly precision = "float64" as const;
  readonly mode = "f64-loops";

  async reconstruct(f: BatchedFactors): Promise<Float64Array> {
    checkFactors(f);
    return reconstructInto(f, new Float64Array(f.count * f.rows * f.cols)) as Float64Array;
  }

  async applyDenseGradient(f: BatchedFactors, G: FloatArray, a: number): Promise<void> {
    checkFactors(f);
    checkLength(G, f.count * f.rows * f.cols, "G");
    if (!Number.isFinite(a)) throw new RangeError(`step size a must be finite, got ${a}`);
    applyDenseGradientInPlace(f, G, a);
  }

  async gatherEntries(f: BatchedFactors, e: BatchedEntries): Promise<Float64Array> {
    checkFactors(f);
    checkEntries(f, e);
    return gatherEntriesInto(f, e, new Float64Array(f.count * e.capacity)) as Float64Array;
  }

  async entryGradients(
    f: BatchedFactors,
    e: BatchedEntries,
    g: FloatArray,
  ): Promise<{ gradL: Float64Array; gradR: Float64Array }> {
    checkFactors(f);
    checkEntries(f, e);
    checkLength(g, f.count * e.capacity, "g");
    const gradL = new Float64Array(f.count * f.rows * f.rank);
    const gradR = new Float64Array(f.count * f.cols * f.rank);
    entryGradientsInto(f, e, g, gradL, gradR);
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
    adamStepInPlace(param, grad, m, v, config, mask);
  }

  async dispose(): Promise<void> {}
}
