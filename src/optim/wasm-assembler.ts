/**
 * A minimal WebAssembly binary writer for the optimizer kernels: one module, one imported
 * memory ("env", "memory"), functions with f64/i32 parameters and locals, and the handful of
 * instructions the element-wise update loops need (scalar control flow and f64x2 arithmetic).
 * Assembled at load time so the package needs no toolchain. Encoding: WebAssembly core
 * specification 2.0 §5 (binary format) and the fixed-width SIMD proposal (0xFD prefix).
 */

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F64 | typeof V128;

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

function sleb(n: number): number[] {
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

const simd = (opcode: number): number[] => [0xfd, ...uleb(opcode)];

/** Instruction encodings (memory accesses with a 16-byte alignment hint and a constant offset). */
export const op = {
  localGet: (i: number): number[] => [0x20, ...uleb(i)],
  localSet: (i: number): number[] => [0x21, ...uleb(i)],
  localTee: (i: number): number[] => [0x22, ...uleb(i)],
  i32Const: (v: number): number[] => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32LtU: [0x49],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (depth: number): number[] => [0x0d, ...uleb(depth)],
  i32Eqz: [0x45],
  v128Load: (offset = 0): number[] => [...simd(0), 4, ...uleb(offset)],
  v128Store: (offset = 0): number[] => [...simd(11), 4, ...uleb(offset)],
  f64x2Splat: simd(20),
  f64x2Sqrt: simd(239),
  f64x2Add: simd(240),
  f64x2Sub: simd(241),
  f64x2Mul: simd(242),
  f64x2Div: simd(243),
};

export interface FunctionSpec {
  readonly name: string;
  readonly params: readonly ValueType[];
  readonly locals: readonly ValueType[];
  /** Body instructions, without the final `end`. */
  readonly body: readonly number[];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** Encodes a module importing `env.memory` (≥ 1 page) and exporting every function, none returning. */
export function assembleModule(functions: readonly FunctionSpec[]): Uint8Array {
  const types = vector(functions.map((f) => [0x60, ...uleb(f.params.length), ...f.params, 0]));
  const imports = vector([[...name("env"), ...name("memory"), 0x02, 0x00, ...uleb(1)]]);
  const funcs = vector(functions.map((_, i) => uleb(i)));
  const exports = vector(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]));
  const code = vector(
    functions.map((f) => {
      const locals = vector(f.locals.map((t) => [...uleb(1), t]));
      const body = [...locals, ...f.body, ...op.end];
      return [...uleb(body.length), ...body];
    }),
  );
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, types),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

/** The part of the WebAssembly JS API used here (the project's `lib` has no DOM/WebAssembly typings). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
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

/** The runtime's WebAssembly namespace, if any. */
export function wasmApi(): WasmApi | undefined {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
}
