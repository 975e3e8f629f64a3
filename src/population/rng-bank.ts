import { Rng } from "../random/rng.js";

const TWO_POW_53_INV = 1 / 9007199254740992;
const TWO_PI = 2 * Math.PI;
/** Normals drawn ahead per generator (one refill per this many draws). */
export const NORMAL_BLOCK = 64;
const BLOCK = NORMAL_BLOCK;

/**
 * P xoroshiro128+ generators as one struct of arrays, each drawing standard normals exactly as
 * {@link Rng.normal} does — pure-rand's xoroshiro128+ step, 53-bit uniforms (hi₂₇·2²⁶ + lo₂₆)·2⁻⁵³
 * from two outputs, Box–Muller pairs z₁ = r·cos θ, z₂ = r·sin θ with r = √(−2 ln u), θ = 2πv,
 * u ∈ (0, 1) redrawn while 0 — so generator p yields exactly the sequence of the `Rng` it was
 * loaded from, without one object per agent.
 *
 * Generator p's four 32-bit state words sit at words[4p … 4p + 3] (`Rng.getState()`'s order) and
 * its cached Box–Muller spare at spare[p]. Normals are drawn a block of 64 at a time, in a loop that
 * keeps the words in locals; `normal(p)` reads the next one from the block. Drawing ahead changes
 * no value: the sequence is the generator's own, and {@link toRng} gives the state after exactly
 * the normals handed out (it replays them from the state saved before the block).
 */
export class RngBank {
  readonly count: number;
  private readonly words: Int32Array;
  private readonly spare: Float64Array;
  private readonly hasSpare: Uint8Array;
  /**
   * Drawn normals, BLOCK per generator, and how many of generator p's block were handed out. A hot
   * loop may read them directly, as {@link normal} does: the next normal of p is
   * block[p·BLOCK + cursor[p]] when cursor[p] < BLOCK (then cursor[p] += 1), else call {@link refill}.
   */
  readonly block: Float64Array;
  readonly cursor: Int32Array;
  /** Each generator's state before its current block was drawn. */
  private readonly savedWords: Int32Array;
  private readonly savedSpare: Float64Array;
  private readonly savedHasSpare: Uint8Array;

  constructor(count: number) {
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`RngBank: count must be an integer >= 1, got ${count}`);
    this.count = count;
    this.words = new Int32Array(4 * count);
    this.spare = new Float64Array(count);
    this.hasSpare = new Uint8Array(count);
    this.block = new Float64Array(BLOCK * count);
    this.cursor = new Int32Array(count);
    this.savedWords = new Int32Array(4 * count);
    this.savedSpare = new Float64Array(count);
    this.savedHasSpare = new Uint8Array(count);
  }

  /** A bank holding copies of `rngs` (they are not advanced by the bank's draws). */
  static fromRngs(rngs: readonly Rng[]): RngBank {
    const bank = new RngBank(rngs.length);
    rngs.forEach((rng, p) => bank.load(p, rng));
    return bank;
  }

  /** Copies `rng`'s state into slot p. */
  load(p: number, rng: Rng): void {
    if (!Number.isInteger(p) || p < 0 || p >= this.count)
      throw new RangeError(`RngBank: slot must be an integer in [0, ${this.count - 1}], got ${p}`);
    const s = rng.getState();
    this.words.set(s.words, 4 * p);
    this.hasSpare[p] = s.spareNormal === null ? 0 : 1;
    this.spare[p] = s.spareNormal ?? 0;
    this.refill(p);
  }

  /** Generator p as an independent {@link Rng}: its state after the normals handed out so far. */
  toRng(p: number): Rng {
    if (!Number.isInteger(p) || p < 0 || p >= this.count)
      throw new RangeError(`RngBank: slot must be an integer in [0, ${this.count - 1}], got ${p}`);
    const rng = Rng.fromState({
      algorithm: "xoroshiro128plus",
      words: Array.from(this.savedWords.subarray(4 * p, 4 * p + 4)),
      spareNormal: this.savedHasSpare[p] === 1 ? this.savedSpare[p] : null,
    });
    for (let k = 0; k < this.cursor[p]; k++) rng.normal();
    return rng;
  }

  /** The next N(0, 1) draw of generator p. */
  normal(p: number): number {
    let c = this.cursor[p];
    if (c === BLOCK) {
      this.refill(p);
      c = 0;
    }
    this.cursor[p] = c + 1;
    return this.block[p * BLOCK + c];
  }

  /** Draws generator p's next BLOCK normals into its block (saving the state it starts from); cursor[p] = 0. */
  refill(p: number): void {
    const w = this.words;
    const o = 4 * p;
    for (let k = 0; k < 4; k++) this.savedWords[o + k] = w[o + k];
    this.savedSpare[p] = this.spare[p];
    this.savedHasSpare[p] = this.hasSpare[p];
    const out = this.block;
    const base = p * BLOCK;
    let i = 0;
    if (this.hasSpare[p] === 1) {
      out[base] = this.spare[p];
      this.hasSpare[p] = 0;
      i = 1;
    }
    let s01 = w[o];
    let s00 = w[o + 1];
    let s11 = w[o + 2];
    let s10 = w[o + 3];
    while (i < BLOCK) {
      // u (redrawn while 0), then v: each from two outputs, high 27 bits then low 26.
      let u = 0;
      let v = 0;
      for (let draw = 0; draw < 2;) {
        let hi = 0;
        let x = 0;
        for (let half = 0; half < 2; half++) {
          const next = (s00 + s10) | 0;
          const a0 = s10 ^ s00;
          const a1 = s11 ^ s01;
          const t00 = s00;
          s00 = (t00 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16);
          s01 = (s01 << 24) ^ (t00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
          s10 = (a1 << 5) ^ (a0 >>> 27);
          s11 = (a0 << 5) ^ (a1 >>> 27);
          if (half === 0) hi = next >>> 5;
          else x = (hi * 67108864 + (next >>> 6)) * TWO_POW_53_INV;
        }
        if (draw === 1) {
          v = x;
          draw = 2;
        } else if (x !== 0) {
          u = x;
          draw = 1;
        }
      }
      const r = Math.sqrt(-2 * Math.log(u));
      const theta = TWO_PI * v;
      out[base + i++] = r * Math.cos(theta);
      const second = r * Math.sin(theta);
      if (i < BLOCK) out[base + i++] = second;
      else {
        this.spare[p] = second;
        this.hasSpare[p] = 1;
      }
    }
    w[o] = s01;
    w[o + 1] = s00;
    w[o + 2] = s11;
    w[o + 3] = s10;
    this.cursor[p] = 0;
  }
}
