import type { Parameter } from "../optim/parameter.js";
import type { Parametrization, StateDictEntry } from "./parametrization.js";

/**
 * Several parametrizations of the same state side by side: z(s) = [z¹(s), z²(s), …] (D = Σ D_k),
 * e.g. a Gaussian policy's μ and σ pre-activations. Backward splits ∂J/∂z into the parts.
 */
export class StackedParametrization implements Parametrization {
  readonly inputDim: number;
  readonly outputDim: number;
  private readonly offsets: number[] = [];
  private part = new Float64Array(0);
  private batch = 0;

  constructor(readonly parts: readonly Parametrization[]) {
    if (parts.length < 1) throw new RangeError("StackedParametrization: needs at least one part");
    this.inputDim = parts[0].inputDim;
    let D = 0;
    for (const p of parts) {
      if (p.inputDim !== this.inputDim)
        throw new RangeError(`StackedParametrization: parts take ${this.inputDim} and ${p.inputDim} inputs`);
      this.offsets.push(D);
      D += p.outputDim;
    }
    this.outputDim = D;
  }

  get parameters(): Parameter[] {
    return this.parts.flatMap((p) => p.parameters);
  }

  get parameterCount(): number {
    return this.parts.reduce((n, p) => n + p.parameterCount, 0);
  }

  stateDictEntries(): StateDictEntry[] {
    return this.parts.flatMap((p) => p.stateDictEntries());
  }

  forwardOne(state: ArrayLike<number>, out: Float64Array, outOffset = 0): void {
    this.parts.forEach((p, k) => p.forwardOne(state, out, outOffset + this.offsets[k]));
  }

  forwardBatch(states: Float64Array, T: number, out: Float64Array): void {
    this.batch = T;
    this.parts.forEach((p, k) => {
      const part = this.scratch(T * p.outputDim);
      p.forwardBatch(states, T, part);
      this.move(part, p.outputDim, out, this.offsets[k], T, true);
    });
  }

  backwardBatch(gradZ: Float64Array): void {
    const T = this.batch;
    this.parts.forEach((p, k) => {
      const part = this.scratch(T * p.outputDim);
      this.move(part, p.outputDim, gradZ, this.offsets[k], T, false);
      p.backwardBatch(part);
    });
  }

  private scratch(n: number): Float64Array {
    if (this.part.length < n) this.part = new Float64Array(Math.max(n, 2 * this.part.length));
    return this.part;
  }

  /** Copies the T×d block `part` into (into = true) or out of columns [o, o + d) of the T×D `whole`. */
  private move(
    part: Float64Array,
    d: number,
    whole: Float64Array,
    o: number,
    T: number,
    into: boolean,
  ): void {
    const D = this.outputDim;
    for (let t = 0; t < T; t++)
      for (let a = 0; a < d; a++) {
        if (into) whole[t * D + o + a] = part[t * d + a];
        else part[t * d + a] = whole[t * D + o + a];
      }
  }
}
