import type { Parameter } from "../optim/parameter.js";
import type { Layer } from "./layer.js";
import { checkBatch, sizeOf } from "./shape.js";

/**
 * Reshapes each sample to a vector (row-major, so a C×H×W map flattens in PyTorch's NCHW order).
 * Data are already flat, so forward and backward return their argument unchanged (no copy).
 */
export class Flatten implements Layer {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly parameters: readonly Parameter[] = [];
  readonly parameterCount = 0;

  constructor(inputShape: readonly number[], name = "flatten") {
    this.name = name;
    this.inputShape = [...inputShape];
    this.outputShape = [sizeOf(inputShape)];
  }

  forward(x: Float64Array, batch: number): Float64Array {
    checkBatch(this.name, "input", x, batch, this.outputShape[0]);
    return x;
  }

  backward(gradOut: Float64Array, batch: number): Float64Array {
    checkBatch(this.name, "gradOut", gradOut, batch, this.outputShape[0]);
    return gradOut;
  }
}
