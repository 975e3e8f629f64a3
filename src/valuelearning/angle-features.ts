import type { Parameter } from "../optim/parameter.js";
import type { Parametrization, StateDictEntry } from "../parametrizations/parametrization.js";

/**
 * Reads angles given as (cos θ, sin θ) observation pairs as one dimension each before a
 * parametrization on a grid (docs/value-learning.md §2): the mapped state is
 *
 *   (θ_1, …, θ_P, the other observation dimensions in order),   θ_p = atan2(sin θ_p, cos θ_p) ∈ [−π, π],
 *
 * so a grid spends its points on the circle the observation lives on, not on the square around
 * it (Pendulum-v1's (cos θ, sin θ, θ̇) becomes (θ, θ̇)). The map has no parameters: forward maps and
 * calls the inner parametrization, backward is the inner one's.
 */
export class AngleFeatures implements Parametrization {
  readonly inputDim: number;
  readonly outputDim: number;
  /** Observation index of each kept (non-angle) dimension. */
  private readonly rest: number[];
  private mapped = new Float64Array(0);

  constructor(
    readonly inner: Parametrization,
    observationDim: number,
    readonly pairs: readonly (readonly [number, number])[],
  ) {
    const used = new Set<number>();
    for (const [c, s] of pairs)
      for (const d of [c, s]) {
        if (!Number.isInteger(d) || d < 0 || d >= observationDim || used.has(d))
          throw new RangeError(
            `AngleFeatures: pair indices must be distinct integers in [0, ${observationDim - 1}], got ${d}`,
          );
        used.add(d);
      }
    this.rest = [...Array(observationDim).keys()].filter((d) => !used.has(d));
    if (inner.inputDim !== pairs.length + this.rest.length)
      throw new RangeError(
        `AngleFeatures: the inner parametrization takes ${inner.inputDim} inputs, the map gives ${pairs.length + this.rest.length}`,
      );
    this.inputDim = observationDim;
    this.outputDim = inner.outputDim;
  }

  get parameters(): readonly Parameter[] {
    return this.inner.parameters;
  }

  get parameterCount(): number {
    return this.inner.parameterCount;
  }

  /** The mapped state of states[offset …] into out[outOffset …]. */
  map(state: ArrayLike<number>, offset: number, out: Float64Array, outOffset: number): void {
    let k = outOffset;
    for (const [c, s] of this.pairs) out[k++] = Math.atan2(state[offset + s], state[offset + c]);
    for (const d of this.rest) out[k++] = state[offset + d];
  }

  private scratch(T: number): Float64Array {
    const n = T * this.inner.inputDim;
    if (this.mapped.length < n) this.mapped = new Float64Array(Math.max(n, 2 * this.mapped.length));
    return this.mapped;
  }

  forwardOne(state: ArrayLike<number>, out: Float64Array, outOffset = 0): void {
    if (!state || state.length < this.inputDim)
      throw new RangeError(`AngleFeatures: state must have ${this.inputDim} entries, got ${state?.length}`);
    const m = this.scratch(1);
    this.map(state, 0, m, 0);
    this.inner.forwardOne(m.subarray(0, this.inner.inputDim), out, outOffset);
  }

  forwardBatch(states: Float64Array, T: number, out: Float64Array): void {
    const m = this.scratch(T);
    const S = this.inputDim;
    const S2 = this.inner.inputDim;
    for (let t = 0; t < T; t++) this.map(states, t * S, m, t * S2);
    this.inner.forwardBatch(m, T, out);
  }

  backwardBatch(gradZ: Float64Array): void {
    this.inner.backwardBatch(gradZ);
  }

  stateDictEntries(): StateDictEntry[] {
    return this.inner.stateDictEntries();
  }
}
