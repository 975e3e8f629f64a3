/**
 * Natural log on the two f64 lanes of a v128, bit-identical to the runtime's `Math.log` for every
 * double (Node 20's V8 computes it with its port of fdlibm's __ieee754_log; docs/performance.md,
 * "Transcendentals on lanes", says how it was checked). Per lane:
 *
 *   scale      x < 2⁻¹⁰²² (subnormal): x·2⁵⁴ and k = −54, else k = 0
 *   reduction  with hx the high word and m = hx ∧ 0xfffff: i = (m + 0x95f64) ∧ 2²⁰ (set where the
 *              significand is ≥ √2, about), 1 + f = the significand with exponent 2⁻ⁱ (in
 *              [√2/2, √2)), k += (hx >> 20) − 1023 + i/2²⁰; H = k·ln2_hi, L = k·ln2_lo
 *   |f| < 2⁻²⁰ (m ∈ {0xffffe, 0xfffff, 0}):
 *              R₀ = f·f·(½ − ⅓·f), log x = H − ((R₀ − L) − f)
 *   otherwise  s = f/(2 + f), z = s², w = z², t₁ = w·(Lg2 + w·(Lg4 + w·Lg6)),
 *              t₂ = z·(Lg1 + w·(Lg3 + w·(Lg5 + w·Lg7))), R = t₂ + t₁;
 *              0x6147a ≤ m ≤ 0x6b851 (fdlibm's i > 0), hfsq = ½f·f:
 *                log x = H − ((hfsq − (s·(hfsq + R) + L)) − f)
 *              else  log x = H − ((s·(f − R) − L) − f)
 *   special    x = ±0: −∞; x < 0: NaN; +∞, NaN: x + x
 *
 * fdlibm writes the k = 0 cases as f − R₀, f − (hfsq − s·(hfsq + R)), f − s·(f − R), and returns 0
 * or H + L where f = 0. The forms above give the same bits there: with k = 0, H = L = +0, so
 * Q − L = Q and 0 − (Q − f) = f − Q (round-to-nearest is symmetric; Q − f = 0 only at f = R₀ = 0,
 * where both are +0); with f = 0, R₀ = +0 and H − ((0 − L) − 0) = H + L. In integer steps on the
 * 64-bit lanes: c = y + 0x95f64·2³² carries i into y's exponent field, so 1 + f has the bits
 * y − (c ∧ 0x7ff·2⁵²) + 0x3ff·2⁵² and k + 1023 = c >> 52 (− 54); k becomes a double through the
 * bits of 1.5·2⁵² + k. The special values amend the formula's value, which is finite at ±0 and
 * +∞: + (x where x is +∞ or NaN, +0 elsewhere), ∨ the all-ones mask of x < 0 (a NaN), − ∞ at ±0.
 * Every case is computed on both lanes and the lane's own one selected (v128.bitselect), so each
 * lane performs exactly its branch's operations, each rounded once (WebAssembly never fuses
 * a·b + c). Checked in test/wasm/log.test.ts and, on 14·SCALE Mi arguments, by
 * `npx tsx tools/bench/lane-log.ts --check SCALE`.
 */
import { op, type CodeBuffer } from "./assembler.js";
import { interleavedTemps, vectorSteps, WasmLaneFunction } from "./lane-function.js";
import {
  LN2_HI,
  LN2_LO,
  LOG_LG1 as LG1,
  LOG_LG2 as LG2,
  LOG_LG3 as LG3,
  LOG_LG4 as LG4,
  LOG_LG5 as LG5,
  LOG_LG6 as LG6,
  LOG_LG7 as LG7,
} from "./fdlibm-constants.js";

/** The v128 scratch locals {@link emitLogF64x2} uses for its first vector; vector g > 0 appends `_g` ({@link logTemps}). */
export const LOG_F64X2_TEMPS = [
  "logSub",
  "logY",
  "logC",
  "logF",
  "logK",
  "logM",
  "logS",
  "logZ",
  "logW",
  "logT1",
  "logR",
  "logFf",
  "logL",
  "logA",
  "logB",
] as const;

/** The scratch locals of {@link emitLogF64x2} for `vectors` interleaved vectors. */
export function logTemps(vectors: number): string[] {
  return interleavedTemps(LOG_F64X2_TEMPS, vectors);
}

/** fdlibm's 0.33333333333333333 (⅓ rounded). */
const THIRD = 1 / 3;
/** The double whose bits are 54·2⁵² (exponent field 54): added to 1's bits, it makes 2⁵⁴. */
const EXPONENT_54 = 2 ** -969;
/** 1.5·2⁵²: an integer n with |n| < 2⁵¹ added to its bits gives the double 1.5·2⁵² + n (exact). */
const MAGIC = 1.5 * 2 ** 52;
/** The significand bits (low 52) of a double. */
const SIGNIFICAND = 2 ** 52 - 1;
/** 2³²: one step of the high word. */
const HIGH = 2 ** 32;

/**
 * Emits `local[out] = log(local[x])` per f64 lane for each (x, out) pair, the vectors' steps
 * interleaved; bit-identical to `Math.log` for every double (see the module comment). `x` and `out`
 * may be the same local; the scratch locals are {@link logTemps}.
 */
export function emitLogF64x2(
  c: CodeBuffer,
  get: (name: string) => number[],
  set: (name: string) => number[],
  x: string | readonly string[],
  out: string | readonly string[],
): void {
  const f = (v: number) => op.f64x2Const(v);
  const i = (v: number) => op.i64x2Const(v);
  const each = vectorSteps(get, set, LOG_F64X2_TEMPS, x, out, "emitLogF64x2");
  // y = x·2⁵⁴ where x < 2⁻¹⁰²² (the scale's bits: 1's plus 54·2⁵² there), else x
  each((get, set, x) => c.emit(get(x), f(2 ** -1022), op.f64x2Lt, set("logSub")));
  each((get, set, x) => {
    c.emit(get(x), f(1), get("logSub"), f(EXPONENT_54), op.v128And, op.i64x2Add, op.f64x2Mul, set("logY"));
  });
  // c = y + 0x95f64·2³²: its exponent field is y's plus i (the carry out of the significand)
  each((get, set) => c.emit(get("logY"), i(0x95f64 * HIGH), op.i64x2Add, set("logC")));
  // 1 + f = y with the exponent field 1023 − i: y − (c's exponent bits) + 1's bits
  each((get, set) => {
    c.emit(get("logY"), get("logC"), f(Infinity), op.v128And, op.i64x2Sub, f(1), op.i64x2Add);
    c.emit(f(1), op.f64x2Sub, set("logF"));
  });
  // k = (c >> 52) − 54·sub − 1023, as a double through 1.5·2⁵²'s bits
  each((get, set) => {
    c.emit(get("logC"), op.i32Const(52), op.i64x2ShrU, get("logSub"), i(54), op.v128And, op.i64x2Sub);
    c.emit(f(MAGIC - 1023), op.i64x2Add, f(MAGIC), op.f64x2Sub, set("logK"));
  });
  // m = y's significand bits (fdlibm's hx ∧ 0xfffff, then the low word)
  each((get, set) => c.emit(get("logY"), i(SIGNIFICAND), op.v128And, set("logM")));
  // s = f/(2 + f), z = s², w = z², R = t₂ + t₁
  each((get, set) => c.emit(get("logF"), f(2), get("logF"), op.f64x2Add, op.f64x2Div, set("logS")));
  each((get, set) => c.emit(get("logS"), get("logS"), op.f64x2Mul, set("logZ")));
  each((get, set) => c.emit(get("logZ"), get("logZ"), op.f64x2Mul, set("logW")));
  each((get, set) => c.emit(f(LG4), get("logW"), f(LG6), op.f64x2Mul, op.f64x2Add, set("logT1")));
  each((get, set) => c.emit(f(LG5), get("logW"), f(LG7), op.f64x2Mul, op.f64x2Add, set("logR")));
  each((get, set) => c.emit(f(LG2), get("logW"), get("logT1"), op.f64x2Mul, op.f64x2Add, set("logT1")));
  each((get, set) => c.emit(f(LG3), get("logW"), get("logR"), op.f64x2Mul, op.f64x2Add, set("logR")));
  each((get, set) => c.emit(get("logW"), get("logT1"), op.f64x2Mul, set("logT1")));
  each((get, set) => c.emit(f(LG1), get("logW"), get("logR"), op.f64x2Mul, op.f64x2Add, set("logR")));
  each((get, set) => c.emit(get("logZ"), get("logR"), op.f64x2Mul, get("logT1"), op.f64x2Add, set("logR")));
  // f², L = k·ln2_lo
  each((get, set) => c.emit(get("logF"), get("logF"), op.f64x2Mul, set("logFf")));
  each((get, set) => c.emit(get("logK"), f(LN2_LO), op.f64x2Mul, set("logL")));
  // a = Q − L, Q = f²·(½ − ⅓f) where (m + 2·2³²) mod 2⁵² < 3·2³² (|f| < 2⁻²⁰), else s·(f − R)
  each((get, set) => {
    c.emit(get("logFf"), f(0.5), f(THIRD), get("logF"), op.f64x2Mul, op.f64x2Sub, op.f64x2Mul);
    c.emit(get("logS"), get("logF"), get("logR"), op.f64x2Sub, op.f64x2Mul);
    c.emit(get("logM"), i(2 * HIGH), op.i64x2Add, i(SIGNIFICAND), op.v128And, i(3 * HIGH), op.i64x2LtS);
    c.emit(op.v128Bitselect, get("logL"), op.f64x2Sub, set("logA"));
  });
  // b = hfsq − (s·(hfsq + R) + L), hfsq = ½f² (fdlibm's ½f·f: halving is exact, f² ≥ 2⁻¹⁰⁶)
  each((get, set) => c.emit(f(0.5), get("logFf"), op.f64x2Mul, set("logFf")));
  each((get, set) => {
    c.emit(get("logFf"), get("logS"), get("logFf"), get("logR"), op.f64x2Add, op.f64x2Mul);
    c.emit(get("logL"), op.f64x2Add, op.f64x2Sub, set("logB"));
  });
  // b where 0x6147a ≤ hx ∧ 0xfffff ≤ 0x6b851 (m < 0x6b852·2³² and not m < 0x6147a·2³²), else a
  each((get, set) => {
    c.emit(get("logB"), get("logA"), get("logM"), i(0x6b852 * HIGH), op.i64x2LtS);
    c.emit(get("logM"), i(0x6147a * HIGH), op.i64x2LtS, op.v128Andnot, op.v128Bitselect, set("logA"));
  });
  // log x = k·ln2_hi − (a − f)
  each((get, set) => {
    c.emit(
      get("logK"),
      f(LN2_HI),
      op.f64x2Mul,
      get("logA"),
      get("logF"),
      op.f64x2Sub,
      op.f64x2Sub,
      set("logA"),
    );
  });
  // specials: + x where x is +∞ or NaN (+0 elsewhere); ∨ the all-ones mask (a NaN) where x < 0;
  // − ∞ where x = ±0 (the value so far is finite at ±0 and +∞: 1 + f is 1 or −1 there)
  each((get, set, x, out) => {
    c.emit(get("logA"), get(x), get(x), f(Infinity), op.f64x2Lt, op.v128Andnot, op.f64x2Add);
    c.emit(get(x), op.v128Zero, op.f64x2Lt, op.v128Or);
    c.emit(get(x), op.v128Zero, op.f64x2Eq, f(Infinity), op.v128And, op.f64x2Sub, set(out));
  });
}

/**
 * {@link emitLogF64x2} over arrays: `WasmLog.create()!.apply(x, out)` sets out[i] = log(x[i]),
 * bit-identical to `Math.log`, two lanes per instruction; null without WebAssembly SIMD.
 */
export const WasmLog = {
  create: (): WasmLaneFunction | null => WasmLaneFunction.create("logArray", emitLogF64x2, logTemps),
};
