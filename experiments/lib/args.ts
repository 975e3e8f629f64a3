import { InvalidArgumentError } from "commander";

/** Commander parser for an integer flag in [min, max]; the error names the flag, the value and the range. */
export function intInRange(flag: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${flag} must be an integer in [${min}, ${max}], got "${value}"`);
    }
    return n;
  };
}

/**
 * `--seeds`: a count n (seeds 0 … n−1) or a comma-separated list of distinct seeds (`3,7,11`).
 */
export function seedList(value: string): number[] {
  const v = value.trim();
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n < 1 || n > 10_000)
      throw new InvalidArgumentError(
        `--seeds must be a count in [1, 10000] or a list like 0,3,7; got "${value}"`,
      );
    return Array.from({ length: n }, (_, i) => i);
  }
  const parts = v.split(",").map((s) => s.trim());
  const seeds = parts.map(Number);
  if (
    parts.length < 1 ||
    parts.some((p) => !/^\d+$/.test(p)) ||
    seeds.some((s) => s > 2 ** 31 - 1) ||
    new Set(seeds).size !== seeds.length
  ) {
    throw new InvalidArgumentError(
      `--seeds must be a count in [1, 10000] or a list of distinct integers in [0, 2147483647] like 0,3,7; got "${value}"`,
    );
  }
  return seeds;
}
