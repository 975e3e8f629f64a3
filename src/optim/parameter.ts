import { MIN_PLACED_LENGTH, placeParameter } from "./parameter-memory.js";

/**
 * A named, trainable tensor stored flat (row-major) on a Float64Array, with a gradient
 * buffer of the same length. Optimizers update `data` in place from `grad`.
 */
export interface Parameter {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float64Array;
  readonly grad: Float64Array;
}

export function makeParameter(name: string, shape: readonly number[], data?: Float64Array): Parameter {
  const size = shape.reduce((a, b) => a * b, 1);
  if (data && data.length !== size) {
    throw new RangeError(`parameter ${name}: data length ${data.length} does not match shape [${shape}]`);
  }
  if (!data && size >= MIN_PLACED_LENGTH) {
    // Large parameters live in their own WebAssembly memory so optimizers update them in place.
    const placed = placeParameter(size);
    if (placed) return { name, shape: [...shape], data: placed.data, grad: placed.grad };
  }
  return { name, shape: [...shape], data: data ?? new Float64Array(size), grad: new Float64Array(size) };
}

export function zeroGrads(params: readonly Parameter[]): void {
  for (const p of params) p.grad.fill(0);
}

export function parameterCount(params: readonly Parameter[]): number {
  let n = 0;
  for (const p of params) n += p.data.length;
  return n;
}
