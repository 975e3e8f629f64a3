/**
 * WebAssembly SIMD (f64x2) kernels of the ReLU {@link ScalarMlp} (the paper's S→H→1 NN baselines:
 * pendulum S = 2, rocket 3, acrobot 4): the single-state forward, the batch forward and the batch
 * backward. The S = 2 kernels below follow the S = 2 scalar loops (u = W₁[h,0]x₀ + W₁[h,1]x₁ + b₁[h]);
 * the general ones ({@link generalKernels}) the loops for other S.
 *
 * Every kernel keeps each sum's order of the scalar loops, so the results are bit-identical:
 * - the batch backward puts two hidden units in the two lanes (four units per pass over t): each
 *   lane accumulates its unit's ∇w₂, ∇b₁, ∇W₁ over t in increasing order, as the scalar loop does;
 * - the batch forward puts two time steps in the lanes: each lane accumulates y_t over the units
 *   in increasing order;
 * - the single-state forward computes two units' products per instruction and adds them to y one
 *   lane at a time, in unit order.
 * ReLU's gate is a lane mask (f64x2.gt u > 0, then v128.and): an inactive unit contributes +0,
 * exactly (even where its product is ±∞ or NaN), and adding +0 leaves every running sum as it is
 * (each starts at +0 and so is never −0). That is the scalar branch `if (u > 0) sum += …`.
 * WebAssembly never fuses a·b + c, so each product and sum is rounded as in JavaScript.
 *
 * The parameters and their gradients live in the kernels' own WebAssembly memory (Float64Array
 * views over it, never grown, so the views stay valid), with scratch space for batches of up to
 * {@link MLP_KERNEL_MAX_BATCH} steps; longer batches take the scalar path.
 */
import {
  CodeBuffer,
  I32,
  F64,
  V128,
  compileKernels,
  groupLocals,
  instantiateKernels,
  newMemory,
  op,
  PAGE_BYTES,
  type FunctionSpec,
  type ValueType,
  type WasmMemory,
  type WasmModule,
} from "../wasm/index.js";
import { emitTanhF64x2, tanhTemps } from "../wasm/tanh.js";

/** Longest batch the kernels' scratch space holds. */
export const MLP_KERNEL_MAX_BATCH = 2048;
/** Bytes of one scratch column (x₀, x₁, g, out lie one after another, each this long). */
const COLUMN_BYTES = 8 * (MLP_KERNEL_MAX_BATCH + 2);

interface Exports {
  forward1(w1: number, b1: number, w2: number, x: number, y: number, end: number): void;
  forwardBatch(w1: number, b1: number, w2: number, cols: number, tEnd: number, hEnd: number): void;
  backward(
    w1: number,
    b1: number,
    w2: number,
    gw1: number,
    gb1: number,
    gw2: number,
    cols: number,
    tEnd: number,
    hEnd: number,
  ): void;
}

/** Lane picks of i8x16.shuffle: (a.lane0, b.lane0) and (a.lane1, b.lane1). */
const LOW_LANES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const HIGH_LANES = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];

/** Builds a function from named i32 parameters and typed locals. */
function kernel(
  name: string,
  paramNames: readonly string[],
  localTypes: Record<string, ValueType>,
  body: (c: CodeBuffer, at: (n: string) => number) => void,
): FunctionSpec {
  const index = new Map<string, number>();
  paramNames.forEach((p, i) => index.set(p, i));
  const locals: ValueType[] = [];
  for (const [n, t] of Object.entries(localTypes)) {
    if (index.has(n)) throw new Error(`mlp kernel ${name}: local ${n} shadows a parameter`);
    index.set(n, paramNames.length + locals.push(t) - 1);
  }
  const at = (n: string): number => {
    const i = index.get(n);
    if (i === undefined) throw new Error(`mlp kernel ${name}: unknown local ${n}`);
    return i;
  };
  const c = new CodeBuffer();
  body(c, at);
  return { name, params: paramNames.map(() => I32), locals: groupLocals(locals), code: c.bytes };
}

/**
 * forward1(w1, b1, w2, x, y, end): y[0] = Σ_h w₂[h]·ReLU(W₁[h,0]x₀ + W₁[h,1]x₁ + b₁[h]) in unit
 * order (without b₂), two units per iteration; `end` = 8·H bytes (H even).
 */
function forward1(): FunctionSpec {
  return kernel(
    "forward1",
    ["w1", "b1", "w2", "x", "y", "end"],
    { o: I32, x0: V128, x1: V128, a: V128, b: V128, u: V128, p: V128, acc: F64 },
    (c, at) => {
      const get = (n: string) => op.localGet(at(n));
      const set = (n: string) => op.localSet(at(n));
      c.emit(get("x"), op.v128Load64Splat(0), set("x0"));
      c.emit(get("x"), op.v128Load64Splat(8), set("x1"));
      c.emit(op.f64Const(0), set("acc"), op.i32Const(0), set("o"));
      c.doWhileBelow(at("o"), at("end"), op.i32Const(16), () => {
        // W₁ rows h and h+1: (w_h0, w_h1), (w_{h+1}0, w_{h+1}1) at w1 + 2o.
        c.emit(get("w1"), get("o"), op.i32Const(1), op.i32Shl, op.i32Add, op.v128Load(0), set("a"));
        c.emit(get("w1"), get("o"), op.i32Const(1), op.i32Shl, op.i32Add, op.v128Load(16), set("b"));
        // u = (w·0 x₀ + w·1 x₁) + b₁
        c.emit(get("a"), get("b"), op.i8x16Shuffle(LOW_LANES), get("x0"), op.f64x2Mul);
        c.emit(get("a"), get("b"), op.i8x16Shuffle(HIGH_LANES), get("x1"), op.f64x2Mul, op.f64x2Add);
        c.emit(get("b1"), get("o"), op.i32Add, op.v128Load(0), op.f64x2Add, set("u"));
        // p = (w₂·u) masked by u > 0
        c.emit(get("w2"), get("o"), op.i32Add, op.v128Load(0), get("u"), op.f64x2Mul);
        c.emit(get("u"), op.v128Zero, op.f64x2Gt, op.v128And, set("p"));
        c.emit(get("acc"), get("p"), op.f64x2ExtractLane(0), op.f64Add);
        c.emit(get("p"), op.f64x2ExtractLane(1), op.f64Add, set("acc"));
      });
      c.emit(get("y"), get("acc"), op.f64Store(0));
    },
  );
}

/**
 * forwardBatch(w1, b1, w2, cols, tEnd, hEnd): out[t] = Σ_h w₂[h]·ReLU(u_{h,t}) in unit order for
 * two time steps per lane pair (without b₂), ReLU(u) = pmax(+0, u); `cols` the scratch columns
 * (x₀, x₁, g, out), `tEnd` = cols + 8·T rounded up to 16 bytes, `hEnd` = 8·H bytes. Equal to the
 * masked sum where every out[t] is finite (an inactive unit adds w₂·(+0) = ±0 for finite w₂).
 */
function forwardBatch(): FunctionSpec {
  return kernel(
    "forwardBatch",
    ["w1", "b1", "w2", "cols", "tEnd", "hEnd"],
    { o: I32, t: I32, w0: V128, w1v: V128, b: V128, v: V128, u: V128 },
    (c, at) => {
      const get = (n: string) => op.localGet(at(n));
      const set = (n: string) => op.localSet(at(n));
      const OUT = 3 * COLUMN_BYTES;
      c.emit(get("cols"), set("t"));
      c.doWhileBelow(at("t"), at("tEnd"), op.i32Const(16), () => {
        c.emit(get("t"), op.v128Zero, op.v128Store(OUT));
      });
      c.emit(op.i32Const(0), set("o"));
      c.doWhileBelow(at("o"), at("hEnd"), op.i32Const(8), () => {
        c.emit(get("w1"), get("o"), op.i32Const(1), op.i32Shl, op.i32Add, op.v128Load64Splat(0), set("w0"));
        c.emit(get("w1"), get("o"), op.i32Const(1), op.i32Shl, op.i32Add, op.v128Load64Splat(8), set("w1v"));
        c.emit(get("b1"), get("o"), op.i32Add, op.v128Load64Splat(0), set("b"));
        c.emit(get("w2"), get("o"), op.i32Add, op.v128Load64Splat(0), set("v"));
        c.emit(get("cols"), set("t"));
        c.doWhileBelow(at("t"), at("tEnd"), op.i32Const(16), () => {
          c.emit(get("w0"), get("t"), op.v128Load(0), op.f64x2Mul);
          c.emit(get("w1v"), get("t"), op.v128Load(COLUMN_BYTES), op.f64x2Mul, op.f64x2Add);
          c.emit(get("b"), op.f64x2Add, set("u"));
          // out[t] += w₂·ReLU(u), ReLU(u) = pmax(+0, u)
          c.emit(get("t"), get("t"), op.v128Load(OUT));
          c.emit(get("v"), op.v128Zero, get("u"), op.f64x2Pmax, op.f64x2Mul);
          c.emit(op.f64x2Add, op.v128Store(OUT));
        });
      });
    },
  );
}

/**
 * backward(w1, b1, w2, gw1, gb1, gw2, cols, tEnd, hEnd): for four units per pass (two lane
 * pairs) and t = 0 … T−1 in order, with u = (W₁[h,0]x₀ + W₁[h,1]x₁) + b₁[h] and, where u > 0,
 *   ∇w₂ += g_t·u,  δ = g_t·w₂[h],  ∇b₁ += δ,  ∇W₁[h,0] += δ·x₀,  ∇W₁[h,1] += δ·x₁,
 * each sum accumulated from +0 and then added to the gradient. An inactive unit adds g_t·(+0),
 * +0 and (+0)·x = ±0 instead, which changes nothing for finite g_t and x (the caller's
 * condition). `cols` the scratch columns, `tEnd` = cols + 8·T (T ≥ 1), `hEnd` = 8·H (H a multiple of 4).
 */
function backward(): FunctionSpec {
  const pairs = ["A", "B"];
  const perPair: Record<string, ValueType> = {};
  for (const q of pairs)
    for (const n of ["w0", "w1", "b", "v", "u", "m", "d", "gw2", "gb1", "a0", "a1"]) perPair[n + q] = V128;
  return kernel(
    "backward",
    ["w1", "b1", "w2", "gw1", "gb1", "gw2", "cols", "tEnd", "hEnd"],
    { o: I32, t: I32, p: I32, lo: V128, hi: V128, x0v: V128, x1v: V128, gt: V128, ...perPair },
    (c, at) => {
      const get = (n: string) => op.localGet(at(n));
      const set = (n: string) => op.localSet(at(n));
      c.emit(op.i32Const(0), set("o"));
      c.doWhileBelow(at("o"), at("hEnd"), op.i32Const(16 * pairs.length), () => {
        pairs.forEach((q, k) => {
          // W₁ rows of this pair's two units at w1 + 2o + 32k.
          c.emit(get("w1"), get("o"), op.i32Const(1), op.i32Shl, op.i32Add, set("p"));
          c.emit(get("p"), op.v128Load(32 * k), set("lo"), get("p"), op.v128Load(32 * k + 16), set("hi"));
          c.emit(get("lo"), get("hi"), op.i8x16Shuffle(LOW_LANES), set("w0" + q));
          c.emit(get("lo"), get("hi"), op.i8x16Shuffle(HIGH_LANES), set("w1" + q));
          c.emit(get("b1"), get("o"), op.i32Add, op.v128Load(16 * k), set("b" + q));
          c.emit(get("w2"), get("o"), op.i32Add, op.v128Load(16 * k), set("v" + q));
          for (const n of ["gw2", "gb1", "a0", "a1"]) c.emit(op.v128Zero, set(n + q));
        });
        c.emit(get("cols"), set("t"));
        c.doWhileBelow(at("t"), at("tEnd"), op.i32Const(8), () => {
          c.emit(get("t"), op.v128Load64Splat(0), set("x0v"));
          c.emit(get("t"), op.v128Load64Splat(COLUMN_BYTES), set("x1v"));
          c.emit(get("t"), op.v128Load64Splat(2 * COLUMN_BYTES), set("gt"));
          for (const q of pairs) {
            const acc = (n: string, value: () => void) => {
              c.emit(get(n + q));
              value();
              c.emit(op.f64x2Add, set(n + q));
            };
            c.emit(get("w0" + q), get("x0v"), op.f64x2Mul, get("w1" + q), get("x1v"), op.f64x2Mul);
            c.emit(op.f64x2Add, get("b" + q), op.f64x2Add, set("u" + q));
            c.emit(get("u" + q), op.v128Zero, op.f64x2Gt, set("m" + q));
            // ∇w₂ += g·ReLU(u), ReLU(u) = u ∧ mask
            acc("gw2", () => c.emit(get("gt"), get("u" + q), get("m" + q), op.v128And, op.f64x2Mul));
            // δ = (g·w₂) ∧ mask, +0 for an inactive unit
            c.emit(get("gt"), get("v" + q), op.f64x2Mul, get("m" + q), op.v128And, set("d" + q));
            acc("gb1", () => c.emit(get("d" + q)));
            acc("a0", () => c.emit(get("d" + q), get("x0v"), op.f64x2Mul));
            acc("a1", () => c.emit(get("d" + q), get("x1v"), op.f64x2Mul));
          }
        });
        pairs.forEach((q, k) => {
          const addTo = (base: string, offset: number, value: () => void) => {
            c.emit(get(base), get("o"), op.i32Add);
            c.emit(get(base), get("o"), op.i32Add, op.v128Load(offset));
            value();
            c.emit(op.f64x2Add, op.v128Store(offset));
          };
          addTo("gw2", 16 * k, () => c.emit(get("gw2" + q)));
          addTo("gb1", 16 * k, () => c.emit(get("gb1" + q)));
          // ∇W₁ rows h, h+1 (interleaved [h][s]) at gw1 + 2o + 32k: (a0, a1) lane 0, then lane 1.
          c.emit(get("gw1"), get("o"), op.i32Const(1), op.i32Shl, op.i32Add, set("p"));
          c.emit(get("p"), get("p"), op.v128Load(32 * k), get("a0" + q), get("a1" + q));
          c.emit(op.i8x16Shuffle(LOW_LANES), op.f64x2Add, op.v128Store(32 * k));
          c.emit(get("p"), get("p"), op.v128Load(32 * k + 16), get("a0" + q), get("a1" + q));
          c.emit(op.i8x16Shuffle(HIGH_LANES), op.f64x2Add, op.v128Store(32 * k + 16));
        });
      });
    },
  );
}

/** The affine part u = (((0 + w₀x₀) + w₁x₁) + …) + b of the general-S scalar loops, on lanes. */
function emitAffine(
  c: CodeBuffer,
  get: (n: string) => number[],
  set: (n: string) => number[],
  S: number,
  w: (s: number) => void,
  x: (s: number) => void,
  b: () => void,
  u: string,
): void {
  c.emit(op.v128Zero, set(u));
  for (let s = 0; s < S; s++) {
    c.emit(get(u));
    w(s);
    x(s);
    c.emit(op.f64x2Mul, op.f64x2Add, set(u));
  }
  c.emit(get(u));
  b();
  c.emit(op.f64x2Add, set(u));
}

/**
 * The three kernels for S inputs (S ≠ 2), same arguments as the S = 2 ones, following the
 * general scalar loops: u = 0, u += W₁[h,s]·x_s for s in order, u += b₁[h]. Units in pairs (one
 * pair per pass over t in the backward); W₁[h,s] and W₁[h+1,s] (S apart) are gathered into lanes.
 */
function generalKernels(S: number): FunctionSpec[] {
  const COL = COLUMN_BYTES;
  const xNames = Array.from({ length: S }, (_, s) => `x${s}`);
  const wNames = Array.from({ length: S }, (_, s) => `ws${s}`);
  const aNames = Array.from({ length: S }, (_, s) => `a${s}`);
  const v128s = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, V128] as const));
  /** (W₁[h,s], W₁[h+1,s]) for the unit pair whose first row starts at local `wp`. */
  const pairWeight = (c: CodeBuffer, get: (n: string) => number[], s: number) => {
    c.emit(get("wp"), op.v128Load64Splat(8 * s), get("wp"), op.f64Load(8 * (S + s)), op.f64x2ReplaceLane(1));
  };
  const forward1Spec = kernel(
    "forward1",
    ["w1", "b1", "w2", "x", "y", "end"],
    { o: I32, wp: I32, ...v128s(xNames), u: V128, p: V128, acc: F64 },
    (c, at) => {
      const get = (n: string) => op.localGet(at(n));
      const set = (n: string) => op.localSet(at(n));
      for (let s = 0; s < S; s++) c.emit(get("x"), op.v128Load64Splat(8 * s), set(`x${s}`));
      c.emit(op.f64Const(0), set("acc"), op.i32Const(0), set("o"), get("w1"), set("wp"));
      c.doWhileBelow(at("o"), at("end"), op.i32Const(16), () => {
        emitAffine(
          c,
          get,
          set,
          S,
          (s) => pairWeight(c, get, s),
          (s) => c.emit(get(`x${s}`)),
          () => c.emit(get("b1"), get("o"), op.i32Add, op.v128Load(0)),
          "u",
        );
        c.emit(get("w2"), get("o"), op.i32Add, op.v128Load(0), get("u"), op.f64x2Mul);
        c.emit(get("u"), op.v128Zero, op.f64x2Gt, op.v128And, set("p"));
        c.emit(get("acc"), get("p"), op.f64x2ExtractLane(0), op.f64Add);
        c.emit(get("p"), op.f64x2ExtractLane(1), op.f64Add, set("acc"));
        c.emit(get("wp"), op.i32Const(16 * S), op.i32Add, set("wp"));
      });
      c.emit(get("y"), get("acc"), op.f64Store(0));
    },
  );
  const forwardBatchSpec = kernel(
    "forwardBatch",
    ["w1", "b1", "w2", "cols", "tEnd", "hEnd"],
    { o: I32, t: I32, wp: I32, ...v128s(wNames), b: V128, v: V128, u: V128 },
    (c, at) => {
      const get = (n: string) => op.localGet(at(n));
      const set = (n: string) => op.localSet(at(n));
      const OUT = (S + 1) * COL;
      c.emit(get("cols"), set("t"));
      c.doWhileBelow(at("t"), at("tEnd"), op.i32Const(16), () => {
        c.emit(get("t"), op.v128Zero, op.v128Store(OUT));
      });
      c.emit(op.i32Const(0), set("o"), get("w1"), set("wp"));
      c.doWhileBelow(at("o"), at("hEnd"), op.i32Const(8), () => {
        for (let s = 0; s < S; s++) c.emit(get("wp"), op.v128Load64Splat(8 * s), set(`ws${s}`));
        c.emit(get("b1"), get("o"), op.i32Add, op.v128Load64Splat(0), set("b"));
        c.emit(get("w2"), get("o"), op.i32Add, op.v128Load64Splat(0), set("v"));
        c.emit(get("cols"), set("t"));
        c.doWhileBelow(at("t"), at("tEnd"), op.i32Const(16), () => {
          emitAffine(
            c,
            get,
            set,
            S,
            (s) => c.emit(get(`ws${s}`)),
            (s) => c.emit(get("t"), op.v128Load(s * COL)),
            () => c.emit(get("b")),
            "u",
          );
          // out[t] += w₂·ReLU(u), ReLU(u) = pmax(+0, u)
          c.emit(get("t"), get("t"), op.v128Load(OUT));
          c.emit(get("v"), op.v128Zero, get("u"), op.f64x2Pmax, op.f64x2Mul);
          c.emit(op.f64x2Add, op.v128Store(OUT));
        });
        c.emit(get("wp"), op.i32Const(8 * S), op.i32Add, set("wp"));
      });
    },
  );
  const backwardSpec = kernel(
    "backward",
    ["w1", "b1", "w2", "gw1", "gb1", "gw2", "cols", "tEnd", "hEnd"],
    {
      o: I32,
      t: I32,
      wp: I32,
      gp: I32,
      ...v128s([...wNames, ...xNames, ...aNames]),
      b: V128,
      v: V128,
      gt: V128,
      u: V128,
      m: V128,
      d: V128,
      gw2v: V128,
      gb1v: V128,
    },
    (c, at) => {
      const get = (n: string) => op.localGet(at(n));
      const set = (n: string) => op.localSet(at(n));
      c.emit(op.i32Const(0), set("o"), get("w1"), set("wp"), get("gw1"), set("gp"));
      c.doWhileBelow(at("o"), at("hEnd"), op.i32Const(16), () => {
        for (let s = 0; s < S; s++) {
          pairWeight(c, get, s);
          c.emit(set(`ws${s}`), op.v128Zero, set(`a${s}`));
        }
        c.emit(get("b1"), get("o"), op.i32Add, op.v128Load(0), set("b"));
        c.emit(get("w2"), get("o"), op.i32Add, op.v128Load(0), set("v"));
        c.emit(op.v128Zero, set("gw2v"), op.v128Zero, set("gb1v"));
        c.emit(get("cols"), set("t"));
        c.doWhileBelow(at("t"), at("tEnd"), op.i32Const(8), () => {
          for (let s = 0; s < S; s++) c.emit(get("t"), op.v128Load64Splat(s * COL), set(`x${s}`));
          c.emit(get("t"), op.v128Load64Splat(S * COL), set("gt"));
          emitAffine(
            c,
            get,
            set,
            S,
            (s) => c.emit(get(`ws${s}`)),
            (s) => c.emit(get(`x${s}`)),
            () => c.emit(get("b")),
            "u",
          );
          c.emit(get("u"), op.v128Zero, op.f64x2Gt, set("m"));
          // ∇w₂ += g·ReLU(u); δ = (g·w₂) ∧ mask; ∇b₁ += δ; ∇W₁[·,s] += δ·x_s
          c.emit(
            get("gw2v"),
            get("gt"),
            get("u"),
            get("m"),
            op.v128And,
            op.f64x2Mul,
            op.f64x2Add,
            set("gw2v"),
          );
          c.emit(get("gt"), get("v"), op.f64x2Mul, get("m"), op.v128And, set("d"));
          c.emit(get("gb1v"), get("d"), op.f64x2Add, set("gb1v"));
          for (let s = 0; s < S; s++)
            c.emit(get(`a${s}`), get("d"), get(`x${s}`), op.f64x2Mul, op.f64x2Add, set(`a${s}`));
        });
        c.emit(
          get("gw2"),
          get("o"),
          op.i32Add,
          get("gw2"),
          get("o"),
          op.i32Add,
          op.v128Load(0),
          get("gw2v"),
          op.f64x2Add,
          op.v128Store(0),
        );
        c.emit(
          get("gb1"),
          get("o"),
          op.i32Add,
          get("gb1"),
          get("o"),
          op.i32Add,
          op.v128Load(0),
          get("gb1v"),
          op.f64x2Add,
          op.v128Store(0),
        );
        // ∇W₁ rows h (at gp) and h+1 (at gp + 8S), one entry at a time.
        for (let s = 0; s < S; s++) {
          c.emit(
            get("gp"),
            get("gp"),
            op.f64Load(8 * s),
            get(`a${s}`),
            op.f64x2ExtractLane(0),
            op.f64Add,
            op.f64Store(8 * s),
          );
          c.emit(
            get("gp"),
            get("gp"),
            op.f64Load(8 * (S + s)),
            get(`a${s}`),
            op.f64x2ExtractLane(1),
            op.f64Add,
            op.f64Store(8 * (S + s)),
          );
        }
        c.emit(get("wp"), op.i32Const(16 * S), op.i32Add, set("wp"));
        c.emit(get("gp"), op.i32Const(16 * S), op.i32Add, set("gp"));
      });
    },
  );
  return [forward1Spec, forwardBatchSpec, backwardSpec];
}

const modules = new Map<number, WasmModule | null>();

/** The compiled kernels for S inputs (the S = 2 ones, or the general ones), or null. */
function mlpModule(S: number): WasmModule | null {
  let m = modules.get(S);
  if (m === undefined) {
    m = compileKernels(S === 2 ? [forward1(), forwardBatch(), backward()] : generalKernels(S));
    modules.set(S, m);
  }
  return m;
}

/** 16-byte aligned regions of `lengths` doubles each, laid out one after another: their byte offsets and the total. */
function layout(lengths: readonly number[]): { offsets: number[]; bytes: number } {
  const offsets: number[] = [];
  let bytes = 0;
  for (const n of lengths) {
    offsets.push(bytes);
    bytes += Math.ceil((8 * n) / 16) * 16;
  }
  return { offsets, bytes };
}

/**
 * The parameters (data and gradients, PyTorch layouts) of an S→H→1 ReLU MLP in a WebAssembly
 * memory with the f64x2 kernels bound to it (the S = 2 kernels, or the general ones). {@link create}
 * gives null where WebAssembly SIMD is unavailable or H is not a multiple of 4.
 */
export class ReluMlpKernels {
  readonly inputDim: number;
  readonly hidden: number;
  readonly w1: Float64Array;
  readonly b1: Float64Array;
  readonly w2: Float64Array;
  readonly b2: Float64Array;
  readonly gw1: Float64Array;
  readonly gb1: Float64Array;
  readonly gw2: Float64Array;
  readonly gb2: Float64Array;
  /** The inputs' columns (x_s of step t at xs[s][t]), the upstream gradients and the batch outputs (scratch). */
  readonly xs: readonly Float64Array[];
  readonly g: Float64Array;
  readonly out: Float64Array;
  /** The single-state input (S) and output (1). */
  private readonly io: Float64Array;
  private readonly ptr: readonly number[];
  private readonly k: Exports;

  private constructor(
    S: number,
    hidden: number,
    k: Exports,
    buffer: ArrayBuffer,
    offsets: readonly number[],
  ) {
    this.inputDim = S;
    this.hidden = hidden;
    this.k = k;
    this.ptr = offsets;
    const H = hidden;
    const B = MLP_KERNEL_MAX_BATCH + 2;
    const view = (i: number, n: number) => new Float64Array(buffer, offsets[i], n);
    this.w1 = view(0, S * H);
    this.b1 = view(1, H);
    this.w2 = view(2, H);
    this.b2 = view(3, 1);
    this.gw1 = view(4, S * H);
    this.gb1 = view(5, H);
    this.gw2 = view(6, H);
    this.gb2 = view(7, 1);
    this.io = view(8, S + 2);
    // Columns lie COLUMN_BYTES apart from offsets[9]: x_0 … x_{S−1}, g, out.
    this.xs = Array.from({ length: S }, (_, s) => new Float64Array(buffer, offsets[9] + s * COLUMN_BYTES, B));
    this.g = new Float64Array(buffer, offsets[9] + S * COLUMN_BYTES, B);
    this.out = new Float64Array(buffer, offsets[9] + (S + 1) * COLUMN_BYTES, B);
  }

  static create(inputDim: number, hidden: number): ReluMlpKernels | null {
    if (!Number.isInteger(inputDim) || inputDim < 1 || inputDim > 64) return null;
    if (!Number.isInteger(hidden) || hidden < 4 || hidden % 4 !== 0) return null;
    const module = mlpModule(inputDim);
    if (module === null) return null;
    const S = inputDim;
    const H = hidden;
    const { offsets, bytes } = layout([S * H, H, H, 1, S * H, H, H, 1, S + 2, ((S + 2) * COLUMN_BYTES) / 8]);
    const memory = newMemory(Math.ceil(bytes / PAGE_BYTES));
    if (memory === null) return null;
    const k = instantiateKernels<Exports>(module, memory);
    return new ReluMlpKernels(S, hidden, k, memory.buffer, offsets);
  }

  /** Σ_h w₂[h]·ReLU(W₁[h,:]·x + b₁[h]) in unit order (b₂ not added) for the input at x[offset …]. */
  forwardOne(x: ArrayLike<number>, offset: number): number {
    const io = this.io;
    const S = this.inputDim;
    for (let s = 0; s < S; s++) io[s] = x[offset + s];
    const p = this.ptr;
    this.k.forward1(p[0], p[1], p[2], p[8], p[8] + 8 * S, 8 * this.hidden);
    return io[S];
  }

  /** out[t] = Σ_h w₂[h]·ReLU(u_{h,t}) for the T inputs in {@link xs} (b₂ not added). */
  forwardBatch(T: number): void {
    const p = this.ptr;
    this.k.forwardBatch(p[0], p[1], p[2], p[9], p[9] + 16 * Math.ceil(T / 2), 8 * this.hidden);
  }

  /** Adds ∇W₁, ∇b₁, ∇w₂ for the T inputs in {@link xs} and upstream gradients {@link g}. */
  backward(T: number): void {
    const p = this.ptr;
    this.k.backward(p[0], p[1], p[2], p[4], p[5], p[6], p[9], p[9] + 8 * T, 8 * this.hidden);
  }
}

/** Vectors of two time steps per pass of the tanh batch forward (independent tanh chains). */
const TANH_VECTORS = 4;
/** Time steps per pass of the tanh batch forward; columns are padded to a multiple of it. */
const TANH_STEP = 2 * TANH_VECTORS;

interface TanhExports {
  forwardBatch(
    w1: number,
    b1: number,
    w2: number,
    cols: number,
    act: number,
    stride: number,
    tEnd: number,
    hEnd: number,
  ): void;
  backward(
    w1: number,
    w2: number,
    gw1: number,
    gb1: number,
    gw2: number,
    cols: number,
    act: number,
    stride: number,
    tEnd: number,
    hEnd: number,
  ): void;
}

/**
 * The tanh MLP's two batch kernels for S inputs, following {@link ScalarMlp}'s scalar tanh loops:
 *
 * - forwardBatch(w1, b1, w2, cols, act, stride, tEnd, hEnd): for each unit h in order and two time
 *   steps per lane pair (four per pass), u = (((0 + W₁[h,0]x₀) + W₁[h,1]x₁) + …) + b₁[h],
 *   a = tanh u (src/wasm/tanh.ts, bit-identical to Math.tanh), act[h][t] = a, out[t] += w₂[h]·a.
 *   Columns x₀ … x_{S−1}, g, out lie `stride` bytes apart from `cols`, act's rows `stride` apart
 *   from `act`; `tEnd` = 8·T rounded up to a pass, `hEnd` = 8·H.
 * - backward(w1, w2, gw1, gb1, gw2, cols, act, stride, tEnd, hEnd): two units in the lanes, t in
 *   order: ∇w₂ += g_t·a, δ = (g_t·w₂)·(1 − a·a), ∇b₁ += δ, ∇W₁[·,s] += δ·x_s, each sum from +0,
 *   then stored (not added) at gw2, gb1, gw1 (H even, `tEnd` = 8·T).
 *
 * Every lane runs the scalar loop's operations in its order, so the sums are bit-identical for any
 * inputs, non-finite ones included.
 */
function tanhKernels(S: number): FunctionSpec[] {
  const xNames = Array.from({ length: S }, (_, s) => `x${s}`);
  const wNames = Array.from({ length: S }, (_, s) => `ws${s}`);
  const aNames = Array.from({ length: S }, (_, s) => `a${s}`);
  const v128s = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, V128] as const));
  const uNames = Array.from({ length: TANH_VECTORS }, (_, g) => `u${g}`);
  const forwardSpec = kernel(
    "forwardBatch",
    ["w1", "b1", "w2", "cols", "act", "stride", "tEnd", "hEnd"],
    {
      o: I32,
      t: I32,
      wp: I32,
      ar: I32,
      out: I32,
      ...v128s([...wNames, ...uNames, ...tanhTemps(TANH_VECTORS)]),
      b: V128,
      v: V128,
    },
    (c, at) => {
      const get = (n: string) => op.localGet(at(n));
      const set = (n: string) => op.localSet(at(n));
      // out column at cols + (S + 1)·stride, zeroed
      c.emit(get("cols"), get("stride"), op.i32Const(S + 1), op.i32Mul, op.i32Add, set("out"));
      c.emit(op.i32Const(0), set("t"));
      c.doWhileBelow(at("t"), at("tEnd"), op.i32Const(16), () => {
        c.emit(get("out"), get("t"), op.i32Add, op.v128Zero, op.v128Store(0));
      });
      c.emit(op.i32Const(0), set("o"), get("w1"), set("wp"), get("act"), set("ar"));
      c.doWhileBelow(at("o"), at("hEnd"), op.i32Const(8), () => {
        for (let s = 0; s < S; s++) c.emit(get("wp"), op.v128Load64Splat(8 * s), set(`ws${s}`));
        c.emit(get("b1"), get("o"), op.i32Add, op.v128Load64Splat(0), set("b"));
        c.emit(get("w2"), get("o"), op.i32Add, op.v128Load64Splat(0), set("v"));
        c.emit(op.i32Const(0), set("t"));
        c.doWhileBelow(at("t"), at("tEnd"), op.i32Const(16 * TANH_VECTORS), () => {
          uNames.forEach((u, g) => {
            const xAt = (s: number) => {
              c.emit(get("cols"), get("t"), op.i32Add);
              if (s > 0) c.emit(get("stride"), op.i32Const(s), op.i32Mul, op.i32Add);
              c.emit(op.v128Load(16 * g));
            };
            emitAffine(
              c,
              get,
              set,
              S,
              (s) => c.emit(get(`ws${s}`)),
              xAt,
              () => c.emit(get("b")),
              u,
            );
          });
          emitTanhF64x2(c, get, set, uNames, uNames);
          uNames.forEach((u, g) => {
            c.emit(get("ar"), get("t"), op.i32Add, get(u), op.v128Store(16 * g));
            c.emit(get("out"), get("t"), op.i32Add, get("out"), get("t"), op.i32Add, op.v128Load(16 * g));
            c.emit(get("v"), get(u), op.f64x2Mul, op.f64x2Add, op.v128Store(16 * g));
          });
        });
        c.emit(get("wp"), op.i32Const(8 * S), op.i32Add, set("wp"));
        c.emit(get("ar"), get("stride"), op.i32Add, set("ar"));
      });
    },
  );
  const backwardSpec = kernel(
    "backward",
    ["w1", "w2", "gw1", "gb1", "gw2", "cols", "act", "stride", "tEnd", "hEnd"],
    {
      o: I32,
      t: I32,
      wp: I32,
      gp: I32,
      ar: I32,
      p: I32,
      ...v128s([...wNames, ...xNames, ...aNames]),
      v: V128,
      gt: V128,
      a: V128,
      d: V128,
      gw2v: V128,
      gb1v: V128,
    },
    (c, at) => {
      const get = (n: string) => op.localGet(at(n));
      const set = (n: string) => op.localSet(at(n));
      c.emit(op.i32Const(0), set("o"), get("w1"), set("wp"), get("gw1"), set("gp"), get("act"), set("ar"));
      c.doWhileBelow(at("o"), at("hEnd"), op.i32Const(16), () => {
        for (let s = 0; s < S; s++) {
          c.emit(
            get("wp"),
            op.v128Load64Splat(8 * s),
            get("wp"),
            op.f64Load(8 * (S + s)),
            op.f64x2ReplaceLane(1),
          );
          c.emit(set(`ws${s}`), op.v128Zero, set(`a${s}`));
        }
        c.emit(get("w2"), get("o"), op.i32Add, op.v128Load(0), set("v"));
        c.emit(op.v128Zero, set("gw2v"), op.v128Zero, set("gb1v"));
        c.emit(op.i32Const(0), set("t"));
        c.doWhileBelow(at("t"), at("tEnd"), op.i32Const(8), () => {
          c.emit(get("cols"), get("t"), op.i32Add, set("p"));
          for (let s = 0; s < S; s++) {
            c.emit(get("p"));
            if (s > 0) c.emit(get("stride"), op.i32Const(s), op.i32Mul, op.i32Add);
            c.emit(op.v128Load64Splat(0), set(`x${s}`));
          }
          c.emit(
            get("p"),
            get("stride"),
            op.i32Const(S),
            op.i32Mul,
            op.i32Add,
            op.v128Load64Splat(0),
            set("gt"),
          );
          // a = (act[h][t], act[h+1][t])
          c.emit(get("ar"), get("t"), op.i32Add, set("p"));
          c.emit(get("p"), op.v128Load64Splat(0), get("p"), get("stride"), op.i32Add, op.f64Load(0));
          c.emit(op.f64x2ReplaceLane(1), set("a"));
          // ∇w₂ += g·a; δ = (g·w₂)·(1 − a·a); ∇b₁ += δ; ∇W₁[·,s] += δ·x_s
          c.emit(get("gw2v"), get("gt"), get("a"), op.f64x2Mul, op.f64x2Add, set("gw2v"));
          c.emit(get("gt"), get("v"), op.f64x2Mul, op.f64x2Const(1), get("a"), get("a"), op.f64x2Mul);
          c.emit(op.f64x2Sub, op.f64x2Mul, set("d"));
          c.emit(get("gb1v"), get("d"), op.f64x2Add, set("gb1v"));
          for (let s = 0; s < S; s++)
            c.emit(get(`a${s}`), get("d"), get(`x${s}`), op.f64x2Mul, op.f64x2Add, set(`a${s}`));
        });
        c.emit(get("gw2"), get("o"), op.i32Add, get("gw2v"), op.v128Store(0));
        c.emit(get("gb1"), get("o"), op.i32Add, get("gb1v"), op.v128Store(0));
        // ∇W₁ rows h (at gp) and h+1 (at gp + 8S)
        for (let s = 0; s < S; s++) {
          c.emit(get("gp"), get(`a${s}`), op.f64x2ExtractLane(0), op.f64Store(8 * s));
          c.emit(get("gp"), get(`a${s}`), op.f64x2ExtractLane(1), op.f64Store(8 * (S + s)));
        }
        c.emit(get("wp"), op.i32Const(16 * S), op.i32Add, set("wp"));
        c.emit(get("gp"), op.i32Const(16 * S), op.i32Add, set("gp"));
        c.emit(get("ar"), get("stride"), op.i32Const(1), op.i32Shl, op.i32Add, set("ar"));
      });
    },
  );
  return [forwardSpec, backwardSpec];
}

const tanhModules = new Map<number, WasmModule | null>();

/** The compiled tanh kernels for S inputs, or null. */
function tanhModule(S: number): WasmModule | null {
  let m = tanhModules.get(S);
  if (m === undefined) {
    m = compileKernels(tanhKernels(S));
    tanhModules.set(S, m);
  }
  return m;
}

/**
 * The f64x2 kernels of an S→H→1 tanh MLP (H even): the parameters stay in the caller's arrays and
 * are copied in per call; the batch (columns, activations) lives in a WebAssembly memory that grows
 * with the longest batch. {@link create} gives null where WebAssembly SIMD is unavailable or H is odd.
 */
export class TanhMlpKernels {
  readonly inputDim: number;
  readonly hidden: number;
  private readonly memory: WasmMemory;
  private readonly k: TanhExports;
  private f64: Float64Array;
  /** Steps each column (and activation row) holds. */
  private capacity = 0;
  private stride = 0;
  /** Byte offsets: parameters, gradients, columns, activations. */
  private w1 = 0;
  private b1 = 0;
  private w2 = 0;
  private gw1 = 0;
  private gb1 = 0;
  private gw2 = 0;
  private cols = 0;
  private act = 0;
  /** The batch length whose activations the kernels hold, or 0. */
  private kept = 0;

  private constructor(S: number, H: number, memory: WasmMemory, k: TanhExports) {
    this.inputDim = S;
    this.hidden = H;
    this.memory = memory;
    this.k = k;
    this.f64 = new Float64Array(memory.buffer);
  }

  static create(inputDim: number, hidden: number): TanhMlpKernels | null {
    if (!Number.isInteger(inputDim) || inputDim < 1 || inputDim > 64) return null;
    if (!Number.isInteger(hidden) || hidden < 2 || hidden % 2 !== 0) return null;
    const module = tanhModule(inputDim);
    if (module === null) return null;
    const memory = newMemory(1);
    if (memory === null) return null;
    return new TanhMlpKernels(inputDim, hidden, memory, instantiateKernels<TanhExports>(module, memory));
  }

  /** Lays the memory out for batches of up to T steps (growing it when needed). */
  private reserve(T: number): void {
    if (T <= this.capacity) return;
    const S = this.inputDim;
    const H = this.hidden;
    const capacity = Math.max(TANH_STEP * Math.ceil(T / TANH_STEP), 2 * this.capacity);
    const { offsets, bytes } = layout([S * H, H, H, S * H, H, H, (S + 2) * capacity, H * capacity]);
    const have = this.memory.buffer.byteLength;
    if (have < bytes) this.memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
    this.f64 = new Float64Array(this.memory.buffer);
    [this.w1, this.b1, this.w2, this.gw1, this.gb1, this.gw2, this.cols, this.act] = offsets;
    this.capacity = capacity;
    this.stride = 8 * capacity;
    this.kept = 0;
  }

  private loadParameters(w1: Float64Array, b1: Float64Array, w2: Float64Array): void {
    const m = this.f64;
    m.set(w1.subarray(0, this.inputDim * this.hidden), this.w1 / 8);
    m.set(b1.subarray(0, this.hidden), this.b1 / 8);
    m.set(w2.subarray(0, this.hidden), this.w2 / 8);
  }

  /**
   * out[t] = Σ_h w₂[h]·tanh(u_{h,t}) in unit order (b₂ not added) for the T inputs in `xt` (S×T,
   * column s at xt[s·T …]); keeps the activations for {@link backward}.
   */
  forward(
    w1: Float64Array,
    b1: Float64Array,
    w2: Float64Array,
    xt: Float64Array,
    T: number,
    out: Float64Array,
  ): void {
    this.reserve(T);
    this.loadParameters(w1, b1, w2);
    const m = this.f64;
    const S = this.inputDim;
    const cap = this.capacity;
    const c0 = this.cols / 8;
    const tEnd = TANH_STEP * Math.ceil(T / TANH_STEP);
    for (let s = 0; s < S; s++) {
      const base = c0 + s * cap;
      m.set(xt.subarray(s * T, s * T + T), base);
      for (let t = T; t < tEnd; t++) m[base + t] = 0;
    }
    this.k.forwardBatch(
      this.w1,
      this.b1,
      this.w2,
      this.cols,
      this.act,
      this.stride,
      8 * tEnd,
      8 * this.hidden,
    );
    const o = c0 + (S + 1) * cap;
    for (let t = 0; t < T; t++) out[t] = m[o + t];
    this.kept = T;
  }

  /** Whether the kernels hold the activations of a T-step batch (from {@link forward}). */
  holds(T: number): boolean {
    return this.kept === T && T > 0;
  }

  /** Forgets the kept activations. */
  forget(): void {
    this.kept = 0;
  }

  /**
   * The sums ∇W₁, ∇b₁, ∇w₂ of the kept batch for upstream gradients g, added to gw1, gb1, gw2
   * (each sum accumulated from +0 over t in order, then added, as the scalar loop does).
   */
  backward(
    w1: Float64Array,
    w2: Float64Array,
    g: Float64Array,
    gw1: Float64Array,
    gb1: Float64Array,
    gw2: Float64Array,
  ): void {
    const T = this.kept;
    const m = this.f64;
    const S = this.inputDim;
    const H = this.hidden;
    m.set(w1.subarray(0, S * H), this.w1 / 8);
    m.set(w2.subarray(0, H), this.w2 / 8);
    m.set(g.subarray(0, T), this.cols / 8 + S * this.capacity);
    this.k.backward(
      this.w1,
      this.w2,
      this.gw1,
      this.gb1,
      this.gw2,
      this.cols,
      this.act,
      this.stride,
      8 * T,
      8 * H,
    );
    const a = this.gw1 / 8;
    for (let i = 0; i < S * H; i++) gw1[i] += m[a + i];
    const b = this.gb1 / 8;
    const c = this.gw2 / 8;
    for (let h = 0; h < H; h++) {
      gw2[h] += m[c + h];
      gb1[h] += m[b + h];
    }
  }
}
