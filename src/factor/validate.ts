/** Throws a RangeError naming `field` unless `value` is an integer ≥ `min`. */
export function checkPositiveInt(value: number, field: string, min = 1): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${field} must be an integer >= ${min}, got ${value}`);
  }
}
