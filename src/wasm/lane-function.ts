/**
 * One elementwise function on f64x2 lanes, run over an array: the kernel loads 2·V doubles per
 * step (V independent vectors, so the CPU overlaps their chains), applies the function's emitter
 * to each vector and stores the results. Shared by the lane tanh and exp (src/wasm/tanh.ts,
 * src/wasm/exp.ts), whose emitters are bit-identical to `Math.tanh` / `Math.exp` per lane.
 */
import { CodeBuffer, I32, V128, groupLocals, namedLocals, op, type FunctionSpec, type ValueType } from "./assembler.js";
import { compileKernels, instantiateKernels, newMemory, PAGE_BYTES, type WasmMemory } from "./runtime.js";

/** Emits `local[out_g] = f(local[x_g])` per lane for each vector g (see emitTanhF64x2). */
export type LaneEmitter = (
  c: CodeBuffer,
  get: (name: string) => number[],
  set: (name: string) => number[],
  x: readonly string[],
  out: readonly string[],
) => void;

/** The emitter's scratch local names for `vectors` interleaved vectors. */
export type LaneTemps = (vectors: number) => string[];

/** Scratch names for `vectors` vectors: the first vector's names, then `name_g` for vector g > 0. */
export function interleavedTemps(base: readonly string[], vectors: number): string[] {
  const names: string[] = [];
  for (let g = 0; g < vectors; g++) for (const n of base) names.push(g === 0 ? n : `${n}_${g}`);
  return names;
}

/** One step of an emitter for vector g: `get`/`set` reach its scratch locals under vector g's names. */
export type VectorStep = (
  get: (name: string) => number[],
  set: (name: string) => number[],
  x: string,
  out: string,
  g: number,
) => void;

/**
 * The per-vector scaffolding of a lane emitter over interleaved vectors: `each(step)` emits
 * `step` once for every vector g in turn (independent chains, interleaved for the CPU), with the
 * emitter's scratch names `temps` renamed to vector g's own (`name_g` for g > 0, as
 * {@link interleavedTemps} declares them) and x = xs[g], out = outs[g] (one name: one vector).
 */
export function vectorSteps(
  get: (name: string) => number[],
  set: (name: string) => number[],
  temps: readonly string[],
  x: string | readonly string[],
  out: string | readonly string[],
  who: string,
): (step: VectorStep) => void {
  const xs = typeof x === "string" ? [x] : x;
  const outs = typeof out === "string" ? [out] : out;
  if (outs.length !== xs.length) throw new RangeError(`${who}: as many outputs as inputs`);
  const scratch = new Set(temps);
  let g = 0;
  const rename = (n: string) => (g > 0 && scratch.has(n) ? `${n}_${g}` : n);
  const vg = (n: string) => get(rename(n));
  const vs = (n: string) => set(rename(n));
  return (step) => {
    for (g = 0; g < xs.length; g++) step(vg, vs, xs[g], outs[g], g);
  };
}

/**
 * Copies x[0 … n−1] to the start of `memory`, zero-padded to a multiple of `unit` values, after
 * growing the memory to hold `buffers` such padded arrays (input and outputs); returns the padded
 * length. Growing detaches the old buffer: callers take new views of `memory.buffer`.
 */
export function loadPadded(
  memory: WasmMemory,
  x: ArrayLike<number>,
  n: number,
  unit: number,
  buffers: number,
): number {
  const padded = Math.ceil(n / unit) * unit;
  const bytes = 8 * buffers * padded;
  if (memory.buffer.byteLength < bytes)
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
  const m = new Float64Array(memory.buffer, 0, padded);
  for (let i = 0; i < n; i++) m[i] = x[i];
  m.fill(0, n);
  return padded;
}

/** Vectors per iteration of the array kernel, unless the function asks for another count. */
const ARRAY_VECTORS = 4;
/** Values per buffer unit: the largest iteration (2 lanes × 4 vectors), so every count divides it. */
const PAD = 2 * ARRAY_VECTORS;

/** `name(src, dst, end)`: dst[i] = f(src[i]), 2·V lanes per step from byte `src` up to `end`. */
function arraySpec(name: string, emit: LaneEmitter, temps: LaneTemps, V: number): FunctionSpec {
  const vs = Array.from({ length: V }, (_, g) => `v${g}`);
  const params = ["src", "dst", "end"];
  const names = [...params, ...vs, ...temps(V)];
  const types: ValueType[] = new Array<ValueType>(names.length - params.length).fill(V128);
  const { at, get, set } = namedLocals(names, name);
  const c = new CodeBuffer();
  c.doWhileBelow(at("src"), at("end"), op.i32Const(16 * V), () => {
    vs.forEach((v, g) => c.emit(get("src"), op.v128Load(16 * g), set(v)));
    emit(c, get, set, vs, vs);
    vs.forEach((v, g) => c.emit(get("dst"), get(v), op.v128Store(16 * g)));
    c.emit(get("dst"), op.i32Const(16 * V), op.i32Add, set("dst"));
  });
  return { name, params: [I32, I32, I32], locals: groupLocals(types), code: c.bytes };
}

/**
 * An elementwise lane function over arrays: `apply(x, out)` sets out[i] = f(x[i]).
 * {@link create} gives null without WebAssembly SIMD.
 */
export class WasmLaneFunction {
  private memory: WasmMemory;
  private f64: Float64Array;
  private readonly run: (src: number, dst: number, end: number) => void;
  /** Values per buffer set by {@link reserve} (a multiple of 2·ARRAY_VECTORS). */
  private reserved = 0;

  /** Values per kernel iteration (2 lanes × the vectors). */
  private readonly lanesPerStep: number;

  private constructor(memory: WasmMemory, run: WasmLaneFunction["run"], lanesPerStep: number) {
    this.lanesPerStep = lanesPerStep;
    this.memory = memory;
    this.run = run;
    this.f64 = new Float64Array(memory.buffer);
  }

  /**
   * `vectors` (1, 2 or 4) independent vectors per kernel iteration: more hide the latency of a short
   * chain, fewer keep a long one in registers (the lane sin is fastest at 2).
   */
  static create(
    name: string,
    emit: LaneEmitter,
    temps: LaneTemps,
    vectors: 1 | 2 | 4 = ARRAY_VECTORS,
  ): WasmLaneFunction | null {
    const module = compileKernels([arraySpec(name, emit, temps, vectors)]);
    const memory = newMemory(1);
    if (module === null || memory === null) return null;
    const k = instantiateKernels<Record<string, (src: number, dst: number, end: number) => void>>(
      module,
      memory,
    );
    const run = k[name];
    if (run === undefined) throw new Error(`${name}: kernel not exported`);
    return new WasmLaneFunction(memory, run, 2 * vectors);
  }

  /** out[i] = f(x[i]) for i < n (default x.length). */
  apply(x: ArrayLike<number>, out: Float64Array, n = x.length): void {
    if (out.length < n) throw new RangeError(`apply: out holds ${out.length} < ${n} values`);
    const padded = this.load(x, n);
    this.evaluate(padded);
    const m = this.f64;
    for (let i = 0; i < n; i++) out[i] = m[padded + i];
  }

  /** Copies x[0 … n−1] into the kernel's input (zero-padded); returns the padded length. */
  load(x: ArrayLike<number>, n: number): number {
    const padded = loadPadded(this.memory, x, n, PAD, 2);
    this.f64 = new Float64Array(this.memory.buffer);
    return padded;
  }

  /** f of the `padded` loaded values, in WebAssembly memory only (no copies: for timing the kernel). */
  evaluate(padded: number): void {
    this.run(0, 8 * padded, 8 * padded);
  }

  /**
   * Buffers in the kernel's memory for batches of up to `n` values, without copies: write the
   * arguments into `input[0 … m)`, call {@link applyReserved}(m), read f of them from `output`.
   * The views stay valid until the next call of `reserve`, `load` or `apply`.
   */
  reserve(n: number): { input: Float64Array; output: Float64Array } {
    const half = Math.ceil(Math.max(n, 1) / PAD) * PAD;
    this.load([], 2 * half);
    this.reserved = half;
    return { input: this.f64.subarray(0, half), output: this.f64.subarray(half, 2 * half) };
  }

  /** Sets the reserved `output[i]` = f(`input[i]`) for i < m (and up to the kernel's next step). */
  applyReserved(m: number): void {
    const half = this.reserved;
    if (!(m >= 0 && m <= half)) throw new RangeError(`applyReserved: m must be in [0, ${half}], got ${m}`);
    const step = this.lanesPerStep;
    const end = Math.ceil(m / step) * step;
    if (end > 0) this.run(0, 8 * half, 8 * end);
  }
}
