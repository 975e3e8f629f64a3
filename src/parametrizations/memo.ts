import type { Parameter } from "../optim/parameter.js";
import type { BatchKeeping, Parametrization, StateDictEntry } from "./parametrization.js";

/** Longest run of single-state forwards remembered for the next batch. */
const MEMO_MAX_STEPS = 1 << 16;

/**
 * Remembers the single-state outputs z = f(s) computed while acting (states and z, in call order,
 * plus a copy of the parameters they were computed with) and reuses them for the episode's batch
 * forward when its states are exactly the last T remembered ones (same bits, −0 ≠ +0) and the
 * parameters still equal the copy. The wrapped parametrization must evaluate its single and batch
 * forwards with the same expressions in the same order, so z is bit-identical either way; it keeps
 * the batch for backward through {@link BatchKeeping.keepBatch}.
 */
export class ActMemo implements Parametrization {
  readonly inputDim: number;
  readonly outputDim: number;
  private memoStates = new Float64Array(0);
  private memoZ = new Float64Array(0);
  private memoCount = 0;
  private readonly memoParams: Float64Array;

  constructor(readonly inner: BatchKeeping) {
    this.inputDim = inner.inputDim;
    this.outputDim = inner.outputDim;
    this.memoParams = new Float64Array(inner.parameterCount);
  }

  get parameters(): readonly Parameter[] {
    return this.inner.parameters;
  }

  get parameterCount(): number {
    return this.inner.parameterCount;
  }

  stateDictEntries(): StateDictEntry[] {
    return this.inner.stateDictEntries();
  }

  forwardOne(state: ArrayLike<number>, out: Float64Array, outOffset = 0): void {
    this.inner.forwardOne(state, out, outOffset);
    this.remember(state, out, outOffset);
  }

  forwardBatch(states: Float64Array, T: number, out: Float64Array): void {
    if (this.recall(states, T, out)) this.inner.keepBatch(states, T);
    else this.inner.forwardBatch(states, T, out);
    this.memoCount = 0;
  }

  backwardBatch(gradZ: Float64Array): void {
    this.inner.backwardBatch(gradZ);
  }

  /** Appends (s, z); the first entry also copies the parameters. */
  private remember(state: ArrayLike<number>, z: Float64Array, zOffset: number): void {
    const S = this.inputDim;
    const D = this.outputDim;
    let n = this.memoCount;
    if (n === 0) this.copyParams();
    if (n * D === this.memoZ.length) {
      if (n >= MEMO_MAX_STEPS) {
        // An unusually long stretch without a batch: start over (the batch then recomputes).
        n = 0;
        this.copyParams();
      } else {
        const cap = Math.max(128, 2 * n);
        const states = new Float64Array(cap * S);
        states.set(this.memoStates);
        const zs = new Float64Array(cap * D);
        zs.set(this.memoZ);
        this.memoStates = states;
        this.memoZ = zs;
      }
    }
    for (let d = 0; d < S; d++) this.memoStates[n * S + d] = state[d];
    for (let a = 0; a < D; a++) this.memoZ[n * D + a] = z[zOffset + a];
    this.memoCount = n + 1;
  }

  private copyParams(): void {
    let o = 0;
    for (const p of this.inner.parameters) {
      this.memoParams.set(p.data, o);
      o += p.data.length;
    }
  }

  /** Writes the remembered z of the T states into `out` when they cover exactly these states under the current parameters. */
  private recall(states: Float64Array, T: number, out: Float64Array): boolean {
    const n = this.memoCount;
    if (n < T) return false;
    const S = this.inputDim;
    const D = this.outputDim;
    const first = n - T;
    if (!sameBits(this.memoStates, first * S, states, 0, T * S)) return false;
    let o = 0;
    for (const p of this.inner.parameters) {
      if (!sameBits(this.memoParams, o, p.data, 0, p.data.length)) return false;
      o += p.data.length;
    }
    for (let i = 0; i < T * D; i++) out[i] = this.memoZ[first * D + i];
    return true;
  }
}

/** a[ao …] and b[bo …] hold the same n doubles (−0 and +0 differ). */
function sameBits(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const x = a[ao + i];
    const y = b[bo + i];
    if (x !== y || (x === 0 && 1 / x !== 1 / y)) return false;
  }
  return true;
}
