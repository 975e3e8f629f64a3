import { Rng } from "../random/rng.js";
import { WasmBoxMuller } from "../wasm/box-muller.js";

const TWO_POW_53_INV = 1 / 9007199254740992;
const TWO_PI = 2 * Math.PI;
/** Normals drawn ahead per generator (one refill per this many draws). */
export const NORMAL_BLOCK = 64;
const BLOCK = NORMAL_BLOCK;
/** Box–Muller pairs per block refill. */
const PAIRS = BLOCK / 2;

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
  /** One refill's uniforms u, v and its normals z (pair j: z[2j], z[2j + 1]). */
  private readonly pairs: { u: Float64Array; v: Float64Array; z: Float64Array };
  /** The Box–Muller transform on WebAssembly lanes over `pairs`, or null (then the scalar transform runs). */
  private readonly lanes: WasmBoxMuller | null;

  /**
   * `laneTransform: false` keeps the Box–Muller transform scalar even where the lane version is
   * available (both give the same numbers; for tests and benches).
   */
  constructor(count: number, options: { laneTransform?: boolean } = {}) {
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`RngBank: count must be an integer >= 1, got ${count}`);
    this.count = count;
    this.spare = new Float64Array(count);
    this.hasSpare = new Uint8Array(count);
    this.block = new Float64Array(BLOCK * count);
    this.cursor = new Int32Array(count);
    this.savedWords = new Int32Array(4 * count);
    this.savedSpare = new Float64Array(count);
    this.savedHasSpare = new Uint8Array(count);
    this.lanes = options.laneTransform === false ? null : WasmBoxMuller.create(PAIRS, count);
    // With the lanes, the state words live in their memory, where the uniforms kernel advances them.
    this.words = this.lanes?.words ?? new Int32Array(4 * count);
    this.pairs = this.lanes ?? {
      u: new Float64Array(PAIRS),
      v: new Float64Array(PAIRS),
      z: new Float64Array(BLOCK),
    };
  }

  /** A bank holding copies of `rngs` (they are not advanced by the bank's draws). */
  static fromRngs(rngs: readonly Rng[], options: { laneTransform?: boolean } = {}): RngBank {
    const bank = new RngBank(rngs.length, options);
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

  /** Whether refills run the Box–Muller transform on WebAssembly lanes. */
  get laneTransform(): boolean {
    return this.lanes !== null;
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
    // With a spare the block is [spare, 31 pairs, z₁ of a 32nd pair] and its z₂ the next spare;
    // without one, 32 pairs fill it. Either way the block takes 32 pairs.
    const first = this.hasSpare[p];
    if (first === 1) out[base] = this.spare[p];
    const { u, v, z } = this.pairs;
    const lanes = this.lanes;
    if (lanes !== null) {
      lanes.draw(p, PAIRS);
      lanes.run(PAIRS);
    } else {
      this.drawUniformPairs(p, PAIRS, u, v);
      for (let j = 0; j < PAIRS; j++) {
        const r = Math.sqrt(-2 * Math.log(u[j]));
        const theta = TWO_PI * v[j];
        z[2 * j] = r * Math.cos(theta);
        z[2 * j + 1] = r * Math.sin(theta);
      }
    }
    const n = BLOCK - first;
    for (let k = 0; k < n; k++) out[base + first + k] = z[k];
    this.spare[p] = first === 1 ? z[BLOCK - 1] : 0;
    this.cursor[p] = 0;
  }

  /**
   * The next m pairs (u, v) of generator p's uniforms, as `Rng.normal` draws them: u (redrawn
   * while 0), then v, each (hi₂₇·2²⁶ + lo₂₆)·2⁻⁵³ from two xoroshiro128+ outputs (pure-rand's
   * step on the four 32-bit state words, held in locals).
   */
  private drawUniformPairs(p: number, m: number, us: Float64Array, vs: Float64Array): void {
    const w = this.words;
    const o = 4 * p;
    let s01 = w[o];
    let s00 = w[o + 1];
    let s11 = w[o + 2];
    let s10 = w[o + 3];
    for (let j = 0; j < m; j++) {
      let u = 0;
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
          vs[j] = x;
          draw = 2;
        } else if (x !== 0) {
          u = x;
          draw = 1;
        }
      }
      us[j] = u;
    }
    w[o] = s01;
    w[o + 1] = s00;
    w[o + 2] = s11;
    w[o + 3] = s10;
  }
}
