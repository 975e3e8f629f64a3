import { Rng } from "../random/rng.js";

const TWO_POW_53_INV = 1 / 9007199254740992;
const TWO_PI = 2 * Math.PI;

/**
 * P xoroshiro128+ generators as one struct of arrays: generator p's four 32-bit state words at
 * words[4p … 4p + 3] (in `Rng.getState()`'s order s01, s00, s11, s10) and its cached Box–Muller
 * spare at spare[p] (valid when hasSpare[p] = 1). Each draw is the arithmetic of {@link Rng}
 * (pure-rand's xoroshiro128+ step, 53-bit uniforms from two outputs, Box–Muller pairs), so
 * generator p yields exactly the sequence of the `Rng` it was copied from — without one object per
 * agent, and with every double kept in typed arrays (docs/performance.md, "Population").
 */
export class RngBank {
  readonly count: number;
  readonly words: Int32Array;
  readonly spare: Float64Array;
  readonly hasSpare: Uint8Array;

  constructor(count: number) {
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`RngBank: count must be an integer >= 1, got ${count}`);
    this.count = count;
    this.words = new Int32Array(4 * count);
    this.spare = new Float64Array(count);
    this.hasSpare = new Uint8Array(count);
  }

  /** A bank holding copies of `rngs` (they are not advanced by the bank's draws). */
  static fromRngs(rngs: readonly Rng[]): RngBank {
    const bank = new RngBank(rngs.length);
    rngs.forEach((rng, p) => bank.load(p, rng));
    return bank;
  }

  /** Copies `rng`'s state into slot p. */
  load(p: number, rng: Rng): void {
    const s = rng.getState();
    this.words.set(s.words, 4 * p);
    this.hasSpare[p] = s.spareNormal === null ? 0 : 1;
    this.spare[p] = s.spareNormal ?? 0;
  }

  /** Generator p as an independent {@link Rng} (same state; e.g. for a checkpoint or a single run). */
  toRng(p: number): Rng {
    return Rng.fromState({
      algorithm: "xoroshiro128plus",
      words: Array.from(this.words.subarray(4 * p, 4 * p + 4)),
      spareNormal: this.hasSpare[p] === 1 ? this.spare[p] : null,
    });
  }

  /** Next 32-bit output of generator p (signed; pure-rand's `next()`), advancing it. */
  next(p: number): number {
    const w = this.words;
    const o = 4 * p;
    const s01 = w[o];
    const s00 = w[o + 1];
    const s11 = w[o + 2];
    const s10 = w[o + 3];
    const out = (s00 + s10) | 0;
    const a0 = s10 ^ s00;
    const a1 = s11 ^ s01;
    w[o + 1] = (s00 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16);
    w[o] = (s01 << 24) ^ (s00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
    w[o + 3] = (a1 << 5) ^ (a0 >>> 27);
    w[o + 2] = (a0 << 5) ^ (a1 >>> 27);
    return out;
  }

  /** U[0, 1) with 53 random bits from generator p, as `Rng.uniform`: (hi₂₇·2²⁶ + lo₂₆)·2⁻⁵³. */
  uniform(p: number): number {
    const hi = this.next(p) >>> 5;
    const lo = this.next(p) >>> 6;
    return (hi * 67108864 + lo) * TWO_POW_53_INV;
  }

  /**
   * N(0, 1) from generator p, as `Rng.normal`: Box–Muller on u ∈ (0, 1), v ∈ [0, 1),
   * r = √(−2 ln u), θ = 2πv; returns r·cos θ and caches r·sin θ for the next call.
   */
  normal(p: number): number {
    if (this.hasSpare[p] === 1) {
      this.hasSpare[p] = 0;
      return this.spare[p];
    }
    let u = 0;
    while (u === 0) u = this.uniform(p);
    const v = this.uniform(p);
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = TWO_PI * v;
    this.spare[p] = r * Math.sin(theta);
    this.hasSpare[p] = 1;
    return r * Math.cos(theta);
  }
}
