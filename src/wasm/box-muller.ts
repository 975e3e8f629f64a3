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
import { CodeBuffer, I32, V128, groupLocals, op, type FunctionSpec, type ValueType } from "./assembler.js";
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
  const at = (n: string): number => {
    const k = names.indexOf(n);
    if (k < 0) throw new Error(`boxMuller: unknown local ${n}`);
    return k;
  };
  const get = (n: string) => op.localGet(at(n));
  const set = (n: string) => op.localSet(at(n));
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
 * Box–Muller pairs on lanes for batches of up to `capacity` pairs: write u into `u[0 … m)` and v
 * into `v[0 … m)`, call {@link run}(m) (m a multiple of 4), read z₁ of pair j at `z[2j]` and z₂ at
 * `z[2j + 1]`. {@link create} gives null without WebAssembly SIMD or where the lane ln, sin or cos
 * does not reproduce this runtime's `Math` functions.
 */
export class WasmBoxMuller {
  readonly u: Float64Array;
  readonly v: Float64Array;
  readonly z: Float64Array;
  readonly capacity: number;
  private readonly kernel: (u: number, v: number, dst: number, end: number) => void;

  private constructor(
    capacity: number,
    buffer: ArrayBuffer,
    kernel: (u: number, v: number, dst: number, end: number) => void,
  ) {
    this.capacity = capacity;
    this.u = new Float64Array(buffer, 0, capacity);
    this.v = new Float64Array(buffer, 8 * capacity, capacity);
    this.z = new Float64Array(buffer, 16 * capacity, 2 * capacity);
    this.kernel = kernel;
  }

  static create(capacity: number): WasmBoxMuller | null {
    if (!Number.isInteger(capacity) || capacity < PAIRS_PER_STEP || capacity % PAIRS_PER_STEP !== 0)
      throw new RangeError(
        `WasmBoxMuller: capacity must be a positive multiple of ${PAIRS_PER_STEP}, got ${capacity}`,
      );
    if (!sinCosLanesMatchRuntime()) return null;
    const module = compileKernels([kernelSpec()]);
    const memory = newMemory(Math.ceil((32 * capacity) / PAGE_BYTES));
    if (module === null || memory === null) return null;
    const k = instantiateKernels<{ boxMuller: WasmBoxMuller["kernel"] }>(module, memory);
    return new WasmBoxMuller(capacity, memory.buffer, k.boxMuller);
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
