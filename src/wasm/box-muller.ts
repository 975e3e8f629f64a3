/**
 * The Box–Muller transform on f64x2 lanes, bit-identical per pair to the scalar transform of
 * `Rng.normal` (src/random/rng.ts; docs/performance.md, "Normals"): for uniforms u ∈ (0, 1) and
 * v ∈ [0, 1),
 *
 *   r = √(−2·ln u),  θ = 2π·v,  z₁ = r·cos θ,  z₂ = r·sin θ,
 *
 * with ln, sin and cos the lane versions of `Math.log`, `Math.sin` and `Math.cos`
 * (src/wasm/log.ts, src/wasm/sincos.ts) and √, the products and the constants the same IEEE
 * operations as the scalar code's, so each pair gives the same two doubles. θ = 2πv lies in
 * [0, 2π), inside the range the lane sin and cos cover.
 */
import {
  CodeBuffer,
  F64,
  I32,
  I64,
  V128,
  groupLocals,
  namedLocals,
  op,
  type FunctionSpec,
  type ValueType,
} from "./assembler.js";
import { emitLogF64x2, logTemps } from "./log.js";
import { compileKernels, instantiateKernels, newMemory, PAGE_BYTES } from "./runtime.js";
import { emitSinCosF64x2, sinCosLanesMatchRuntime, sinCosTemps } from "./sincos.js";

const TWO_PI = 2 * Math.PI;
/** Vectors (of two pairs each) per kernel iteration. */
const VECTORS = 2;
/** Pairs per kernel iteration. */
const PAIRS_PER_STEP = 2 * VECTORS;

/** `boxMuller(u, v, dst, end)`: pairs from byte offsets u and v (8 bytes a pair) until u reaches `end`, the (z₁, z₂) interleaved at dst. */
function kernelSpec(): FunctionSpec {
  const V = VECTORS;
  const params = ["u", "v", "dst", "end"];
  const vecs = ["lnU", "r", "theta", "sinT", "cosT"];
  const local = (n: string, g: number) => `${n}${g}`;
  const own = Array.from({ length: V }, (_, g) => vecs.map((n) => local(n, g))).flat();
  const names = [...params, ...own, ...new Set([...logTemps(V), ...sinCosTemps(V)])];
  const types: ValueType[] = new Array<ValueType>(names.length - params.length).fill(V128);
  const { at, get, set } = namedLocals(names, "boxMuller");
  const gs = Array.from({ length: V }, (_, g) => g);
  const c = new CodeBuffer();
  c.doWhileBelow(at("u"), at("end"), op.i32Const(16 * V), () => {
    for (const g of gs) c.emit(get("u"), op.v128Load(16 * g), set(local("lnU", g)));
    for (const g of gs)
      c.emit(op.f64x2Const(TWO_PI), get("v"), op.v128Load(16 * g), op.f64x2Mul, set(local("theta", g)));
    emitLogF64x2(
      c,
      get,
      set,
      gs.map((g) => local("lnU", g)),
      gs.map((g) => local("lnU", g)),
    );
    // r = √(−2·ln u)
    for (const g of gs)
      c.emit(op.f64x2Const(-2), get(local("lnU", g)), op.f64x2Mul, op.f64x2Sqrt, set(local("r", g)));
    emitSinCosF64x2(
      c,
      get,
      set,
      gs.map((g) => local("theta", g)),
      gs.map((g) => local("sinT", g)),
      gs.map((g) => local("cosT", g)),
    );
    // z₁ = r·cos θ, z₂ = r·sin θ, stored as (z₁, z₂) per pair: lanes 0 of both, then lanes 1.
    for (const g of gs) {
      c.emit(get(local("r", g)), get(local("cosT", g)), op.f64x2Mul, set(local("cosT", g)));
      c.emit(get(local("r", g)), get(local("sinT", g)), op.f64x2Mul, set(local("sinT", g)));
      const lo = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
      const hi = lo.map((b) => b + 8);
      c.emit(
        get("dst"),
        get(local("cosT", g)),
        get(local("sinT", g)),
        op.i8x16Shuffle(lo),
        op.v128Store(32 * g),
      );
      c.emit(
        get("dst"),
        get(local("cosT", g)),
        get(local("sinT", g)),
        op.i8x16Shuffle(hi),
        op.v128Store(32 * g + 16),
      );
    }
    c.emit(get("v"), op.i32Const(16 * V), op.i32Add, set("v"));
    c.emit(get("dst"), op.i32Const(32 * V), op.i32Add, set("dst"));
  });
  return { name: "boxMuller", params: [I32, I32, I32, I32], locals: groupLocals(types), code: c.bytes };
}

/**
 * `uniforms(words, m)`: m pairs (u, v) of the xoroshiro128+ generator whose four 32-bit state words
 * sit at byte `words` (`Rng.getState()`'s order: high then low word of s₀, then of s₁), written to
 * the u and v vectors at bytes `uAt`, `vAt`, as `Rng.normal` draws them: u (redrawn while 0), then
 * v, each (hi₂₇·2²⁶ + lo₂₆)·2⁻⁵³ from two outputs. The generator runs on 64-bit integers (output
 * = low 32 bits of s₀ + s₁; s₁ ^= s₀, s₀ = rotl(s₀, 24) ^ s₁ ^ (s₁ ≪ 16), s₁ = rotl(s₁, 37)), the
 * same sequence pure-rand computes on 32-bit halves; the uniform's integer is exact in a double.
 */
function uniformsSpec(uAt: number, vAt: number): FunctionSpec {
  const names = ["words", "m", "j", "s0", "s1", "t", "hi", "x"];
  const types: ValueType[] = [I32, I64, I64, I64, I32, F64];
  const at = (n: string): number => names.indexOf(n);
  const get = (n: string) => op.localGet(at(n));
  const set = (n: string) => op.localSet(at(n));
  const c = new CodeBuffer();
  /** s₀ + s₁'s low 32 bits on the stack, then the generator advanced. */
  const output = () => {
    c.emit(get("s0"), get("s1"), op.i64Add, op.i32WrapI64);
    c.emit(get("s1"), get("s0"), op.i64Xor, set("t"));
    c.emit(get("s0"), op.i64Const(24), op.i64Rotl, get("t"), op.i64Xor, get("t"), op.i64Const(16), op.i64Shl);
    c.emit(op.i64Xor, set("s0"), get("t"), op.i64Const(37), op.i64Rotl, set("s1"));
  };
  /** x = (first >>> 5)·2²⁶ + (second >>> 6), times 2⁻⁵³. */
  const uniform = () => {
    output();
    c.emit(op.i32Const(5), op.i32ShrU, set("hi"));
    c.emit(get("hi"), op.i64ExtendI32U, op.i64Const(26), op.i64Shl);
    output();
    c.emit(op.i32Const(6), op.i32ShrU, op.i64ExtendI32U, op.i64Or, op.f64ConvertI64U);
    c.emit(op.f64Const(2 ** -53), op.f64Mul, set("x"));
  };
  /** The 64-bit word from the high and low 32-bit words at `words + offset`, `offset + 4`. */
  const load = (offset: number, into: string) => {
    c.emit(get("words"), op.i32Load(offset + 4), op.i64ExtendI32U);
    c.emit(
      get("words"),
      op.i32Load(offset),
      op.i64ExtendI32U,
      op.i64Const(32),
      op.i64Shl,
      op.i64Or,
      set(into),
    );
  };
  const store = (offset: number, from: string) => {
    c.emit(get("words"), get(from), op.i32WrapI64, op.i32Store(offset + 4));
    c.emit(get("words"), get(from), op.i64Const(32), op.i64ShrU, op.i32WrapI64, op.i32Store(offset));
  };
  load(0, "s0");
  load(8, "s1");
  c.emit(op.i32Const(0), set("j"));
  c.whileBelow(at("j"), at("m"), 1, () => {
    // u: drawn again while 0
    c.emit(op.loop);
    uniform();
    c.emit(get("x"), op.f64Const(0), op.f64Ne, op.i32Eqz, op.brIf(0), op.end);
    c.emit(get("j"), op.i32Const(3), op.i32Shl, get("x"), op.f64Store(uAt));
    uniform();
    c.emit(get("j"), op.i32Const(3), op.i32Shl, get("x"), op.f64Store(vAt));
  });
  store(0, "s0");
  store(8, "s1");
  return { name: "uniforms", params: [I32, I32], locals: groupLocals(types), code: c.bytes };
}

/**
 * Box–Muller pairs on lanes for batches of up to `capacity` pairs: write u into `u[0 … m)` and v
 * into `v[0 … m)`, call {@link run}(m) (m a multiple of 4), read z₁ of pair j at `z[2j]` and z₂ at
 * `z[2j + 1]`. {@link create} gives null without WebAssembly SIMD or where the lane ln, sin or cos
 * does not reproduce this runtime's `Math` functions.
 */
export class WasmBoxMuller {
  readonly u: Float64Array;
  readonly v: Float64Array;
  readonly z: Float64Array;
  /** The state words of `generators` xoroshiro128+ generators, four each (see {@link draw}). */
  readonly words: Int32Array;
  readonly capacity: number;
  private readonly kernel: (u: number, v: number, dst: number, end: number) => void;
  private readonly uniforms: (words: number, m: number) => void;

  private constructor(
    capacity: number,
    generators: number,
    buffer: ArrayBuffer,
    kernels: { boxMuller: WasmBoxMuller["kernel"]; uniforms: WasmBoxMuller["uniforms"] },
  ) {
    this.capacity = capacity;
    this.u = new Float64Array(buffer, 0, capacity);
    this.v = new Float64Array(buffer, 8 * capacity, capacity);
    this.z = new Float64Array(buffer, 16 * capacity, 2 * capacity);
    this.words = new Int32Array(buffer, 32 * capacity, 4 * generators);
    this.kernel = kernels.boxMuller;
    this.uniforms = kernels.uniforms;
  }

  /** Batches of up to `capacity` pairs; state words for `generators` generators (default none). */
  static create(capacity: number, generators = 0): WasmBoxMuller | null {
    if (!Number.isInteger(capacity) || capacity < PAIRS_PER_STEP || capacity % PAIRS_PER_STEP !== 0)
      throw new RangeError(
        `WasmBoxMuller: capacity must be a positive multiple of ${PAIRS_PER_STEP}, got ${capacity}`,
      );
    if (!Number.isInteger(generators) || generators < 0)
      throw new RangeError(`WasmBoxMuller: generators must be an integer >= 0, got ${generators}`);
    if (!sinCosLanesMatchRuntime()) return null;
    const module = compileKernels([kernelSpec(), uniformsSpec(0, 8 * capacity)]);
    const memory = newMemory(Math.max(1, Math.ceil((32 * capacity + 16 * generators) / PAGE_BYTES)));
    if (module === null || memory === null) return null;
    type Kernels = { boxMuller: WasmBoxMuller["kernel"]; uniforms: WasmBoxMuller["uniforms"] };
    return new WasmBoxMuller(
      capacity,
      generators,
      memory.buffer,
      instantiateKernels<Kernels>(module, memory),
    );
  }

  /**
   * u[j], v[j] for j < m: the next m uniform pairs of generator g (state words[4g … 4g + 3], which
   * advance), as `Rng.normal` draws them (u redrawn while 0).
   */
  draw(g: number, m: number): void {
    if (!(Number.isInteger(g) && g >= 0 && 4 * g < this.words.length))
      throw new RangeError(
        `WasmBoxMuller.draw: generator must be an integer in [0, ${this.words.length / 4 - 1}], got ${g}`,
      );
    if (!(Number.isInteger(m) && m >= 0 && m <= this.capacity))
      throw new RangeError(`WasmBoxMuller.draw: m must be an integer in [0, ${this.capacity}], got ${m}`);
    this.uniforms(this.words.byteOffset + 16 * g, m);
  }

  /** z[2j], z[2j + 1] = the Box–Muller pair of (u[j], v[j]) for j < m. */
  run(m: number): void {
    if (!(m > 0 && m <= this.capacity && m % PAIRS_PER_STEP === 0))
      throw new RangeError(
        `WasmBoxMuller.run: m must be a positive multiple of ${PAIRS_PER_STEP} up to ${this.capacity}, got ${m}`,
      );
    const c = this.capacity;
    this.kernel(0, 8 * c, 16 * c, 8 * m);
  }
}
