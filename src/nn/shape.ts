/** Number of elements of a shape (product of its dimensions). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Throws a RangeError naming `field` unless `value` is a positive integer. */
export function checkDim(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${field} must be a positive integer, got ${value}`);
}

/** Throws unless `x` holds exactly `batch` samples of `perSample` elements. */
export function checkBatch(
  layer: string,
  what: string,
  x: Float64Array,
  batch: number,
  perSample: number,
): void {
  if (!Number.isInteger(batch) || batch < 1)
    throw new RangeError(`${layer}: batch must be a positive integer, got ${batch}`);
  if (x.length < batch * perSample) {
    throw new RangeError(
      `${layer}: ${what} has ${x.length} values, expected batch·${perSample} = ${batch * perSample}`,
    );
  }
}
