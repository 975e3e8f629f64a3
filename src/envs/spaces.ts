import type { Rng } from "../random/rng.js";

/**
 * A box ℝⁿ ∩ [low, high] (Gymnasium's `Box`), flat float64. Unbounded sides are ±Infinity;
 * `sample` draws uniform on bounded sides, N(0,1) on fully unbounded ones (Gymnasium's rule),
 * shifted exponentials on half-bounded ones.
 */
export class Box {
  readonly kind = "box" as const;
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly shape: readonly number[];

  constructor(low: ArrayLike<number>, high: ArrayLike<number>, shape: readonly number[] = [low.length]) {
    if (low.length !== high.length)
      throw new RangeError(`Box: low has ${low.length} entries, high has ${high.length}`);
    for (let i = 0; i < low.length; i++) {
      if (Number.isNaN(low[i]) || Number.isNaN(high[i]) || !(low[i] <= high[i])) {
        throw new RangeError(`Box: need low[${i}] <= high[${i}], got ${low[i]} and ${high[i]}`);
      }
    }
    this.low = Float64Array.from(low);
    this.high = Float64Array.from(high);
    this.shape = [...shape];
  }

  get size(): number {
    return this.low.length;
  }

  contains(x: ArrayLike<number>): boolean {
    if (x.length !== this.low.length) return false;
    for (let i = 0; i < x.length; i++) if (!(x[i] >= this.low[i] && x[i] <= this.high[i])) return false;
    return true;
  }

  sample(rng: Rng): Float64Array {
    const out = new Float64Array(this.low.length);
    for (let i = 0; i < out.length; i++) {
      const lo = this.low[i];
      const hi = this.high[i];
      const loFinite = Number.isFinite(lo);
      const hiFinite = Number.isFinite(hi);
      if (loFinite && hiFinite) {
        const u = rng.uniform();
        const width = hi - lo;
        // Bounds like ±Number.MAX_VALUE overflow hi − lo; interpolate instead.
        out[i] = Number.isFinite(width) ? lo + width * u : lo * (1 - u) + hi * u;
      } else if (!loFinite && !hiFinite) out[i] = rng.normal();
      else if (loFinite) out[i] = lo - Math.log(1 - rng.uniform());
      else out[i] = hi + Math.log(1 - rng.uniform());
    }
    return out;
  }

  toJSON(): { kind: "box"; low: number[]; high: number[]; shape: number[] } {
    return { kind: "box", low: Array.from(this.low), high: Array.from(this.high), shape: [...this.shape] };
  }
}

/** The integers {0, …, n−1} (Gymnasium's `Discrete`). */
export class Discrete {
  readonly kind = "discrete" as const;
  readonly n: number;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Discrete: n must be an integer >= 1, got ${n}`);
    this.n = n;
  }

  contains(x: number): boolean {
    return Number.isInteger(x) && x >= 0 && x < this.n;
  }

  sample(rng: Rng): number {
    return rng.integer(this.n);
  }

  toJSON(): { kind: "discrete"; n: number } {
    return { kind: "discrete", n: this.n };
  }
}

export type Space = Box | Discrete;
