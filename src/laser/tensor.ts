/**
 * Nested-array tensors as they appear in a JSON state dict (`number`, `number[]`, `number[][]`,
 * `number[][][][]` for conv kernels …), and their conversion to a flat row-major Float64Array
 * with an explicit shape.
 */

/** A tensor written as nested JSON arrays (a scalar is a 0-d tensor). */
export type NestedTensor = number | readonly NestedTensor[];

/** A state dict as stored in a JSON file: parameter name → nested-array tensor. */
export type NestedStateDict = Record<string, NestedTensor>;

/** A flat, row-major tensor. */
export interface DenseTensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/**
 * Shape of a nested-array tensor; throws naming `field` when the nesting is ragged, empty, or holds
 * something other than finite-or-not numbers.
 */
export function shapeOf(value: unknown, field: string): number[] {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    if (probe.length === 0) throw new TypeError(`${field}: empty array in tensor (shape so far [${shape}])`);
    shape.push(probe.length);
    probe = probe[0];
  }
  if (typeof probe !== "number") {
    throw new TypeError(
      `${field}: tensor entries must be numbers, found ${probe === null ? "null" : typeof probe}`,
    );
  }
  checkRegular(value, shape, 0, field);
  return shape;
}

function checkRegular(value: unknown, shape: readonly number[], depth: number, field: string): void {
  if (depth === shape.length) {
    if (typeof value !== "number")
      throw new TypeError(`${field}: ragged tensor (expected a number at depth ${depth})`);
    return;
  }
  if (!Array.isArray(value) || value.length !== shape[depth]) {
    throw new TypeError(
      `${field}: ragged tensor (expected ${shape[depth]} entries at depth ${depth}, shape [${shape}])`,
    );
  }
  for (const v of value) checkRegular(v, shape, depth + 1, field);
}

/** Flattens a nested-array tensor row-major. */
export function toDense(value: NestedTensor, field = "tensor"): DenseTensor {
  const shape = shapeOf(value, field);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(size);
  let offset = 0;
  const walk = (v: NestedTensor): void => {
    if (typeof v === "number") data[offset++] = v;
    else for (const c of v) walk(c);
  };
  walk(value);
  return { shape, data };
}

/** Rebuilds nested arrays of the given shape from row-major data (a 0-d shape gives a number). */
export function toNested(data: ArrayLike<number>, shape: readonly number[]): NestedTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (data.length !== size)
    throw new RangeError(`toNested: ${data.length} values do not fill shape [${shape}]`);
  let offset = 0;
  const build = (depth: number): NestedTensor => {
    if (depth === shape.length) return data[offset++];
    const out: NestedTensor[] = new Array(shape[depth]);
    for (let i = 0; i < shape[depth]; i++) out[i] = build(depth + 1);
    return out;
  };
  return build(0);
}

/** Deep copy of a nested state dict (JSON semantics; values are only numbers and arrays). */
export function cloneStateDict(dict: NestedStateDict): NestedStateDict {
  const out: NestedStateDict = {};
  for (const [k, v] of Object.entries(dict)) out[k] = toNested(toDense(v, k).data, shapeOf(v, k));
  return out;
}
