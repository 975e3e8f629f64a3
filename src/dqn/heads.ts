import type { MatmulPrecision } from "../factor/gemm.js";
import { BatchBuffer } from "../nn/batch-buffer.js";
import { Dense } from "../nn/dense.js";
import type { KroneckerBlock, KroneckerStatistics } from "../nn/kfac-statistics.js";
import type { Layer } from "../nn/layer.js";
import type { Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";
import { checkBatch } from "../nn/shape.js";

export interface DuelingHeadOptions {
  inFeatures: number;
  numActions: number;
  /** Outputs per action: 1 for scalar Q, the atom count N for a distributional (C51) head. */
  atoms?: number;
  rng?: Rng;
  name?: string;
  precision?: MatmulPrecision;
}

/**
 * Dueling head (Wang et al. 2016) on a hidden feature vector h: a value stream V(h) ∈ ℝᴺ and an
 * advantage stream A(h) ∈ ℝ^{A×N}, both linear, combined per atom j as
 *
 *   out[a, j] = V[j] + A[a, j] − (1/|A|) Σ_b A[b, j]
 *
 * (N = 1: Q(s, a) = V(s) + A(s, a) − mean_b A(s, b); N > 1: C51 logits, as in Rainbow).
 * Subtracting the mean makes V and A identifiable (docs/dqn.md §11). Backward, with g = ∂L/∂out:
 *   ∂L/∂V[j] = Σ_a g[a, j],   ∂L/∂A[a, j] = g[a, j] − (1/|A|) Σ_b g[b, j],
 * and ∂L/∂h is the sum of the two streams' input gradients.
 * Parameters: (in + 1)·N + (in + 1)·A·N. For K-FAC the head is two linear maps, the value and the
 * advantage streams, each one Kronecker block whose output gradients are the ∂L/∂V and ∂L/∂A above.
 */
export class DuelingHead implements Layer {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly numActions: number;
  readonly atoms: number;
  readonly value: Dense;
  readonly advantage: Dense;
  private readonly out: BatchBuffer;
  private readonly gradValue: BatchBuffer;
  private readonly gradAdvantage: BatchBuffer;
  private readonly gradIn: BatchBuffer;

  constructor(options: DuelingHeadOptions) {
    const { inFeatures, numActions } = options;
    const atoms = options.atoms ?? 1;
    if (!Number.isInteger(numActions) || numActions < 1)
      throw new RangeError(`DuelingHead: numActions must be an integer >= 1, got ${numActions}`);
    if (!Number.isInteger(atoms) || atoms < 1)
      throw new RangeError(`DuelingHead: atoms must be an integer >= 1, got ${atoms}`);
    this.name = options.name ?? "dueling";
    this.numActions = numActions;
    this.atoms = atoms;
    const common = { inFeatures, rng: options.rng, precision: options.precision };
    this.value = new Dense({ ...common, outFeatures: atoms, name: `${this.name}.value` });
    this.advantage = new Dense({
      ...common,
      outFeatures: numActions * atoms,
      name: `${this.name}.advantage`,
    });
    this.inputShape = [inFeatures];
    this.outputShape = [numActions * atoms];
    this.out = new BatchBuffer(numActions * atoms);
    this.gradValue = new BatchBuffer(atoms);
    this.gradAdvantage = new BatchBuffer(numActions * atoms);
    this.gradIn = new BatchBuffer(inFeatures);
  }

  get parameters(): Parameter[] {
    return [...this.value.parameters, ...this.advantage.parameters];
  }

  get parameterCount(): number {
    return this.value.parameterCount + this.advantage.parameterCount;
  }

  forward(x: Float64Array, batch: number): Float64Array {
    const A = this.numActions;
    const N = this.atoms;
    const v = this.value.forward(x, batch);
    const adv = this.advantage.forward(x, batch);
    const y = this.out.get(batch);
    for (let i = 0; i < batch; i++) {
      const base = i * A * N;
      for (let j = 0; j < N; j++) {
        let mean = 0;
        for (let a = 0; a < A; a++) mean += adv[base + a * N + j];
        mean /= A;
        const vj = v[i * N + j];
        for (let a = 0; a < A; a++) y[base + a * N + j] = vj + adv[base + a * N + j] - mean;
      }
    }
    return y;
  }

  backward(gradOut: Float64Array, batch: number): Float64Array {
    const A = this.numActions;
    const N = this.atoms;
    checkBatch(this.name, "gradOut", gradOut, batch, A * N);
    const gv = this.gradValue.get(batch);
    const ga = this.gradAdvantage.get(batch);
    for (let i = 0; i < batch; i++) {
      const base = i * A * N;
      for (let j = 0; j < N; j++) {
        let sum = 0;
        for (let a = 0; a < A; a++) sum += gradOut[base + a * N + j];
        gv[i * N + j] = sum;
        const mean = sum / A;
        for (let a = 0; a < A; a++) ga[base + a * N + j] = gradOut[base + a * N + j] - mean;
      }
    }
    const gx = this.gradIn.get(batch);
    gx.set(this.value.backward(gv, batch));
    const fromAdvantage = this.advantage.backward(ga, batch);
    for (let k = 0; k < gx.length; k++) gx[k] += fromAdvantage[k];
    return gx;
  }

  /** K-FAC blocks: the value stream's map, then the advantage stream's (docs/kfac.md §10). */
  kroneckerBlocks(): KroneckerBlock[] {
    return [...this.value.kroneckerBlocks(), ...this.advantage.kroneckerBlocks()];
  }

  /** Each stream's last input and output gradient, at `batch`. */
  kroneckerStatistics(batch: number): KroneckerStatistics[] {
    return [...this.value.kroneckerStatistics(batch), ...this.advantage.kroneckerStatistics(batch)];
  }
}
