import { xoroshiro128plus, xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import type { JumpableRandomGenerator } from "pure-rand/types/JumpableRandomGenerator";

/** Serializable state of an {@link Rng}: the xoroshiro128+ words and the cached Box–Muller spare. */
export interface RngState {
  readonly algorithm: "xoroshiro128plus";
  readonly words: readonly number[];
  readonly spareNormal: number | null;
}

const TWO_POW_32 = 4294967296;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
/** Largest seed a user may pass to a run or to `reset({seed})`: seeds are in [0, 2³¹ − 1]. */
export const MAX_SEED = INT32_MAX;
const TWO_POW_53_INV = 1 / 9007199254740992;

/**
 * The one seeded random generator of a run (xoroshiro128+ from pure-rand).
 * Every random draw in the toolkit goes through an instance of this class, so a seed
 * fixes a run completely and `getState()`/`Rng.fromState()` resume it exactly.
 */
export class Rng {
  private gen: JumpableRandomGenerator;
  // The cached second Box–Muller draw, kept unboxed (a `number | null` field boxes every store).
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < INT32_MIN || seed > INT32_MAX)
      throw new RangeError(
        `seed must be an integer in [${INT32_MIN}, ${INT32_MAX}] (seeds are not wrapped), got ${seed}`,
      );
    this.gen = xoroshiro128plus(seed);
    // Discard a few outputs: low-entropy seeds (0, 1, 2…) start from nearly-zero states.
    for (let i = 0; i < 16; i++) this.gen.next();
  }

  static fromState(state: RngState): Rng {
    if (state?.algorithm !== "xoroshiro128plus" || !Array.isArray(state.words) || state.words.length !== 4) {
      throw new TypeError("rng state must be {algorithm: 'xoroshiro128plus', words: [4 int32], spareNormal}");
    }
    for (const w of state.words)
      if (!Number.isInteger(w) || w < INT32_MIN || w > INT32_MAX)
        throw new RangeError(`rng state words must be int32 numbers, got ${String(w)}`);
    if (state.words.every((w) => w === 0))
      throw new RangeError("rng state words must not be all zero (xoroshiro128+ would stay at zero)");
    if (state.spareNormal !== null && !Number.isFinite(state.spareNormal))
      throw new RangeError(`rng state spareNormal must be null or finite, got ${String(state.spareNormal)}`);
    const rng = new Rng(0);
    rng.gen = xoroshiro128plusFromState(state.words);
    rng.hasSpare = state.spareNormal !== null;
    rng.spare = state.spareNormal ?? 0;
    return rng;
  }

  getState(): RngState {
    return {
      algorithm: "xoroshiro128plus",
      words: [...this.gen.getState()],
      spareNormal: this.hasSpare ? this.spare : null,
    };
  }

  /**
   * The xoroshiro128+ words into words[0 … 3] (the order of {@link RngState.words}) and the cached
   * Box–Muller draw into spare[0] (NaN when none; a real draw is never NaN). For fused loops that
   * step the generator themselves on unboxed locals and hand it back with {@link writeWords}.
   */
  readWords(words: Int32Array, spare: Float64Array): void {
    const w = this.gen.getState();
    for (let i = 0; i < 4; i++) words[i] = w[i];
    spare[0] = this.hasSpare ? this.spare : NaN;
  }

  /** Sets the generator to words[0 … 3] and spare[0] (NaN: none), the inverse of {@link readWords}. */
  writeWords(words: Int32Array, spare: Float64Array): void {
    this.gen = xoroshiro128plusFromState([words[0], words[1], words[2], words[3]]);
    const s = spare[0];
    this.hasSpare = s === s;
    this.spare = this.hasSpare ? s : 0;
  }

  /** A new independent generator (xoroshiro128+ jump, 2^64 draws ahead); this one advances by one output. */
  fork(): Rng {
    const child = Rng.fromState(this.getState());
    child.hasSpare = false;
    child.gen.jump();
    this.gen.next();
    return child;
  }

  /** Uniform integer in [0, 2^32). */
  nextUint32(): number {
    return this.gen.next() >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.gen.next() >>> 5; // 27 bits
    const lo = this.gen.next() >>> 6; // 26 bits
    return (hi * 67108864 + lo) * TWO_POW_53_INV;
  }

  /** Uniform double in [low, high). */
  uniformRange(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  integer(n: number): number {
    if (!Number.isInteger(n) || n <= 0)
      throw new RangeError(`integer(n): n must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal draw N(0, 1) by the Box–Muller transform (pairs cached). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * v;
    this.spare = r * Math.sin(theta);
    this.hasSpare = true;
    return r * Math.cos(theta);
  }

  /** Fills `out` with N(mean, std²) draws. */
  fillNormal(out: Float64Array, mean = 0, std = 1): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Fills `out` with U(low, high) draws. */
  fillUniform(out: Float64Array, low = 0, high = 1): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * this.uniform();
    return out;
  }
}

/** Derives a 32-bit seed from a base seed and an index (for per-episode / per-env seeds). */
export function deriveSeed(base: number, index: number): number {
  let h = (Math.imul(base | 0, 0x9e3779b1) ^ Math.imul(index | 0, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return ((h ^ (h >>> 16)) % TWO_POW_32) | 0;
}
