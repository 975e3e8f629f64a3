/**
 * A minimal WebAssembly binary assembler — only the instructions the GEMM kernels need — and the
 * slice of the WebAssembly JS API they use. Encodings follow the WebAssembly core specification
 * (binary format, §5) and the fixed-width SIMD proposal (0xfd-prefixed opcodes, LEB128 numbered).
 */

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

export function str(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

export const I32 = 0x7f;
export const V128 = 0x7b;

const simd = (code: number): number[] => [0xfd, ...uleb(code)];

export const op = {
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  localTee: (i: number) => [0x22, ...uleb(i)],
  i32Const: (v: number) => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32LtU: [0x49],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (d: number) => [0x0c, ...uleb(d)],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  i32Eqz: [0x45],
  // scalar floats (memarg: align log2, offset)
  f64Load: (offset: number) => [0x2b, 3, ...uleb(offset)],
  f64Store: (offset: number) => [0x39, 3, ...uleb(offset)],
  f32Add: [0x92],
  f64Add: [0xa0],
  f64PromoteF32: [0xbb],
  // SIMD: 0xfd prefix, LEB opcode, memarg (align log2, offset).
  v128Load: (offset: number) => [...simd(0), 4, ...uleb(offset)],
  v128Store: (offset: number) => [...simd(11), 4, ...uleb(offset)],
  v128Load32Splat: (offset: number) => [...simd(9), 2, ...uleb(offset)],
  v128Load64Splat: (offset: number) => [...simd(10), 3, ...uleb(offset)],
  v128Zero: [...simd(12), ...new Array<number>(16).fill(0)],
  /** i8x16.shuffle with the 16 lane indices (0–15 first operand, 16–31 second). */
  i8x16Shuffle: (lanes: number[]) => [...simd(13), ...lanes],
  f32x4ExtractLane: (lane: number) => [...simd(31), lane],
  f64x2ExtractLane: (lane: number) => [...simd(33), lane],
  f64x2PromoteLowF32x4: simd(95),
  f32x4Add: simd(228),
  f32x4Mul: simd(230),
  f64x2Add: simd(240),
  f64x2Mul: simd(242),
};

/** Collects instruction bytes; `emit(op.localGet(0), op.i32Add, …)`. */
export class CodeBuffer {
  readonly bytes: number[] = [];
  emit(...parts: (number[] | number)[]): void {
    for (const p of parts) {
      if (typeof p === "number") this.bytes.push(p);
      else for (const b of p) this.bytes.push(b);
    }
  }
}

/** A function to assemble: its i32 parameters, its local declarations (count, type) and its code. */
export interface FunctionSpec {
  name: string;
  params: number;
  locals: [count: number, type: number][];
  code: number[];
}

/**
 * A module importing `env.memory` and exporting the given functions, each taking only i32
 * parameters and returning nothing.
 */
export function assembleModule(functions: FunctionSpec[]): Uint8Array {
  const types: number[] = [functions.length];
  for (const f of functions) types.push(0x60, ...uleb(f.params), ...new Array<number>(f.params).fill(I32), 0);
  const funcs = [...uleb(functions.length), ...functions.map((_, i) => uleb(i)).flat()];
  const exports: number[] = [...uleb(functions.length)];
  functions.forEach((f, i) => exports.push(...str(f.name), 0x00, ...uleb(i)));
  const bodies: number[] = [...uleb(functions.length)];
  for (const f of functions) {
    const locals = [...uleb(f.locals.length), ...f.locals.flatMap(([n, t]) => [...uleb(n), t])];
    const body = [...locals, ...f.code, ...op.end];
    bodies.push(...uleb(body.length), ...body);
  }
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, types),
    ...section(2, [1, ...str("env"), ...str("memory"), 0x02, 0x00, 1]),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, bodies),
  ]);
}

/** The slice of the WebAssembly JS API used here (the project's `lib` setting has no WebAssembly types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => { exports: Record<string, unknown> };
}

/** The runtime's WebAssembly object, or undefined. */
export function wasmApi(): WasmApi | undefined {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
}

/**
 * A growable linear memory with f32 and f64 views, shared by the modules instantiated on it.
 * Views are refreshed after growth.
 */
export class WasmArena {
  readonly memory: WasmMemory;
  f32: Float32Array;
  f64: Float64Array;
  constructor(api: WasmApi, initialPages: number) {
    this.memory = new api.Memory({ initial: initialPages });
    this.f32 = new Float32Array(this.memory.buffer);
    this.f64 = new Float64Array(this.memory.buffer);
  }
  /** Ensures at least `bytes` bytes of memory. */
  reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (have >= bytes) return;
    this.memory.grow(Math.ceil((bytes - have) / 65536));
    this.f32 = new Float32Array(this.memory.buffer);
    this.f64 = new Float64Array(this.memory.buffer);
  }
}
