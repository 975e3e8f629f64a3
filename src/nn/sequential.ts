import type { Parameter } from "../optim/parameter.js";
import type { Layer } from "./layer.js";
import { sizeOf } from "./shape.js";

export interface SequentialOptions {
  name?: string;
  /**
   * Whether `backward` must return ∇input (default true). A Q-network on raw observations does
   * not need it: false lets the first parametrized layer skip that product, and `backward` stops
   * there, returning that layer's zero buffer (the parameter-free layers before it, e.g. a layout
   * permutation, would only map zeros to zeros).
   */
  inputGrad?: boolean;
}

/**
 * Layers applied in order: forward runs each on the previous output, backward runs them in reverse,
 * each adding its parameter gradients. Consecutive layers must agree on the per-sample size.
 */
export class Sequential implements Layer {
  readonly name: string;
  readonly layers: readonly Layer[];
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** Index of the last layer `backward` runs (0 unless inputGrad is false). */
  private readonly backwardStop: number;

  constructor(layers: readonly Layer[], options: SequentialOptions = {}) {
    if (layers.length === 0) throw new RangeError("Sequential needs at least one layer");
    for (let i = 1; i < layers.length; i++) {
      const prev = layers[i - 1];
      const next = layers[i];
      if (sizeOf(prev.outputShape) !== sizeOf(next.inputShape)) {
        throw new RangeError(
          `Sequential: layer ${i - 1} (${prev.name}) outputs [${prev.outputShape}] but layer ${i} (${next.name}) expects [${next.inputShape}]`,
        );
      }
    }
    this.name = options.name ?? "sequential";
    this.layers = [...layers];
    this.inputShape = layers[0].inputShape;
    this.outputShape = layers[layers.length - 1].outputShape;
    let stop = 0;
    if (options.inputGrad === false) {
      const firstIndex = Math.max(
        0,
        layers.findIndex((l) => l.parameters.length > 0),
      );
      const first = layers[firstIndex];
      // Layers before the first parametrized one pass gradients only; the first parametrized layer
      // skips ∇x (returning zeros), so nothing before it needs to run.
      if (typeof first.computeInputGrad === "boolean") {
        first.computeInputGrad = false;
        stop = firstIndex;
      }
    }
    this.backwardStop = stop;
  }

  get parameters(): Parameter[] {
    return this.layers.flatMap((l) => [...l.parameters]);
  }

  get parameterCount(): number {
    let n = 0;
    for (const l of this.layers) n += l.parameterCount;
    return n;
  }

  forward(x: Float64Array, batch: number): Float64Array {
    let h = x;
    for (const layer of this.layers) h = layer.forward(h, batch);
    return h;
  }

  backward(gradOut: Float64Array, batch: number): Float64Array {
    let g = gradOut;
    for (let i = this.layers.length - 1; i >= this.backwardStop; i--) g = this.layers[i].backward(g, batch);
    return g;
  }

  zeroGrad(): void {
    for (const p of this.parameters) p.grad.fill(0);
  }

  /** θ ← θ_other (hard target-network update). Both networks must have the same parameter shapes. */
  copyFrom(other: Sequential): void {
    const [mine, theirs] = this.matchParameters(other);
    for (let i = 0; i < mine.length; i++) mine[i].data.set(theirs[i].data);
  }

  /** θ ← τ·θ_other + (1 − τ)·θ (Polyak / soft target update), τ ∈ [0, 1]. */
  polyakFrom(other: Sequential, tau: number): void {
    if (!(tau >= 0 && tau <= 1)) throw new RangeError(`polyakFrom: tau must be in [0, 1], got ${tau}`);
    const [mine, theirs] = this.matchParameters(other);
    const keep = 1 - tau;
    for (let i = 0; i < mine.length; i++) {
      const a = mine[i].data;
      const b = theirs[i].data;
      for (let j = 0; j < a.length; j++) a[j] = keep * a[j] + tau * b[j];
    }
  }

  private matchParameters(other: Sequential): [Parameter[], Parameter[]] {
    const mine = this.parameters;
    const theirs = other.parameters;
    if (mine.length !== theirs.length) {
      throw new RangeError(`${this.name}: ${mine.length} parameters vs ${theirs.length} in ${other.name}`);
    }
    for (let i = 0; i < mine.length; i++) {
      if (mine[i].data.length !== theirs[i].data.length) {
        throw new RangeError(
          `${this.name}: parameter ${mine[i].name} [${mine[i].shape}] does not match ${theirs[i].name} [${theirs[i].shape}]`,
        );
      }
    }
    return [mine, theirs];
  }
}
