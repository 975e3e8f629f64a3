import type { Parameter } from "./parameter.js";
import {
  checkLearningRate,
  checkState,
  restoreBuffer,
  uniqueNames,
  type Optimizer,
  type OptimizerState,
} from "./optimizer.js";
import {
  optimizerState,
  resolveUpdateBackend,
  type KernelName,
  type UpdateArena,
  type UpdateBackend,
} from "./wasm-update-kernels.js";

export type { UpdateBackend } from "./wasm-update-kernels.js";

/** Options every element-wise optimizer takes. */
export interface ElementwiseOptions {
  lr: number;
  /** Zero every gradient right after it has been used by `step()` (saves the caller a separate zeroGrad pass). */
  zeroGradAfterStep?: boolean;
  /** Where the update runs (see {@link UpdateBackend}); bit-identical results. */
  backend?: UpdateBackend;
}

/** What a concrete optimizer declares: its name in errors, its state `kind`, torch's names of its state vectors. */
export interface RuleSpec {
  readonly who: string;
  readonly kind: string;
  readonly buffers: readonly string[];
}

/**
 * The machinery shared by Adam, RMSProp and SGD: per-parameter state vectors (torch's names,
 * serialised by getState/setState), and a step that updates each parameter with the f64x2 kernel
 * where its backend says so (its even prefix) and with the scalar JS loop for the rest. A subclass
 * supplies the step's scalars and kernel ({@link prepareStep}) and its JS loop ({@link updateRange}),
 * both from update-rules.ts.
 */
export abstract class ElementwiseOptimizer implements Optimizer {
  readonly params: readonly Parameter[];
  lr: number;
  readonly zeroGradAfterStep: boolean;
  readonly backend: UpdateBackend;
  protected t = 0;
  /** state[k][q]: state vector `spec.buffers[k]` of parameter q. */
  protected readonly state: Float64Array[][];
  private readonly arena: UpdateArena | null;
  private readonly spec: RuleSpec;

  protected constructor(spec: RuleSpec, params: readonly Parameter[], options: ElementwiseOptions) {
    checkLearningRate(options.lr, spec.who);
    uniqueNames(params, spec.who);
    this.spec = spec;
    this.params = params;
    this.lr = options.lr;
    this.zeroGradAfterStep = options.zeroGradAfterStep ?? false;
    this.backend = resolveUpdateBackend(options.backend, spec.who, params);
    const { arena, state } = optimizerState(params, this.backend, spec.buffers.length);
    this.arena = arena;
    this.state = state;
  }

  /** Called once per step after the step count advanced: the kernel to run and its coefficients (update-rules.ts). */
  protected abstract prepareStep(): { kernel: KernelName; coefficients: object };
  /** The JS loop of this step on entries [from, to) of parameter q. */
  protected abstract updateRange(q: number, from: number, to: number): void;

  get stepCount(): number {
    return this.t;
  }

  step(): void {
    this.t += 1;
    const { kernel, coefficients } = this.prepareStep();
    const arena = this.arena;
    const scalars = arena === null ? [] : (Object.values(coefficients) as number[]);
    for (let q = 0; q < this.params.length; q++) {
      const { data, grad } = this.params[q];
      const n = data.length;
      let done = 0;
      if (arena !== null && arena.slots[q] !== null) {
        done = n & ~1;
        arena.run(q, kernel, scalars, done);
      }
      this.updateRange(q, done, n);
      if (this.zeroGradAfterStep) grad.fill(0);
    }
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }

  /** State vector `key` (torch's name) of the parameter called `name`. */
  protected buffer(name: string, key: string): Float64Array {
    const q = this.params.findIndex((p) => p.name === name);
    if (q < 0) throw new Error(`${this.spec.who}: no parameter named "${name}"`);
    return this.state[this.spec.buffers.indexOf(key)][q];
  }

  getState(): OptimizerState {
    const buffers: Record<string, Record<string, number[]>> = {};
    this.params.forEach((p, q) => {
      buffers[p.name] = Object.fromEntries(
        this.spec.buffers.map((key, k) => [key, Array.from(this.state[k][q])]),
      );
    });
    return { kind: this.spec.kind, step: this.t, buffers };
  }

  setState(state: OptimizerState): void {
    const { who, kind, buffers } = this.spec;
    if (state.kind !== kind) throw new Error(`${who}.setState: expected kind "${kind}", got "${state.kind}"`);
    checkState(state, this.params, buffers, who);
    this.params.forEach((p, q) =>
      buffers.forEach((key, k) => restoreBuffer(state, p, key, this.state[k][q])),
    );
    this.t = state.step;
  }
}
