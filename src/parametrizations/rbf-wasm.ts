/**
 * WebAssembly SIMD (f64x2) kernels of {@link RbfFeatures}' one-output linear layer over its kept
 * feature matrix φ (T×K, row-major, in the kernels' memory), following the scalar loops of rbf.ts:
 *
 * - forward(w, phi, out, rowsEnd): z_t = Σ_k W_k·φ_{t,k} from +0 in k order (b added by the
 *   caller), two states in the lanes (rows t, t+1 loaded along k and paired by i8x16.shuffle), eight
 *   states per pass over k; `rowsEnd` = the byte offset of the first row past the last full group.
 * - backward(phi, gw, g, rowsEnd): for each group of four states in t order whose g are all
 *   nonzero, ∇W_k = (((∇W_k + g₀φ₀ₖ) + g₁φ₁ₖ) + g₂φ₂ₖ) + g₃φ₃ₖ; a group with a zero g adds
 *   g_t·φ_{t,k} state by state, skipping g_t = 0 — the scalar loops' order and skips. Two features
 *   in the lanes.
 *
 * Each lane performs the scalar loop's operations in its order (WebAssembly never fuses a·b + c), so
 * the results are bit-identical for any values, non-finite ones included. K is built into the
 * module (one module per K), so every row offset is a constant.
 */
import {
  CodeBuffer,
  F64,
  I32,
  V128,
  compileKernels,
  groupLocals,
  instantiateKernels,
  namedLocals,
  newMemory,
  op,
  PAGE_BYTES,
  type FunctionSpec,
  type ValueType,
  type WasmMemory,
  type WasmModule,
} from "../wasm/index.js";
import { emitExpF64x2, expTemps } from "../wasm/exp.js";

/** States per pass of the forward kernel. */
export const RBF_FORWARD_ROWS = 8;
/** States per group of the backward kernel (the scalar loop's unrolling). */
export const RBF_BACKWARD_ROWS = 4;

const LOW_LANES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const HIGH_LANES = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];

interface Exports {
  features(x: number, ct: number, out: number, rowStride: number, rowsEnd: number): void;
  forward(w: number, phi: number, out: number, rowsEnd: number): void;
  backward(phi: number, gw: number, g: number, rowsEnd: number): void;
}

function spec(
  name: string,
  params: readonly string[],
  locals: Record<string, ValueType>,
  body: (
    c: CodeBuffer,
    get: (n: string) => number[],
    set: (n: string) => number[],
    at: (n: string) => number,
  ) => void,
): FunctionSpec {
  const names = [...params, ...Object.keys(locals)];
  const { at } = namedLocals(names, `rbf kernel ${name}`);
  const c = new CodeBuffer();
  body(
    c,
    (n) => op.localGet(at(n)),
    (n) => op.localSet(at(n)),
    at,
  );
  return { name, params: params.map(() => I32), locals: groupLocals(Object.values(locals)), code: c.bytes };
}

/** Feature pairs per pass of the features kernel (independent exp chains). */
const EXP_VECTORS = 4;

/**
 * features(x, ct, out, rowStride, rowsEnd): for each state row (S doubles from x, rows of φ
 * `rowStride` bytes apart from out, up to `rowsEnd`) φ_k = exp(−γ·d²), d² = Σ_s (x_s − c_{k,s})²
 * from +0 in s order (the scalar featuresOf), two features in the lanes; `ct` holds −γ (twice),
 * then the centres transposed (S rows of KP = K rounded up to even). An odd K's last feature is
 * stored from lane 0 alone.
 */
function featuresKernel(K: number, S: number): FunctionSpec {
  const KP = K + (K % 2);
  const pairs = KP / 2;
  const bulk = pairs - (pairs % EXP_VECTORS); // pairs done EXP_VECTORS at a time
  const xNames = Array.from({ length: S }, (_, s) => `x${s}`);
  const vNames = Array.from({ length: EXP_VECTORS }, (_, g) => `v${g}`);
  const dNames = Array.from({ length: EXP_VECTORS }, (_, g) => `d${g}`);
  return spec(
    "features",
    ["x", "ct", "out", "rowStride", "rowsEnd"],
    {
      o: I32,
      oEnd: I32,
      ng: V128,
      ...Object.fromEntries(
        [...xNames, ...vNames, ...dNames, ...expTemps(EXP_VECTORS)].map((n) => [n, V128] as const),
      ),
    },
    (c, get, set, at) => {
      c.emit(get("ct"), op.v128Load(0), set("ng"));
      /** v_g = −γ·Σ_s (x_s − c_{k,s})² for the feature pair at byte o + 16·g of a centre row. */
      const distances = (count: number, offset: number) => {
        for (let g = 0; g < count; g++) c.emit(op.v128Zero, set(`v${g}`));
        for (let s = 0; s < S; s++)
          for (let g = 0; g < count; g++) {
            c.emit(
              get(`x${s}`),
              get("ct"),
              get("o"),
              op.i32Add,
              op.v128Load(16 + 8 * s * KP + offset + 16 * g),
            );
            c.emit(op.f64x2Sub, set(`d${g}`), get(`v${g}`), get(`d${g}`), get(`d${g}`), op.f64x2Mul);
            c.emit(op.f64x2Add, set(`v${g}`));
          }
        for (let g = 0; g < count; g++) c.emit(get("ng"), get(`v${g}`), op.f64x2Mul, set(`v${g}`));
      };
      c.emit(get("out"), get("rowsEnd"), op.i32LtU, op.if);
      c.doWhileBelow(at("out"), at("rowsEnd"), [...op.localGet(at("rowStride"))], () => {
        for (let s = 0; s < S; s++) c.emit(get("x"), op.v128Load64Splat(8 * s), set(`x${s}`));
        c.emit(op.i32Const(0), set("o"));
        if (bulk > 0) {
          c.emit(op.i32Const(16 * bulk), set("oEnd"));
          c.doWhileBelow(at("o"), at("oEnd"), op.i32Const(16 * EXP_VECTORS), () => {
            distances(EXP_VECTORS, 0);
            emitExpF64x2(c, get, set, vNames, vNames);
            vNames.forEach((v, g) => c.emit(get("out"), get("o"), op.i32Add, get(v), op.v128Store(16 * g)));
          });
        }
        // the remaining pairs, one at a time (o = 16·bulk here)
        for (let p = bulk; p < pairs; p++) {
          const offset = 16 * (p - bulk);
          distances(1, offset);
          emitExpF64x2(c, get, set, "v0", "v0");
          c.emit(get("out"), get("o"), op.i32Add);
          if (2 * p + 1 < K) c.emit(get("v0"), op.v128Store(offset));
          else c.emit(get("v0"), op.f64x2ExtractLane(0), op.f64Store(offset));
        }
        c.emit(get("x"), op.i32Const(8 * S), op.i32Add, set("x"));
      });
      c.emit(op.end);
    },
  );
}

function rbfKernels(K: number, S: number): FunctionSpec[] {
  const RB = 8 * K; // bytes per row of φ
  const kEven = 8 * (K - (K % 2)); // bytes of the paired features
  const odd = K % 2 === 1;
  const P = RBF_FORWARD_ROWS / 2;
  const accs = Array.from({ length: P }, (_, j) => `acc${j}`);
  const forward = spec(
    "forward",
    ["w", "phi", "out", "rowsEnd"],
    {
      row: I32,
      q: I32,
      qEnd: I32,
      wq: I32,
      o: I32,
      w0: V128,
      w1: V128,
      a: V128,
      b: V128,
      ...Object.fromEntries(accs.map((n) => [n, V128] as const)),
    },
    (c, get, set, at) => {
      c.emit(get("phi"), set("row"), get("out"), set("o"));
      c.emit(get("row"), get("rowsEnd"), op.i32LtU, op.if);
      c.doWhileBelow(at("row"), at("rowsEnd"), op.i32Const(RBF_FORWARD_ROWS * RB), () => {
        for (const n of accs) c.emit(op.v128Zero, set(n));
        if (kEven > 0) {
          c.emit(
            get("row"),
            set("q"),
            get("row"),
            op.i32Const(kEven),
            op.i32Add,
            set("qEnd"),
            get("w"),
            set("wq"),
          );
          c.doWhileBelow(at("q"), at("qEnd"), op.i32Const(16), () => {
            c.emit(get("wq"), op.v128Load64Splat(0), set("w0"), get("wq"), op.v128Load64Splat(8), set("w1"));
            accs.forEach((acc, j) => {
              c.emit(
                get("q"),
                op.v128Load(2 * j * RB),
                set("a"),
                get("q"),
                op.v128Load((2 * j + 1) * RB),
                set("b"),
              );
              // acc += W_k·(φ_{t,k}, φ_{t+1,k}); acc += W_{k+1}·(φ_{t,k+1}, φ_{t+1,k+1})
              c.emit(
                get(acc),
                get("w0"),
                get("a"),
                get("b"),
                op.i8x16Shuffle(LOW_LANES),
                op.f64x2Mul,
                op.f64x2Add,
              );
              c.emit(
                get("w1"),
                get("a"),
                get("b"),
                op.i8x16Shuffle(HIGH_LANES),
                op.f64x2Mul,
                op.f64x2Add,
                set(acc),
              );
            });
            c.emit(get("wq"), op.i32Const(16), op.i32Add, set("wq"));
          });
        }
        if (odd) {
          c.emit(get("w"), op.v128Load64Splat(kEven), set("w0"));
          accs.forEach((acc, j) => {
            c.emit(get("row"), op.v128Load64Splat(2 * j * RB + kEven), get("row"));
            c.emit(op.f64Load((2 * j + 1) * RB + kEven), op.f64x2ReplaceLane(1), set("a"));
            c.emit(get(acc), get("w0"), get("a"), op.f64x2Mul, op.f64x2Add, set(acc));
          });
        }
        accs.forEach((acc, j) => c.emit(get("o"), get(acc), op.v128Store(16 * j)));
        c.emit(get("o"), op.i32Const(8 * RBF_FORWARD_ROWS), op.i32Add, set("o"));
      });
      c.emit(op.end);
    },
  );
  const R = RBF_BACKWARD_ROWS;
  const gNames = Array.from({ length: R }, (_, i) => `g${i}`);
  const gvNames = Array.from({ length: R }, (_, i) => `gv${i}`);
  const backward = spec(
    "backward",
    ["phi", "gw", "g", "rowsEnd"],
    {
      row: I32,
      q: I32,
      qEnd: I32,
      gp: I32,
      ...Object.fromEntries(gNames.map((n) => [n, F64] as const)),
      ...Object.fromEntries(gvNames.map((n) => [n, V128] as const)),
      acc: V128,
      s: F64,
    },
    (c, get, set, at) => {
      /** ∇W over the paired features, then the odd one: ∇W_k = ∇W_k + Σ_i g_i·φ_{i,k} for the rows `rows` (offsets from row). */
      const addRows = (rows: readonly number[]) => {
        if (kEven > 0) {
          c.emit(
            get("row"),
            set("q"),
            get("row"),
            op.i32Const(kEven),
            op.i32Add,
            set("qEnd"),
            get("gw"),
            set("gp"),
          );
          c.doWhileBelow(at("q"), at("qEnd"), op.i32Const(16), () => {
            c.emit(get("gp"), op.v128Load(0), set("acc"));
            for (const i of rows) {
              c.emit(
                get("acc"),
                get(`gv${i}`),
                get("q"),
                op.v128Load(i * RB),
                op.f64x2Mul,
                op.f64x2Add,
                set("acc"),
              );
            }
            c.emit(get("gp"), get("acc"), op.v128Store(0));
            c.emit(get("gp"), op.i32Const(16), op.i32Add, set("gp"));
          });
        }
        if (odd) {
          c.emit(get("gw"), op.f64Load(kEven), set("s"));
          for (const i of rows)
            c.emit(
              get("s"),
              get(`g${i}`),
              get("row"),
              op.f64Load(i * RB + kEven),
              op.f64Mul,
              op.f64Add,
              set("s"),
            );
          c.emit(get("gw"), get("s"), op.f64Store(kEven));
        }
      };
      c.emit(get("phi"), set("row"), get("g"), set("gp"));
      c.emit(get("row"), get("rowsEnd"), op.i32LtU, op.if);
      c.doWhileBelow(at("row"), at("rowsEnd"), op.i32Const(R * RB), () => {
        gNames.forEach((n, i) => {
          c.emit(get("g"), op.f64Load(8 * i), op.localTee(at(n)), op.f64x2Splat, set(`gv${i}`));
        });
        // all four nonzero (NaN counts as nonzero, as g === 0 is false for it)
        c.emit(op.i32Const(1));
        for (const n of gNames) c.emit(get(n), op.f64Const(0), op.f64Ne, op.i32And);
        c.emit(op.if);
        addRows(gNames.map((_, i) => i));
        c.emit(op.else);
        gNames.forEach((n, i) => {
          c.emit(get(n), op.f64Const(0), op.f64Ne, op.if);
          addRows([i]);
          c.emit(op.end);
        });
        c.emit(op.end);
        c.emit(get("g"), op.i32Const(8 * R), op.i32Add, set("g"));
      });
      c.emit(op.end);
    },
  );
  return [featuresKernel(K, S), forward, backward];
}

const modules = new Map<string, WasmModule | null>();

function rbfModule(K: number, S: number): WasmModule | null {
  const key = `${K},${S}`;
  let m = modules.get(key);
  if (m === undefined) {
    m = compileKernels(rbfKernels(K, S));
    modules.set(key, m);
  }
  return m;
}

/**
 * The one-output RBF layer's f64x2 kernels for K features with their memory: W and ∇W (copied in
 * and out per call), the upstream gradients, the outputs and the feature matrix φ ({@link phi}, a
 * view that {@link reserve} may replace). {@link create} gives null without WebAssembly SIMD.
 */
export class RbfKernels {
  readonly features: number;
  readonly inputDim: number;
  private readonly memory: WasmMemory;
  private readonly k: Exports;
  private capacity = 0;
  // fixed region: W, ∇W, [−γ, −γ, centres transposed], one state, its φ row
  private readonly wAt: number;
  private readonly gwAt: number;
  private readonly ctAt: number;
  private readonly stateAt: number;
  private readonly rowAt: number;
  private readonly fixedBytes: number;
  // batch region (grows): g, out, states, φ
  private gAt = 0;
  private outAt = 0;
  private statesAt = 0;
  private phiAt = 0;
  /** φ, T×K row-major (valid until the next {@link reserve} that grows). */
  phi = new Float64Array(0);
  /** φ of the state of the last {@link featuresOne} (valid until the memory grows). */
  row: Float64Array;
  private f64: Float64Array;

  private constructor(K: number, S: number, memory: WasmMemory, k: Exports) {
    this.features = K;
    this.inputDim = S;
    this.memory = memory;
    this.k = k;
    const al = (n: number) => 16 * Math.ceil((8 * n) / 16);
    const KP = K + (K % 2);
    this.wAt = 0;
    this.gwAt = al(K);
    this.ctAt = this.gwAt + al(K);
    this.stateAt = this.ctAt + al(2 + S * KP);
    this.rowAt = this.stateAt + al(S);
    this.fixedBytes = this.rowAt + al(KP);
    if (memory.buffer.byteLength < this.fixedBytes)
      memory.grow(Math.ceil((this.fixedBytes - memory.buffer.byteLength) / PAGE_BYTES));
    this.f64 = new Float64Array(memory.buffer);
    this.row = new Float64Array(memory.buffer, this.rowAt, K);
  }

  /** Kernels for K features of S-dimensional states, or null (no WebAssembly SIMD, sizes out of range). */
  static create(features: number, inputDim: number): RbfKernels | null {
    if (!Number.isInteger(features) || features < 1 || features > 100_000) return null;
    if (!Number.isInteger(inputDim) || inputDim < 1 || inputDim > 64) return null;
    const module = rbfModule(features, inputDim);
    const memory = newMemory(1);
    if (module === null || memory === null) return null;
    return new RbfKernels(features, inputDim, memory, instantiateKernels<Exports>(module, memory));
  }

  /** Room for T states; returns false when the memory cannot grow (the caller keeps its own φ). */
  reserve(T: number): boolean {
    if (T <= this.capacity) return true;
    const K = this.features;
    const S = this.inputDim;
    const cap = Math.max(T, 2 * this.capacity);
    const al = (n: number) => 16 * Math.ceil((8 * n) / 16);
    this.gAt = this.fixedBytes;
    this.outAt = this.gAt + al(cap);
    this.statesAt = this.outAt + al(cap);
    this.phiAt = this.statesAt + al(cap * S);
    const bytes = this.phiAt + 8 * cap * K + 16;
    const have = this.memory.buffer.byteLength;
    try {
      if (have < bytes) this.memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
    } catch {
      return false;
    }
    this.f64 = new Float64Array(this.memory.buffer);
    this.phi = new Float64Array(this.memory.buffer, this.phiAt, cap * K);
    this.row = new Float64Array(this.memory.buffer, this.rowAt, K);
    this.capacity = cap;
    return true;
  }

  /** The centres and γ last loaded (a copy, to skip reloading equal ones). */
  private loaded = new Float64Array(0);
  private loadedGamma = NaN;

  /** −γ and the centres (K×S row-major), transposed into the kernels' layout, unless already there. */
  private loadCentres(centres: Float64Array, gamma: number): void {
    const K = this.features;
    const S = this.inputDim;
    const n = K * S;
    let same = Object.is(this.loadedGamma, gamma) && this.loaded.length === n;
    for (let i = 0; same && i < n; i++) if (!Object.is(this.loaded[i], centres[i])) same = false;
    if (same) return;
    this.loaded = centres.slice(0, n);
    this.loadedGamma = gamma;
    const KP = K + (K % 2);
    const m = this.f64;
    const c0 = this.ctAt / 8;
    m[c0] = -gamma;
    m[c0 + 1] = -gamma;
    for (let s = 0; s < S; s++) {
      const base = c0 + 2 + s * KP;
      for (let k = 0; k < K; k++) m[base + k] = centres[k * S + s];
      if (KP > K) m[base + K] = 0;
    }
  }

  /** φ of the first T states (row-major T×S) into {@link phi}'s first T rows (T ≤ the reserved capacity). */
  featureRows(states: ArrayLike<number>, T: number, centres: Float64Array, gamma: number): void {
    const S = this.inputDim;
    const m = this.f64;
    const x0 = this.statesAt / 8;
    for (let i = 0; i < T * S; i++) m[x0 + i] = states[i];
    this.loadCentres(centres, gamma);
    const stride = 8 * this.features;
    this.k.features(this.statesAt, this.ctAt, this.phiAt, stride, this.phiAt + T * stride);
  }

  /** φ of the state at x[offset …] into {@link row}. */
  featuresOne(x: ArrayLike<number>, offset: number, centres: Float64Array, gamma: number): void {
    const S = this.inputDim;
    const m = this.f64;
    const x0 = this.stateAt / 8;
    for (let s = 0; s < S; s++) m[x0 + s] = x[offset + s];
    this.loadCentres(centres, gamma);
    this.k.features(this.stateAt, this.ctAt, this.rowAt, 16, this.rowAt + 16);
  }

  /** out[t] = Σ_k W_k·φ_{t,k} (no bias) for the first `rows` states, `rows` a multiple of {@link RBF_FORWARD_ROWS}. */
  forward(w: Float64Array, rows: number, out: Float64Array): void {
    const K = this.features;
    const m = this.f64;
    m.set(w.subarray(0, K), this.wAt / 8);
    this.k.forward(this.wAt, this.phiAt, this.outAt, this.phiAt + 8 * K * rows);
    const o = this.outAt / 8;
    for (let t = 0; t < rows; t++) out[t] = m[o + t];
  }

  /**
   * ∇W += the first `rows` states' g_t·φ_t in groups of {@link RBF_BACKWARD_ROWS} (see the module
   * comment), `rows` a multiple of it.
   */
  backward(g: Float64Array, rows: number, gw: Float64Array): void {
    const K = this.features;
    const m = this.f64;
    m.set(gw.subarray(0, K), this.gwAt / 8);
    m.set(g.subarray(0, rows), this.gAt / 8);
    this.k.backward(this.phiAt, this.gwAt, this.gAt, this.phiAt + 8 * K * rows);
    gw.set(m.subarray(this.gwAt / 8, this.gwAt / 8 + K));
  }
}
