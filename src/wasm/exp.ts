/**
 * exp on the two f64 lanes of a v128, bit-identical to the runtime's `Math.exp` (V8's port of
 * fdlibm's exp; docs/performance.md, "Arithmetic floor of the NN and RBF models", says how it was
 * checked). Per lane, with hx the high word of |x|:
 *
 *   reduction  x = k·ln2 + r (ln2 = ln2_hi + ln2_lo): k = 0 where hx ≤ ½ln2's, k = ±1 (the sign
 *              of x) where hx < 1.5 ln2's, else k = trunc(x/ln2 ± ½); hi = x − k·ln2_hi,
 *              lo = k·ln2_lo, r = hi − lo
 *   kernel     t = r², c = r − t·(P1 + t·(P2 + t·(P3 + t·(P4 + t·P5)))),
 *              y = 1 − ((lo − r·c/(2 − c)) − hi)          (k = 0: hi = r, lo = 0, the same value
 *              as fdlibm's 1 − (r·c/(c − 2) − r), since r ≠ 0 there)
 *   scale      y·2ᵏ for −1021 ≤ k < 1024; y·2·2¹⁰²³ for k = 1024; y·2^(k+1000)·2⁻¹⁰⁰⁰ below
 *   special    x = 1: e (fdlibm's correction); hx < 2⁻²⁸'s: 1 + x; x > 709.78…: +∞;
 *              x < −745.13…: +0; NaN: x + x
 *
 * Every case is computed on both lanes and the lane's own one selected, so each lane performs
 * exactly its branch's operations (WebAssembly never fuses a·b + c).
 */
import { op, type CodeBuffer } from "./assembler.js";
import { interleavedTemps, vectorSteps, WasmLaneFunction } from "./lane-function.js";
import {
  LN2_HI,
  LN2_LO,
  INV_LN2,
  EXP_P1 as P1,
  EXP_P2 as P2,
  EXP_P3 as P3,
  EXP_P4 as P4,
  EXP_P5 as P5,
  EXP_OVERFLOW as O_THRESHOLD,
  EXP_UNDERFLOW as U_THRESHOLD,
} from "./fdlibm-constants.js";

/** The v128 scratch locals {@link emitExpF64x2} uses for its first vector; vector g > 0 appends `_g` ({@link expTemps}). */
export const EXP_F64X2_TEMPS = [
  "expHx",
  "expK",
  "expHi",
  "expLo",
  "expR",
  "expT",
  "expC",
  "expY",
  "expS",
] as const;

/** The scratch locals of {@link emitExpF64x2} for `vectors` interleaved vectors. */
export function expTemps(vectors: number): string[] {
  return interleavedTemps(EXP_F64X2_TEMPS, vectors);
}

const TWO_M1000 = 2 ** -1000;
const TWO_1023 = 2 ** 1023;

/**
 * Emits `local[out] = exp(local[x])` per f64 lane for each (x, out) pair, the vectors' steps
 * interleaved; bit-identical to `Math.exp` (see the module comment). `x` and `out` may be the same
 * local; the scratch locals are {@link expTemps}.
 */
export function emitExpF64x2(
  c: CodeBuffer,
  get: (name: string) => number[],
  set: (name: string) => number[],
  x: string | readonly string[],
  out: string | readonly string[],
): void {
  const f = (v: number) => op.f64x2Const(v);
  const i = (v: number) => op.i64x2Const(v);
  const each = vectorSteps(get, set, EXP_F64X2_TEMPS, x, out, "emitExpF64x2");
  // hx = high word of |x|
  each((get, set, x) => c.emit(get(x), op.f64x2Abs, op.i32Const(32), op.i64x2ShrU, set("expHx")));
  // k = trunc(x/ln2 ± ½); ±1 where hx < 1.5 ln2's; 0 where hx ≤ ½ ln2's
  each((get, set, x) => {
    c.emit(f(INV_LN2), get(x), op.f64x2Mul, f(0.5), get(x), f(-0), op.v128And, op.v128Or, op.f64x2Add);
    c.emit(op.f64x2Trunc, f(1), get(x), f(-0), op.v128And, op.v128Or);
    c.emit(get("expHx"), i(0x3ff0a2b1), op.i64x2GtS, op.v128Bitselect);
    c.emit(get("expHx"), i(0x3fd62e43), op.i64x2LtS, op.v128Andnot, set("expK"));
  });
  // hi = x − k·ln2_hi, lo = k·ln2_lo, r = hi − lo, t = r²
  each((get, set, x) => c.emit(get(x), get("expK"), f(LN2_HI), op.f64x2Mul, op.f64x2Sub, set("expHi")));
  each((get, set) => c.emit(get("expK"), f(LN2_LO), op.f64x2Mul, set("expLo")));
  each((get, set) => c.emit(get("expHi"), get("expLo"), op.f64x2Sub, set("expR")));
  each((get, set) => c.emit(get("expR"), get("expR"), op.f64x2Mul, set("expT")));
  // c = r − t·(P1 + t·(P2 + t·(P3 + t·(P4 + t·P5))))
  each((get, set) => c.emit(f(P4), get("expT"), f(P5), op.f64x2Mul, op.f64x2Add, set("expC")));
  for (const p of [P3, P2, P1])
    each((get, set) => c.emit(f(p), get("expT"), get("expC"), op.f64x2Mul, op.f64x2Add, set("expC")));
  each((get, set) => c.emit(get("expR"), get("expT"), get("expC"), op.f64x2Mul, op.f64x2Sub, set("expC")));
  // y = 1 − ((lo − r·c/(2 − c)) − hi)
  each((get, set) => {
    c.emit(f(1), get("expLo"), get("expR"), get("expC"), op.f64x2Mul, f(2), get("expC"), op.f64x2Sub);
    c.emit(op.f64x2Div, op.f64x2Sub, get("expHi"), op.f64x2Sub, op.f64x2Sub, set("expY"));
  });
  // 2ᵏ from the low bits of k + 1.5·2⁵² (exact), as (k + 1023) << 52; below −1021, 2^(k+1000)
  each((get, set) => c.emit(get("expK"), f(1.5 * 2 ** 52), op.f64x2Add, set("expS")));
  each((get, set) => {
    c.emit(get("expY"), get("expS"), i(0x3ff + 1000), op.i64x2Add, op.i32Const(52), op.i64x2Shl);
    c.emit(op.f64x2Mul, f(TWO_M1000), op.f64x2Mul);
    c.emit(get("expY"), get("expS"), i(0x3ff), op.i64x2Add, op.i32Const(52), op.i64x2Shl, op.f64x2Mul);
    c.emit(get("expK"), f(-1021), op.f64x2Lt, op.v128Bitselect, set("expS"));
  });
  each((get, set) => {
    c.emit(get("expY"), f(2), op.f64x2Mul, f(TWO_1023), op.f64x2Mul, get("expS"));
    c.emit(get("expK"), f(1024), op.f64x2Eq, op.v128Bitselect, set("expS"));
  });
  // specials: x = 1 → e; tiny → 1 + x; overflow → +∞; underflow → +0; NaN → x + x
  each((get, set, x) => {
    c.emit(f(Math.E), get("expS"), get(x), f(1), op.f64x2Eq, op.v128Bitselect);
    c.emit(f(1), get(x), op.f64x2Add, op.v128Xor, get("expHx"), i(0x3e300000), op.i64x2LtS, op.v128Andnot);
    c.emit(f(1), get(x), op.f64x2Add, op.v128Xor, set("expS"));
  });
  each((get, set, x) => {
    c.emit(f(Infinity), get("expS"), get(x), f(O_THRESHOLD), op.f64x2Gt, op.v128Bitselect);
    c.emit(get(x), f(U_THRESHOLD), op.f64x2Lt, op.v128Andnot, set("expS"));
  });
  each((get, set, x, out) => {
    c.emit(get(x), get(x), op.f64x2Add, get("expS"), get(x), get(x), op.f64x2Ne, op.v128Bitselect, set(out));
  });
}

/**
 * {@link emitExpF64x2} over arrays: `WasmExp.create()!.apply(x, out)` sets out[i] = exp(x[i]),
 * bit-identical to `Math.exp`, two lanes per instruction; null without WebAssembly SIMD.
 */
export const WasmExp = {
  create: (): WasmLaneFunction | null => WasmLaneFunction.create("expArray", emitExpF64x2, expTemps),
};
