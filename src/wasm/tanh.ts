/**
 * tanh on the two f64 lanes of a v128, bit-identical to the runtime's `Math.tanh` (V8's port of
 * fdlibm's tanh and expm1; docs/performance.md, "Arithmetic floor of the NN and RBF models", says
 * how it was checked). The formulas, per lane, for x with high word ix of |x|:
 *
 *   ix < 2⁻²⁸ (as a high word):       tanh x = x
 *   |x| ≥ 22, ±∞:                     tanh x = ±1
 *   NaN:                               x + x
 *   1 ≤ |x| < 22:                      t = expm1(2|x|),  tanh x = ±(1 − 2/(t + 2))
 *   2⁻²⁸ ≤ |x| < 1:                    t = expm1(−2|x|), tanh x = ±(−t/(t + 2))
 *
 * and expm1(a) by fdlibm's reduction a = k·ln2 + r (ln2 = ln2_hi + ln2_lo), k = 0 where
 * |a| ≤ ½ln2, k = −1 where |a| < 1.5 ln2 (a < 0 here), else k = trunc(a/ln2 ± ½);
 * r = hi − lo, c = (hi − r) − lo with hi = a − k·ln2_hi, lo = k·ln2_lo; the rational
 * R1 = 1 + h·(Q1 + h·(Q2 + h·(Q3 + h·(Q4 + h·Q5)))), h = r·r/2, t = 3 − R1·r/2,
 * e = h·((R1 − t)/(6 − r·t)); then
 *
 *   k = 0:              r − (r·e − h)
 *   k = −1:             ½(r − E) − ½,                         E = (r·(e − c) − c) − h
 *   k ≤ −2 or k > 56:   (1 − (E − r))·2ᵏ − 1
 *   2 ≤ k < 20:         ((1 − 2⁻ᵏ) − (E − r))·2ᵏ
 *   20 ≤ k ≤ 56:        ((r − (E + 2⁻ᵏ)) + 1)·2ᵏ
 *
 * Every case is computed on both lanes and the lane's own case is selected (v128.bitselect), so
 * each lane sees exactly the scalar operations of its branch, each rounded once (WebAssembly never
 * fuses a·b + c). The range comparisons are on the high words, as fdlibm makes them. expm1's k = 1
 * case (0.5 ln2 < a < 1.5 ln2) cannot occur: tanh passes a positive argument only when it is ≥ 2.
 */
import { op, type CodeBuffer } from "./assembler.js";
import { interleavedTemps, vectorSteps, WasmLaneFunction } from "./lane-function.js";
import {
  LN2_HI,
  LN2_LO,
  INV_LN2,
  EXPM1_Q1 as Q1,
  EXPM1_Q2 as Q2,
  EXPM1_Q3 as Q3,
  EXPM1_Q4 as Q4,
  EXPM1_Q5 as Q5,
} from "./fdlibm-constants.js";

/**
 * The v128 scratch locals {@link emitTanhF64x2} uses for its first vector (the caller declares
 * them, type v128); vector g > 0 uses the same names with `_g` appended ({@link tanhTemps}).
 */
export const TANH_F64X2_TEMPS = [
  "tanhIx",
  "tanhBig",
  "tanhA",
  "tanhM0",
  "tanhM1",
  "tanhK",
  "tanhHi",
  "tanhR",
  "tanhC",
  "tanhHfx",
  "tanhHxs",
  "tanhR1",
  "tanhE",
  "tanhE2",
  "tanhK64",
  "tanhP",
  "tanhTmk",
  "tanhY",
  "tanhZ",
] as const;

/** The scratch locals of {@link emitTanhF64x2} for `vectors` interleaved vectors. */
export function tanhTemps(vectors: number): string[] {
  return interleavedTemps(TANH_F64X2_TEMPS, vectors);
}

/**
 * Emits `local[out] = tanh(local[x])` per f64 lane, bit-identical to `Math.tanh` (see the module
 * comment). `get`/`set` give local.get/local.set of a named local; `x` and `out` may be the same
 * local; the scratch locals are {@link TANH_F64X2_TEMPS}.
 */
export function emitTanhF64x2(
  c: CodeBuffer,
  get: (name: string) => number[],
  set: (name: string) => number[],
  x: string | readonly string[],
  out: string | readonly string[],
): void {
  const f = (v: number) => op.f64x2Const(v);
  const i = (v: number) => op.i64x2Const(v);
  const each = vectorSteps(get, set, TANH_F64X2_TEMPS, x, out, "emitTanhF64x2");
  // ix = high word of |x|; big = |x| ≥ 1
  each((get, set, x) => {
    c.emit(get(x), op.f64x2Abs, op.i32Const(32), op.i64x2ShrU, set("tanhIx"));
    c.emit(get("tanhIx"), i(0x3fefffff), op.i64x2GtS, set("tanhBig"));
  });
  // a = ±2|x|: +2|x| where |x| ≥ 1, else −2|x|; the high word of 2|x| picks expm1's reduction
  each((get, set, x) => {
    c.emit(get(x), op.f64x2Abs, get(x), op.f64x2Abs, op.f64x2Add, set("tanhA"));
    c.emit(get("tanhA"), op.i32Const(32), op.i64x2ShrU, set("tanhP"));
  });
  each((get, set) => {
    c.emit(get("tanhP"), i(0x3fd62e43), op.i64x2LtS, set("tanhM0"));
    c.emit(get("tanhP"), i(0x3ff0a2b2), op.i64x2LtS, set("tanhM1"));
  });
  each((get, set) =>
    c.emit(get("tanhA"), get("tanhA"), op.f64x2Neg, get("tanhBig"), op.v128Bitselect, set("tanhA")),
  );
  // k = trunc(a/ln2 ± ½) (± the sign of a), −1 where ha < 1.5 ln2, 0 where ha ≤ ½ ln2
  each((get, set) => {
    c.emit(f(INV_LN2), get("tanhA"), op.f64x2Mul, f(0.5), get("tanhA"), f(-0), op.v128And, op.v128Or);
    c.emit(op.f64x2Add, op.f64x2Trunc, set("tanhK"));
  });
  each((get, set) => c.emit(f(-1), get("tanhK"), get("tanhM1"), op.v128Bitselect, set("tanhK")));
  each((get, set) => c.emit(get("tanhK"), get("tanhM0"), op.v128Andnot, set("tanhK")));
  // hi = a − k·ln2_hi, lo = k·ln2_lo, r = hi − lo, c = (hi − r) − lo
  each((get, set) => c.emit(get("tanhA"), get("tanhK"), f(LN2_HI), op.f64x2Mul, op.f64x2Sub, set("tanhHi")));
  each((get, set) => c.emit(get("tanhHi"), get("tanhK"), f(LN2_LO), op.f64x2Mul, op.f64x2Sub, set("tanhR")));
  each((get, set) => {
    c.emit(get("tanhHi"), get("tanhR"), op.f64x2Sub, get("tanhK"), f(LN2_LO), op.f64x2Mul, op.f64x2Sub);
    c.emit(set("tanhC"));
  });
  // hfx = ½r, hxs = r·hfx, R1 = 1 + hxs·(Q1 + hxs·(Q2 + hxs·(Q3 + hxs·(Q4 + hxs·Q5))))
  each((get, set) => c.emit(f(0.5), get("tanhR"), op.f64x2Mul, set("tanhHfx")));
  each((get, set) => c.emit(get("tanhR"), get("tanhHfx"), op.f64x2Mul, set("tanhHxs")));
  each((get, set) => c.emit(f(Q4), get("tanhHxs"), f(Q5), op.f64x2Mul, op.f64x2Add, set("tanhR1")));
  for (const q of [Q3, Q2, Q1, 1])
    each((get, set) => c.emit(f(q), get("tanhHxs"), get("tanhR1"), op.f64x2Mul, op.f64x2Add, set("tanhR1")));
  // t = 3 − R1·hfx (in tanhP), e = hxs·((R1 − t)/(6 − r·t))
  each((get, set) => c.emit(f(3), get("tanhR1"), get("tanhHfx"), op.f64x2Mul, op.f64x2Sub, set("tanhP")));
  each((get, set) => {
    c.emit(get("tanhHxs"), get("tanhR1"), get("tanhP"), op.f64x2Sub);
    c.emit(
      f(6),
      get("tanhR"),
      get("tanhP"),
      op.f64x2Mul,
      op.f64x2Sub,
      op.f64x2Div,
      op.f64x2Mul,
      set("tanhE"),
    );
  });
  // E = (r·(e − c) − c) − hxs
  each((get, set) => {
    c.emit(get("tanhR"), get("tanhE"), get("tanhC"), op.f64x2Sub, op.f64x2Mul, get("tanhC"), op.f64x2Sub);
    c.emit(get("tanhHxs"), op.f64x2Sub, set("tanhE2"));
  });
  // 2ᵏ (tanhP) and 2⁻ᵏ as bit patterns (k + 1023) << 52 and (1023 − k) << 52, from the bits of
  // k + 1.5·2⁵² (exact; its mantissa ends in k, and only the low 12 bits survive the shift by 52)
  each((get, set) => c.emit(get("tanhK"), f(1.5 * 2 ** 52), op.f64x2Add, set("tanhK64")));
  each((get, set) =>
    c.emit(get("tanhK64"), i(0x3ff), op.i64x2Add, op.i32Const(52), op.i64x2Shl, set("tanhP")),
  );
  each((get, set) =>
    c.emit(i(0x3ff), get("tanhK64"), op.i64x2Sub, op.i32Const(52), op.i64x2Shl, set("tanhTmk")),
  );
  // k < 20: ((1 − 2⁻ᵏ) − (E − r))·2ᵏ;  20 ≤ k: ((r − (E + 2⁻ᵏ)) + 1)·2ᵏ
  each((get, set) => {
    c.emit(f(1), get("tanhTmk"), op.f64x2Sub, get("tanhE2"), get("tanhR"), op.f64x2Sub, op.f64x2Sub);
    c.emit(get("tanhP"), op.f64x2Mul);
    c.emit(get("tanhR"), get("tanhE2"), get("tanhTmk"), op.f64x2Add, op.f64x2Sub, f(1), op.f64x2Add);
    c.emit(get("tanhP"), op.f64x2Mul);
    c.emit(get("tanhK"), f(20), op.f64x2Lt, op.v128Bitselect, set("tanhY"));
  });
  // k ≤ −2 or k > 56: (1 − (E − r))·2ᵏ − 1
  each((get, set) => {
    c.emit(f(1), get("tanhE2"), get("tanhR"), op.f64x2Sub, op.f64x2Sub, get("tanhP"), op.f64x2Mul);
    c.emit(f(1), op.f64x2Sub, get("tanhY"));
    c.emit(get("tanhK"), f(-1), op.f64x2Lt, get("tanhK"), f(56), op.f64x2Gt, op.v128Or);
    c.emit(op.v128Bitselect, set("tanhY"));
  });
  // k = −1: ½(r − E) − ½
  each((get, set) => {
    c.emit(f(0.5), get("tanhR"), get("tanhE2"), op.f64x2Sub, op.f64x2Mul, f(0.5), op.f64x2Sub);
    c.emit(get("tanhY"), get("tanhM1"), op.v128Bitselect, set("tanhY"));
  });
  // k = 0: r − (r·e − hxs)
  each((get, set) => {
    c.emit(get("tanhR"), get("tanhR"), get("tanhE"), op.f64x2Mul, get("tanhHxs"), op.f64x2Sub, op.f64x2Sub);
    c.emit(get("tanhY"), get("tanhM0"), op.v128Bitselect, set("tanhY"));
  });
  // z = 1 − 2/(t + 2) where |x| ≥ 1, else −t/(t + 2)
  each((get, set) => {
    c.emit(f(2), get("tanhY"), op.f64x2Neg, get("tanhBig"), op.v128Bitselect);
    c.emit(get("tanhY"), f(2), op.f64x2Add, op.f64x2Div, set("tanhZ"));
  });
  each((get, set) =>
    c.emit(f(1), get("tanhZ"), op.f64x2Sub, get("tanhZ"), get("tanhBig"), op.v128Bitselect, set("tanhZ")),
  );
  // 1 where |x| ≥ 22 (its high word), then the sign of x; NaN → x + x; tiny (high word < 2⁻²⁸'s) → x
  each((get, set, x) => {
    c.emit(f(1), get("tanhZ"), get("tanhIx"), i(0x4035ffff), op.i64x2GtS, op.v128Bitselect);
    c.emit(get(x), f(-0), op.v128And, op.v128Or, set("tanhZ"));
  });
  each((get, set, x) =>
    c.emit(
      get(x),
      get(x),
      op.f64x2Add,
      get("tanhZ"),
      get(x),
      get(x),
      op.f64x2Ne,
      op.v128Bitselect,
      set("tanhZ"),
    ),
  );
  each((get, set, x, out) => {
    c.emit(get("tanhZ"), get(x), get("tanhIx"), i(0x3e2fffff), op.i64x2GtS, op.v128Bitselect, set(out));
  });
}

/**
 * {@link emitTanhF64x2} over arrays: `WasmTanh.create()!.apply(x, out)` sets out[i] = tanh(x[i]),
 * bit-identical to `Math.tanh`, two lanes per instruction; null without WebAssembly SIMD.
 */
export const WasmTanh = {
  create: (): WasmLaneFunction | null => WasmLaneFunction.create("tanhArray", emitTanhF64x2, tanhTemps),
};
