/**
 * sin and cos on the two f64 lanes of a v128, bit-identical to the runtime's `Math.sin` /
 * `Math.cos` where those are V8's port of fdlibm (docs/performance.md, "Transcendentals on lanes",
 * says how it was checked; {@link WasmSin.create} checks it on probe arguments where fdlibm and
 * glibc's libm differ). Per lane, with ix the high
 * word of |x|, t = |x|, and every reduction done on t and negated for x < 0 (round to nearest is
 * symmetric, so this is fdlibm's x < 0 branch operation for operation):
 *
 *   reduction  x = n·π/2 + (y0 + y1)                              (__ieee754_rem_pio2)
 *     ix ≤ π/4's:           n = 0, y0 = x, y1 = 0 (sin uses __kernel_sin's iy = 0 form)
 *     ix < 3π/4's:          n = ±1, z = t − pio2_1, P = pio2_1t; where ix = π/2's (0x3ff921fb)
 *                           z = (t − pio2_1) − pio2_2, P = pio2_2t; y0 = z − P, y1 = (z − y0) − P
 *     ix ≤ 0x413921fb:      n = ±trunc(t·invpio2 + ½), r = t − n·pio2_1, w = n·pio2_1t, y0 = r − w;
 *                           where n ≥ 32 or ix = npio2_hw[n−1] (the high word of n·pio2_1)
 *                           and x's exponent exceeds y0's by more than 16 (then 49), a 2nd
 *                           (3rd) round with (p, pt) = (pio2_2, pio2_2t) (then pio2_3, pio2_3t):
 *                           t' = r, w' = n·p, r = t' − w', w = n·pt − ((t' − r) − w'), y0 = r − w;
 *                           finally y1 = (r − y0) − w
 *   kernels on |y0| ≤ π/4 (hy = the high word of |y0|, z = y0²)
 *     sin: hy < 2⁻²⁷'s: y0; v = z·y0, r = S2 + z·(S3 + z·(S4 + z·(S5 + z·S6)));
 *          iy = 0: y0 + v·(S1 + z·r), else y0 − ((z·(½y1 − v·r) − y1) − v·S1)   (__kernel_sin)
 *     cos: hy < 2⁻²⁷'s: 1; r = z·(C1 + z·(C2 + … + z·C6)), qx = 0 for hy < 0.3's, 0.28125 for
 *          hy > 0.78125's, else the double with high word hy − 0x00200000 (|y0|/4 truncated);
 *          (1 − qx) − ((½z − qx) − (z·r − y0·y1))                                (__kernel_cos;
 *          with qx = 0 this is fdlibm's 1 − (½z − (z·r − y0·y1)): 1 − 0 and ½z − 0 are exact)
 *   quadrant   sin = S, C, −S, −C and cos = C, −S, −C, S for n mod 4 = 0, 1, 2, 3
 *   special    NaN, ±∞: x − x (as fdlibm); a high word above 0x413921fb (|x| ≳ 2²⁰·π/2 ≈ 1.6·10⁶,
 *              fdlibm's comment says 2¹⁹·π/2; __kernel_rem_pio2 takes those): not covered, the
 *              lane's value is unspecified ({@link sinCosLaneInRange})
 *
 * Every case is computed on both lanes and the lane's own one selected (v128.bitselect), so each
 * lane performs exactly its branch's operations (WebAssembly never fuses a·b + c); only the 2nd
 * and 3rd rounds are skipped (one branch on v128.any_true) where no lane of any vector takes them,
 * which leaves every lane's value unchanged. The reduction and both kernels are shared by sin and
 * cos of the same x.
 */
import { CodeBuffer, I32, V128, groupLocals, namedLocals, op, type FunctionSpec, type ValueType } from "./assembler.js";
import {
  interleavedTemps,
  loadPadded,
  vectorSteps,
  WasmLaneFunction,
  type LaneEmitter,
} from "./lane-function.js";
import { compileKernels, instantiateKernels, newMemory, type WasmMemory } from "./runtime.js";
import {
  INV_PIO2,
  PIO2_1,
  PIO2_1T,
  PIO2_2,
  PIO2_2T,
  PIO2_3,
  PIO2_3T,
  SIN_S1 as S1,
  SIN_S2 as S2,
  SIN_S3 as S3,
  SIN_S4 as S4,
  SIN_S5 as S5,
  SIN_S6 as S6,
  COS_C1 as C1,
  COS_C2 as C2,
  COS_C3 as C3,
  COS_C4 as C4,
  COS_C5 as C5,
  COS_C6 as C6,
} from "./fdlibm-constants.js";

/** The v128 scratch locals {@link emitSinCosF64x2} uses for its first vector; vector g > 0 appends `_g` ({@link sinCosTemps}). */
export const SINCOS_F64X2_TEMPS = [
  "scIx",
  "scT",
  "scN",
  "scR",
  "scW",
  "scY0",
  "scY1",
  "scM",
  "scR2",
  "scW2",
  "scZ",
  "scV",
  "scS",
  "scC",
] as const;

/** The scratch locals of {@link emitSinCosF64x2} for `vectors` interleaved vectors. */
export function sinCosTemps(vectors: number): string[] {
  return interleavedTemps(SINCOS_F64X2_TEMPS, vectors);
}

/**
 * The largest high word of |x| the lanes reduce: fdlibm's medium-size path (its comment says
 * "|x| ~<= 2^19*(pi/2)"; the bound 0x413921fb is 2²⁰·π/2's high word, |x| < 1 647 100).
 */
export const SINCOS_LANE_MAX_HIGH_WORD = 0x413921fb;

const highWord = new Float64Array(1);
const highWordBits = new Uint32Array(highWord.buffer);

/**
 * Whether the lanes of {@link emitSinCosF64x2} give `Math.sin(x)` / `Math.cos(x)` for x: every
 * finite x whose |x| has high word ≤ 0x413921fb (|x| < 2²⁰·π/2 ≈ 1.6·10⁶), and NaN and ±∞; false
 * for larger finite |x|.
 */
export function sinCosLaneInRange(x: number): boolean {
  highWord[0] = x;
  const ix = highWordBits[1] & 0x7fffffff;
  return ix <= SINCOS_LANE_MAX_HIGH_WORD || ix >= 0x7ff00000;
}

/**
 * Emits `local[sinOut[g]] = sin(local[x[g]])` and `local[cosOut[g]] = cos(local[x[g]])` per f64
 * lane for every vector g, the vectors' steps interleaved; bit-identical to `Math.sin` /
 * `Math.cos` for the arguments {@link sinCosLaneInRange} accepts (see the module comment). A null
 * output is not computed; an output may be any of the x (every x is read before the first output
 * is written); the scratch locals are {@link sinCosTemps}.
 */
export function emitSinCosF64x2(
  c: CodeBuffer,
  get: (name: string) => number[],
  set: (name: string) => number[],
  x: readonly string[],
  sinOut: readonly (string | null)[],
  cosOut: readonly (string | null)[],
): void {
  if (sinOut.length !== x.length || cosOut.length !== x.length)
    throw new RangeError("emitSinCosF64x2: as many sin and cos outputs as inputs");
  for (let g = 0; g < x.length; g++)
    if (sinOut[g] !== null && sinOut[g] === cosOut[g])
      throw new RangeError(`emitSinCosF64x2: sin and cos both write ${sinOut[g]}`);
  if (x.length === 0) return;
  const f = (v: number) => op.f64x2Const(v);
  const i = (v: number) => op.i64x2Const(v);
  const each = vectorSteps(get, set, SINCOS_F64X2_TEMPS, x, x, "emitSinCosF64x2");
  const exponentOf = (v: number[]) => [...v, ...op.f64x2Abs, ...op.i32Const(52), ...op.i64x2ShrU];

  // ix = high word of |x|, t = |x|
  each((get, set, x) => c.emit(get(x), op.f64x2Abs, set("scT")));
  each((get, set) => c.emit(get("scT"), op.i32Const(32), op.i64x2ShrU, set("scIx")));
  // medium path: n = trunc(t·invpio2 + ½), r = t − n·pio2_1, w = n·pio2_1t, y0 = r − w
  each((get, set) =>
    c.emit(get("scT"), f(INV_PIO2), op.f64x2Mul, f(0.5), op.f64x2Add, op.f64x2Trunc, set("scN")),
  );
  each((get, set) => c.emit(get("scN"), f(PIO2_1), op.f64x2Mul, set("scR")));
  // quick = n < 32 and ix ≠ npio2_hw[n−1] (= the high word of n·pio2_1 for n ≤ 32), in scM
  each((get, set) => {
    c.emit(get("scN"), f(32), op.f64x2Lt, get("scR"), op.i32Const(32), op.i64x2ShrU, get("scIx"));
    c.emit(op.i64x2Eq, op.v128Andnot, set("scM"));
  });
  each((get, set) => c.emit(get("scT"), get("scR"), op.f64x2Sub, set("scR")));
  each((get, set) => c.emit(get("scN"), f(PIO2_1T), op.f64x2Mul, set("scW")));
  each((get, set) => c.emit(get("scR"), get("scW"), op.f64x2Sub, set("scY0")));
  // the 2nd and 3rd rounds, where not quick and x's exponent exceeds y0's by more than 16, then 49
  // (the 3rd only where the 2nd ran); each is skipped when no lane of any vector takes it
  const round = (p: number, pt: number, gap: number, inner: () => void) => {
    // round 2: mask = ¬quick ∧ (j − e(y0) > 16); round 3: mask ∧ (j − e(y0) > 49), y0 from round 2
    each((get, set) => {
      c.emit(exponentOf(get("scY0")), i(gap), op.i64x2Add, get("scIx"), op.i32Const(20), op.i64x2ShrU);
      c.emit(op.i64x2LtS, get("scM"), gap === 16 ? op.v128Andnot : op.v128And, set("scM"));
    });
    each((get, _set, _x, _out, g) => c.emit(get("scM"), g > 0 ? op.v128Or : []));
    c.emit(op.v128AnyTrue, op.if);
    each((get, set) => c.emit(get("scN"), f(p), op.f64x2Mul, set("scW2")));
    each((get, set) => c.emit(get("scR"), get("scW2"), op.f64x2Sub, set("scR2")));
    each((get, set) => {
      c.emit(get("scN"), f(pt), op.f64x2Mul, get("scR"), get("scR2"), op.f64x2Sub, get("scW2"), op.f64x2Sub);
      c.emit(op.f64x2Sub, set("scW2"));
    });
    each((get, set) => c.emit(get("scR2"), get("scR"), get("scM"), op.v128Bitselect, set("scR")));
    each((get, set) => c.emit(get("scW2"), get("scW"), get("scM"), op.v128Bitselect, set("scW")));
    each((get, set) => {
      c.emit(get("scR2"), get("scW2"), op.f64x2Sub, get("scY0"), get("scM"), op.v128Bitselect, set("scY0"));
    });
    inner();
    c.emit(op.end);
  };
  round(PIO2_2, PIO2_2T, 16, () => round(PIO2_3, PIO2_3T, 49, () => {}));
  // y1 = (r − y0) − w
  each((get, set) => c.emit(get("scR"), get("scY0"), op.f64x2Sub, get("scW"), op.f64x2Sub, set("scY1")));
  // |x| < 3π/4: n = 1, z = t − pio2_1 (− pio2_2 where ix = π/2's), y0 = z − P, y1 = (z − y0) − P
  each((get, set) => c.emit(get("scIx"), i(0x3ff921fb), op.i64x2Eq, set("scM")));
  each((get, set) => {
    c.emit(get("scT"), f(PIO2_1), op.f64x2Sub, f(PIO2_2), f(0), get("scM"), op.v128Bitselect);
    c.emit(op.f64x2Sub, set("scR2"));
  });
  each((get, set) => c.emit(f(PIO2_2T), f(PIO2_1T), get("scM"), op.v128Bitselect, set("scW2")));
  each((get, set) => c.emit(get("scR2"), get("scW2"), op.f64x2Sub, set("scV")));
  each((get, set) => c.emit(get("scIx"), i(0x4002d97c), op.i64x2LtS, set("scM")));
  each((get, set) => c.emit(get("scV"), get("scY0"), get("scM"), op.v128Bitselect, set("scY0")));
  each((get, set) => {
    c.emit(get("scR2"), get("scV"), op.f64x2Sub, get("scW2"), op.f64x2Sub, get("scY1"), get("scM"));
    c.emit(op.v128Bitselect, set("scY1"));
  });
  each((get, set) => c.emit(f(1), get("scN"), get("scM"), op.v128Bitselect, set("scN")));
  // |x| ≤ π/4: n = 0, y0 = t, y1 = 0 (mask kept in scM for the sin kernel's iy)
  each((get, set) => c.emit(get("scIx"), i(0x3fe921fc), op.i64x2LtS, set("scM")));
  each((get, set) => c.emit(get("scT"), get("scY0"), get("scM"), op.v128Bitselect, set("scY0")));
  each((get, set) => c.emit(get("scY1"), get("scM"), op.v128Andnot, set("scY1")));
  each((get, set) => c.emit(get("scN"), get("scM"), op.v128Andnot, set("scN")));
  // x < 0: y0, y1, n negated; n's low bits from n + 1.5·2⁵² (exact) into scN
  each((get, set, x) => c.emit(get(x), f(-0), op.v128And, set("scV")));
  each((get, set) => c.emit(get("scY0"), get("scV"), op.v128Xor, set("scY0")));
  each((get, set) => c.emit(get("scY1"), get("scV"), op.v128Xor, set("scY1")));
  each((get, set) => c.emit(get("scN"), get("scV"), op.v128Xor, f(1.5 * 2 ** 52), op.f64x2Add, set("scN")));
  // kernels: z = y0², v = z·y0, hy = high word of |y0| (in scIx)
  each((get, set) => c.emit(get("scY0"), get("scY0"), op.f64x2Mul, set("scZ")));
  each((get, set) => c.emit(get("scZ"), get("scY0"), op.f64x2Mul, set("scV")));
  each((get, set) => c.emit(get("scY0"), op.f64x2Abs, op.i32Const(32), op.i64x2ShrU, set("scIx")));
  // sin: r = S2 + z·(S3 + z·(S4 + z·(S5 + z·S6))) (in scS)
  each((get, set) => c.emit(f(S5), get("scZ"), f(S6), op.f64x2Mul, op.f64x2Add, set("scS")));
  for (const s of [S4, S3, S2])
    each((get, set) => c.emit(f(s), get("scZ"), get("scS"), op.f64x2Mul, op.f64x2Add, set("scS")));
  // cos: r = z·(C1 + z·(C2 + z·(C3 + z·(C4 + z·(C5 + z·C6))))) (in scC)
  each((get, set) => c.emit(f(C5), get("scZ"), f(C6), op.f64x2Mul, op.f64x2Add, set("scC")));
  for (const k of [C4, C3, C2, C1])
    each((get, set) => c.emit(f(k), get("scZ"), get("scC"), op.f64x2Mul, op.f64x2Add, set("scC")));
  each((get, set) => c.emit(get("scZ"), get("scC"), op.f64x2Mul, set("scC")));
  // sin: y0 + v·(S1 + z·r) where iy = 0 (scM), else y0 − ((z·(½y1 − v·r) − y1) − v·S1)
  each((get, set) => {
    c.emit(get("scY0"), get("scV"), f(S1), get("scZ"), get("scS"), op.f64x2Mul, op.f64x2Add, op.f64x2Mul);
    c.emit(op.f64x2Add, get("scY0"), get("scZ"), f(0.5), get("scY1"), op.f64x2Mul, get("scV"), get("scS"));
    c.emit(op.f64x2Mul, op.f64x2Sub, op.f64x2Mul, get("scY1"), op.f64x2Sub, get("scV"), f(S1), op.f64x2Mul);
    c.emit(op.f64x2Sub, op.f64x2Sub, get("scM"), op.v128Bitselect, set("scS"));
  });
  // cos: qx = 0.28125 (hy > 0.78125's), 0 (hy < 0.3's), else the high word hy − 0x00200000 (in scW)
  each((get, set) => {
    c.emit(f(0.28125), get("scIx"), i(0x00200000), op.i64x2Sub, op.i32Const(32), op.i64x2Shl);
    c.emit(get("scIx"), i(0x3fe90000), op.i64x2GtS, op.v128Bitselect);
    c.emit(get("scIx"), i(0x3fd33333), op.i64x2LtS, op.v128Andnot, set("scW"));
  });
  // cos: (1 − qx) − ((½z − qx) − (z·r − y0·y1))
  each((get, set) => {
    c.emit(f(1), get("scW"), op.f64x2Sub, f(0.5), get("scZ"), op.f64x2Mul, get("scW"), op.f64x2Sub);
    c.emit(get("scZ"), get("scC"), op.f64x2Mul, get("scY0"), get("scY1"), op.f64x2Mul, op.f64x2Sub);
    c.emit(op.f64x2Sub, op.f64x2Sub, set("scC"));
  });
  // tiny y0 (hy < 2⁻²⁷'s): sin y0, cos 1
  each((get, set) => c.emit(get("scIx"), i(0x3e400000), op.i64x2LtS, set("scM")));
  each((get, set) => c.emit(get("scY0"), get("scS"), get("scM"), op.v128Bitselect, set("scS")));
  each((get, set) => c.emit(f(1), get("scC"), get("scM"), op.v128Bitselect, set("scC")));
  // quadrant: odd n swaps the kernels; sin negated where n & 2, cos where (n + 1) & 2 (sign bit
  // from bit 1 shifted to bit 63); NaN and ±∞: x − x
  each((get, set, x) => c.emit(get(x), op.f64x2Abs, f(Infinity), op.i64x2GeS, set("scIx")));
  each((get, set) => c.emit(get("scN"), i(1), op.v128And, i(1), op.i64x2Eq, set("scM")));
  each((get, set, x, _out, g) => {
    const s = sinOut[g];
    if (s === null) return;
    c.emit(get(x), get(x), op.f64x2Sub, get("scC"), get("scS"), get("scM"), op.v128Bitselect);
    c.emit(get("scN"), i(2), op.v128And, op.i32Const(62), op.i64x2Shl, op.v128Xor);
    c.emit(get("scIx"), op.v128Bitselect, set("scR"));
  });
  each((get, set, x, _out, g) => {
    const s = cosOut[g];
    if (s === null) return;
    c.emit(get(x), get(x), op.f64x2Sub, get("scS"), get("scC"), get("scM"), op.v128Bitselect);
    c.emit(get("scN"), i(1), op.i64x2Add, i(2), op.v128And, op.i32Const(62), op.i64x2Shl, op.v128Xor);
    c.emit(get("scIx"), op.v128Bitselect, set("scW"));
  });
  each((get, set, _x, _out, g) => {
    const s = sinOut[g];
    const k = cosOut[g];
    if (s !== null) c.emit(get("scR"), set(s));
    if (k !== null) c.emit(get("scW"), set(k));
  });
}

/**
 * Arguments (as IEEE-754 bit patterns) where fdlibm's sin or cos (V8's `Math.sin` / `Math.cos`)
 * differs from glibc's correctly rounded-in-practice libm (python3's `math.sin` / `math.cos` on
 * Linux), by one ulp: in every reduction branch, |x| ≤ π/4, < 3π/4 and beyond. A runtime whose
 * `Math.sin` is not fdlibm (e.g. V8 built with V8_USE_LIBM_TRIG_FUNCTIONS) fails this set, and the
 * lane functions turn themselves off rather than give different numbers.
 */
export const SINCOS_PROBE_BITS: readonly string[] = [
  "bfd1ca61f5cd70a4",
  "3fbab3ca6b599999",
  "bfbb0576657ae147",
  "3fbc2cc53228f5c2",
  "bfcbcc8dc047ae14",
  "3fcd200fd175c28f",
  "bfd275655f199999",
  "3fcf9ee85c43d70a",
  "bfe7a929371828f6",
  "3fe918e67bdc7ae2",
  "bfdf909e96bd1eb8",
  "bfe29472520eb852",
  "3fe6e6621d88f5c3",
  "bfe81c73e3d570a4",
  "3fda9c298fa3d70a",
  "bfe497619d4b0a3e",
  "c00286dbf6e1d2f2",
  "3feac6519a666667",
  "c00016f5944ad0e6",
  "c002448e5bab0a3e",
  "4002799f7098418a",
  "4001f877ae2570a4",
  "bff11d0d06bf6c8c",
  "3ff18c77f050d4fe",
  "c010917815b1999a",
  "c0047814cba28f5c",
  "c0109ae95f5947ae",
  "4014130765f9999a",
  "c005345f419eb852",
  "c0038ffcaccccccd",
  "4016d591046947ae",
  "40158546efa947ae",
  "c05d94181529f333",
  "40563e984918b333",
  "c063596eb60e4666",
  "c0307fccca8b0000",
  "40282e5fa4bc999a",
  "4067aad2feceb333",
  "c060cbb8d689a333",
  "404160f8f20a8000",
  "4122ba6da2577ce0",
  "4123d1ef588e8aa0",
  "41117795f9be2180",
  "c113b50fe24e6f00",
  "410617f5a403a580",
  "40d76229fc860c00",
  "4124940d68d0f700",
];

/** The probe arguments of {@link SINCOS_PROBE_BITS} as doubles. */
export function sinCosProbeArguments(): Float64Array {
  const bits = new BigUint64Array(SINCOS_PROBE_BITS.map((h) => BigInt(`0x${h}`)));
  return new Float64Array(bits.buffer);
}

/**
 * Whether {@link emitSinCosF64x2} gives `referenceSin` and `referenceCos` bit for bit on the probe
 * arguments ({@link SINCOS_PROBE_BITS}); false without WebAssembly SIMD.
 */
export function sinCosLanesMatch(
  referenceSin: (x: number) => number,
  referenceCos: (x: number) => number,
): boolean {
  const both = WasmSinCos.unchecked();
  if (both === null) return false;
  const x = sinCosProbeArguments();
  const s = new Float64Array(x.length);
  const k = new Float64Array(x.length);
  both.apply(x, s, k);
  for (let j = 0; j < x.length; j++)
    if (!Object.is(s[j], referenceSin(x[j])) || !Object.is(k[j], referenceCos(x[j]))) return false;
  return true;
}

let runtimeMatch: boolean | undefined;

/** {@link sinCosLanesMatch} against this runtime's `Math.sin` and `Math.cos`, computed once. */
export function sinCosLanesMatchRuntime(): boolean {
  runtimeMatch ??= sinCosLanesMatch(Math.sin, Math.cos);
  return runtimeMatch;
}

/** The lane sin alone, and the lane cos alone, as array-kernel emitters. */
const sinEmitter: LaneEmitter = (c, get, set, x, out) =>
  emitSinCosF64x2(
    c,
    get,
    set,
    x,
    out,
    x.map(() => null),
  );
const cosEmitter: LaneEmitter = (c, get, set, x, out) =>
  emitSinCosF64x2(
    c,
    get,
    set,
    x,
    x.map(() => null),
    out,
  );

/**
 * {@link emitSinCosF64x2} over arrays: `WasmSin.create()!.apply(x, out)` sets out[i] = sin(x[i]),
 * bit-identical to `Math.sin` for the arguments {@link sinCosLaneInRange} accepts (others are
 * unspecified: callers send them to `Math.sin`); null without WebAssembly SIMD or where the runtime's
 * `Math.sin` / `Math.cos` are not fdlibm's ({@link sinCosLanesMatchRuntime}).
 */
export const WasmSin = {
  create: (): WasmLaneFunction | null =>
    sinCosLanesMatchRuntime() ? WasmLaneFunction.create("sinArray", sinEmitter, sinCosTemps, 2) : null,
};

/** cos as {@link WasmSin}: out[i] = cos(x[i]), bit-identical to `Math.cos` where the lanes cover x. */
export const WasmCos = {
  create: (): WasmLaneFunction | null =>
    sinCosLanesMatchRuntime() ? WasmLaneFunction.create("cosArray", cosEmitter, sinCosTemps, 2) : null,
};

/**
 * Vectors per iteration of the sin-and-cos array kernel: 2 ran faster than 1, 3 and 4 here (7.7
 * against 8.6, 8.5 and 9.3 CPU ns per value on θ = 2πv; more vectors spill more v128 locals).
 */
const SINCOS_VECTORS = 2;

/** `sinCosArray(src, sinDst, cosDst, end)`: both outputs per step of 2·V lanes from byte `src` up to `end`. */
function sinCosArraySpec(): FunctionSpec {
  const V = SINCOS_VECTORS;
  const vs = Array.from({ length: V }, (_, g) => `v${g}`);
  const ks = Array.from({ length: V }, (_, g) => `k${g}`);
  const params = ["src", "sinDst", "cosDst", "end"];
  const names = [...params, ...vs, ...ks, ...sinCosTemps(V)];
  const types: ValueType[] = new Array<ValueType>(names.length - params.length).fill(V128);
  const { at, get, set } = namedLocals(names, "sinCosArray");
  const c = new CodeBuffer();
  c.doWhileBelow(at("src"), at("end"), op.i32Const(16 * V), () => {
    vs.forEach((v, g) => c.emit(get("src"), op.v128Load(16 * g), set(v)));
    emitSinCosF64x2(c, get, set, vs, vs, ks);
    vs.forEach((v, g) => c.emit(get("sinDst"), get(v), op.v128Store(16 * g)));
    ks.forEach((k, g) => c.emit(get("cosDst"), get(k), op.v128Store(16 * g)));
    c.emit(get("sinDst"), op.i32Const(16 * V), op.i32Add, set("sinDst"));
    c.emit(get("cosDst"), op.i32Const(16 * V), op.i32Add, set("cosDst"));
  });
  return { name: "sinCosArray", params: [I32, I32, I32, I32], locals: groupLocals(types), code: c.bytes };
}

/**
 * sin and cos of the same arguments in one pass (one shared reduction):
 * `WasmSinCos.create()!.apply(x, sin, cos)`; null as {@link WasmSin}.
 */
export class WasmSinCos {
  private memory: WasmMemory;
  private f64: Float64Array;
  private readonly run: (src: number, sinDst: number, cosDst: number, end: number) => void;

  private constructor(memory: WasmMemory, run: WasmSinCos["run"]) {
    this.memory = memory;
    this.run = run;
    this.f64 = new Float64Array(memory.buffer);
  }

  /** The kernel, or null without WebAssembly SIMD or where the runtime is not fdlibm's ({@link sinCosLanesMatchRuntime}). */
  static create(): WasmSinCos | null {
    return sinCosLanesMatchRuntime() ? WasmSinCos.unchecked() : null;
  }

  /** The kernel without the runtime check (null without WebAssembly SIMD). */
  static unchecked(): WasmSinCos | null {
    const module = compileKernels([sinCosArraySpec()]);
    const memory = newMemory(1);
    if (module === null || memory === null) return null;
    const k = instantiateKernels<{ sinCosArray?: WasmSinCos["run"] }>(module, memory);
    if (k.sinCosArray === undefined) throw new Error("sinCosArray: kernel not exported");
    return new WasmSinCos(memory, k.sinCosArray);
  }

  /** sinOut[i] = sin(x[i]), cosOut[i] = cos(x[i]) for i < n (default x.length). */
  apply(x: ArrayLike<number>, sinOut: Float64Array, cosOut: Float64Array, n = x.length): void {
    if (sinOut.length < n || cosOut.length < n)
      throw new RangeError(`apply: outputs hold ${Math.min(sinOut.length, cosOut.length)} < ${n} values`);
    const padded = this.load(x, n);
    this.evaluate(padded);
    const m = this.f64;
    for (let i = 0; i < n; i++) {
      sinOut[i] = m[padded + i];
      cosOut[i] = m[2 * padded + i];
    }
  }

  /** Copies x[0 … n−1] into the kernel's input (zero-padded); returns the padded length. */
  load(x: ArrayLike<number>, n: number): number {
    const padded = loadPadded(this.memory, x, n, 2 * SINCOS_VECTORS, 3);
    this.f64 = new Float64Array(this.memory.buffer);
    return padded;
  }

  /** sin and cos of the `padded` loaded values, in WebAssembly memory only (for timing the kernel). */
  evaluate(padded: number): void {
    this.run(0, 8 * padded, 16 * padded, 8 * padded);
  }
}
