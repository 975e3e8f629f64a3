import type { NumberTensor, StateDict } from "./agent.js";

/**
 * Converts a flat row-major tensor of `shape` ([n] or [rows, cols]) to nested arrays, as
 * PyTorch's `state_dict` → JSON. With `transpose` a [rows, cols] tensor is written as
 * [cols, rows] (used for the low-rank R factor, stored M×K here and K×M in the reference).
 */
export function writeTensor(data: Float64Array, shape: readonly number[], transpose = false): NumberTensor {
  if (shape.length === 1) return Array.from(data.subarray(0, shape[0]));
  if (shape.length !== 2)
    throw new RangeError(`writeTensor: shape must have 1 or 2 dimensions, got [${shape}]`);
  const [r, c] = shape;
  const out: number[][] = [];
  if (!transpose) {
    for (let i = 0; i < r; i++) out.push(Array.from(data.subarray(i * c, (i + 1) * c)));
  } else {
    for (let j = 0; j < c; j++) {
      const row = new Array<number>(r);
      for (let i = 0; i < r; i++) row[i] = data[i * c + j];
      out.push(row);
    }
  }
  return out;
}

/**
 * Reads `dict[key]` (nested arrays in the reference layout) into the flat row-major `out`
 * whose own shape is `shape`; with `transpose`, the dict holds the [cols, rows] transpose.
 * Throws naming the key and the expected shape on a missing key, wrong shape or non-finite entry.
 */
export function readTensor(
  dict: StateDict,
  key: string,
  shape: readonly number[],
  out: Float64Array,
  transpose = false,
): void {
  const expected = transpose ? [shape[1], shape[0]] : [...shape];
  const value = dict[key];
  const fail = (why: string): never => {
    throw new RangeError(
      `importStateDict: "${key}" ${why}; expected a tensor of shape [${expected.join(", ")}]`,
    );
  };
  if (value === undefined) fail("is missing");
  if (expected.length === 1) {
    if (!Array.isArray(value) || value.length !== expected[0] || value.some((v) => typeof v !== "number")) {
      fail(`has the wrong shape (got ${describe(value)})`);
    }
    const arr = value as number[];
    for (let i = 0; i < arr.length; i++) {
      if (!Number.isFinite(arr[i])) fail(`has a non-finite entry ${arr[i]} at [${i}]`);
      out[i] = arr[i];
    }
    return;
  }
  const [er, ec] = expected;
  if (
    !Array.isArray(value) ||
    value.length !== er ||
    value.some((row) => !Array.isArray(row) || row.length !== ec)
  ) {
    fail(`has the wrong shape (got ${describe(value)})`);
  }
  const rows = value as number[][];
  const cols = shape[1];
  for (let i = 0; i < er; i++) {
    for (let j = 0; j < ec; j++) {
      const v = rows[i][j];
      if (typeof v !== "number" || !Number.isFinite(v)) fail(`has a non-finite entry ${v} at [${i}, ${j}]`);
      if (transpose) out[j * cols + i] = v;
      else out[i * ec + j] = v;
    }
  }
}

/** Throws unless `dict`'s keys are exactly `keys`. */
export function checkStateDictKeys(dict: StateDict, keys: readonly string[]): void {
  if (!dict || typeof dict !== "object")
    throw new TypeError("importStateDict: expected an object of named tensors");
  const unexpected = Object.keys(dict).filter((k) => !keys.includes(k));
  if (unexpected.length > 0) {
    throw new RangeError(
      `importStateDict: unexpected key(s) ${unexpected.map((k) => `"${k}"`).join(", ")}; expected ${keys.join(", ")}`,
    );
  }
  const missing = keys.filter((k) => !(k in dict));
  if (missing.length > 0) {
    throw new RangeError(
      `importStateDict: missing key(s) ${missing.map((k) => `"${k}"`).join(", ")}; expected ${keys.join(", ")}`,
    );
  }
}

function describe(value: unknown): string {
  if (!Array.isArray(value)) return typeof value;
  if (value.length > 0 && Array.isArray(value[0]))
    return `[${value.length}, ${(value[0] as unknown[]).length}]`;
  return `[${value.length}]`;
}
