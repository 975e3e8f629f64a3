import { InvalidArgumentError } from "commander";
import { outputPathProblem } from "../../src/runner/output-path.js";

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
 * `--seeds`: a count n (seeds 0 … n−1), or a comma-separated list of distinct seeds and inclusive
 * ranges (`3,7,11`, `2..5`, `0..3,9`); one seed other than 0 is written as a range, `3..3`.
 */
export function seedList(value: string): number[] {
  const v = value.trim();
  const usage = `--seeds must be a count in [1, 10000], or a list of distinct seeds in [0, 2147483647] and ranges like 0,3,7 or 2..5 (one seed: 3..3); got "${value}"`;
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n < 1 || n > 10_000) throw new InvalidArgumentError(usage);
    return Array.from({ length: n }, (_, i) => i);
  }
  const seeds: number[] = [];
  for (const part of v.split(",").map((s) => s.trim())) {
    const m = /^(\d+)(?:\.\.(\d+))?$/.exec(part);
    if (!m) throw new InvalidArgumentError(usage);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi > 2 ** 31 - 1 || hi - lo >= 10_000) throw new InvalidArgumentError(usage);
    for (let s = lo; s <= hi; s++) seeds.push(s);
  }
  if (new Set(seeds).size !== seeds.length)
    throw new InvalidArgumentError(`${usage}: the seeds must be distinct`);
  return seeds;
}

/**
 * Commander parser for an output folder flag: refuses an empty path, an existing non-directory,
 * and a path that cannot be created (its nearest existing ancestor is a file, as in
 * `/dev/null/x`, or is not writable) — before the script writes anything.
 */
export function outputDir(flag: string): (value: string) => string {
  return (value: string) => {
    const problem = outputPathProblem(flag, value, "dir");
    if (problem !== null) throw new InvalidArgumentError(problem);
    return value;
  };
}

/** Commander parser for a comma list drawn from `allowed`; the error names the flag and the choices. */
export function listOf<T extends string>(flag: string, allowed: readonly T[]): (value: string) => T[] {
  return (value: string) => {
    const items = value.split(",").map((s) => s.trim()) as T[];
    for (const v of items)
      if (!allowed.includes(v))
        throw new InvalidArgumentError(
          `${flag} must be a comma list of ${allowed.join(", ")}; got "${value}"`,
        );
    return items;
  };
}

/** Commander parser for one of `allowed`; the error names the flag and the choices. */
export function oneOf<T extends string>(flag: string, allowed: readonly T[]): (value: string) => T {
  return (value: string) => {
    if (!allowed.includes(value as T))
      throw new InvalidArgumentError(
        `${flag} must be ${allowed.map((a) => `"${a}"`).join(" or ")}, got "${value}"`,
      );
    return value as T;
  };
}
