import { checkDim } from "./shape.js";

/** A scalar or a (height, width) pair, as PyTorch's `kernel_size`, `stride`, `padding` accept. */
export type Pair = number | readonly [number, number];

export function pair(value: Pair, field: string, min: number): [number, number] {
  const [h, w] = typeof value === "number" ? [value, value] : value;
  for (const [v, axis] of [
    [h, "height"],
    [w, "width"],
  ] as const) {
    if (!Number.isInteger(v) || v < min)
      throw new RangeError(`${field} (${axis}) must be an integer >= ${min}, got ${v}`);
  }
  return [h, w];
}

/**
 * Output size of a strided, zero-padded convolution along one axis:
 * out = ⌊(in + 2·pad − kernel) / stride⌋ + 1 (PyTorch Conv2d, dilation 1).
 */
export function convOutputSize(
  input: number,
  kernel: number,
  stride: number,
  pad: number,
  field: string,
): number {
  checkDim(input, field);
  const out = Math.floor((input + 2 * pad - kernel) / stride) + 1;
  if (out < 1)
    throw new RangeError(`${field}: input ${input} with padding ${pad} is smaller than kernel ${kernel}`);
  return out;
}
