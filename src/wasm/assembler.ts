/**
 * A minimal WebAssembly binary assembler — the instructions the project's kernels need — so kernels
 * can be assembled at load time without a toolchain. Encodings follow the WebAssembly core
 * specification 2.0 (binary format, §5) and the fixed-width SIMD extension (0xFD prefix, then the
 * opcode as an unsigned LEB128). Memory accesses carry a memarg: log2 of the alignment hint, then a
 * constant byte offset (the hint never changes results).
 */

/** Unsigned LEB128 of a non-negative 32-bit integer (§5.2.2). */
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

/** Signed LEB128 of a 32-bit integer (§5.2.2). */
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

/** A section: id, byte size, contents (§5.5.2). */
export function section(id: number, body: readonly number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** A name: length-prefixed bytes (ASCII names only, as the kernels use). */
export function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

/** A vector: element count, then the elements. */
export function vector(items: readonly (readonly number[])[]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** Value types (§5.3.1). */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export const I64 = 0x7e;
export type ValueType = typeof I32 | typeof I64 | typeof F32 | typeof F64 | typeof V128;

/** `count` copies of one value type (e.g. a signature of i32 parameters). */
export function repeatType(type: ValueType, count: number): ValueType[] {
  return new Array<ValueType>(count).fill(type);
}

const simd = (code: number): number[] => [0xfd, ...uleb(code)];

/** Little-endian IEEE-754 bytes of an f64 constant. */
function f64Bytes(v: number): number[] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v, true);
  return Array.from(new Uint8Array(view.buffer));
}

/** Little-endian two's-complement bytes of a safe integer as an i64. */
function i64Bytes(v: number): number[] {
  if (!Number.isSafeInteger(v)) throw new RangeError(`i64Bytes: ${v} is not a safe integer`);
  const view = new DataView(new ArrayBuffer(8));
  view.setBigInt64(0, BigInt(v), true);
  return Array.from(new Uint8Array(view.buffer));
}

/** Instruction encodings (§5.4; SIMD opcodes from the fixed-width SIMD extension). */
export const op = {
  // control
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  /** `if` with no result. */
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (depth: number): number[] => [0x0c, ...uleb(depth)],
  brIf: (depth: number): number[] => [0x0d, ...uleb(depth)],
  // variables
  localGet: (i: number): number[] => [0x20, ...uleb(i)],
  localSet: (i: number): number[] => [0x21, ...uleb(i)],
  localTee: (i: number): number[] => [0x22, ...uleb(i)],
  // memory (align log2, offset)
  i32Load: (offset = 0): number[] => [0x28, 2, ...uleb(offset)],
  f64Load: (offset = 0): number[] => [0x2b, 3, ...uleb(offset)],
  i32Store: (offset = 0): number[] => [0x36, 2, ...uleb(offset)],
  i64Load: (offset = 0): number[] => [0x29, 3, ...uleb(offset)],
  i64Store: (offset = 0): number[] => [0x37, 3, ...uleb(offset)],
  f64Store: (offset = 0): number[] => [0x39, 3, ...uleb(offset)],
  // numeric
  i32Const: (v: number): number[] => [0x41, ...sleb(v)],
  /** i64.const of a value in the i32 range (its signed LEB128 is the same). */
  i64Const: (v: number): number[] => [0x42, ...sleb(v)],
  f64Const: (v: number): number[] => [0x44, ...f64Bytes(v)],
  i32Eqz: [0x45],
  i32LtU: [0x49],
  i32GtU: [0x4b],
  f64Ne: [0x62],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32And: [0x71],
  i32Shl: [0x74],
  i32ShrU: [0x76],
  i64Add: [0x7c],
  i64Or: [0x84],
  i64Xor: [0x85],
  i64Shl: [0x86],
  i64ShrU: [0x88],
  i64Rotl: [0x89],
  i32WrapI64: [0xa7],
  i64ExtendI32U: [0xad],
  /** f64.convert_i64_u: the unsigned i64 as f64 (exact below 2⁵³). */
  f64ConvertI64U: [0xba],
  f32Add: [0x92],
  f64Neg: [0x9a],
  f64Add: [0xa0],
  f64Sub: [0xa1],
  f64Mul: [0xa2],
  f64Div: [0xa3],
  /** f64.convert_i32_s: the signed i32 as f64 (exact). */
  f64ConvertI32S: [0xb7],
  f64PromoteF32: [0xbb],
  // SIMD
  v128Load: (offset = 0): number[] => [...simd(0), 4, ...uleb(offset)],
  v128Load32Splat: (offset = 0): number[] => [...simd(9), 2, ...uleb(offset)],
  v128Load64Splat: (offset = 0): number[] => [...simd(10), 3, ...uleb(offset)],
  v128Store: (offset = 0): number[] => [...simd(11), 4, ...uleb(offset)],
  /** v128.const with all sixteen bytes zero. */
  v128Zero: [...simd(12), ...new Array<number>(16).fill(0)],
  /** i8x16.shuffle with the 16 lane indices (0–15 first operand, 16–31 second). */
  i8x16Shuffle: (lanes: readonly number[]): number[] => [...simd(13), ...lanes],
  f64x2Splat: simd(20),
  f32x4ExtractLane: (lane: number): number[] => [...simd(31), lane],
  f64x2ExtractLane: (lane: number): number[] => [...simd(33), lane],
  f64x2ReplaceLane: (lane: number): number[] => [...simd(34), lane],
  /** f64x2.gt: each lane all ones where a > b (false for NaN), else zero. */
  f64x2Gt: simd(74),
  v128And: simd(78),
  v128Or: simd(80),
  v128AnyTrue: simd(83),
  /** f32x4.demote_f64x2_zero: both lanes rounded to nearest even, upper two lanes zero. */
  f32x4DemoteF64x2Zero: simd(94),
  f64x2PromoteLowF32x4: simd(95),
  f32x4Add: simd(228),
  f32x4Mul: simd(230),
  f64x2Sqrt: simd(239),
  f64x2Add: simd(240),
  f64x2Sub: simd(241),
  f64x2Mul: simd(242),
  f64x2Div: simd(243),
  /** f64x2.pmax(a, b) = a < b ? b : a per lane (one maxpd on x86; pmax(+0, u) is u where u > 0, else +0). */
  f64x2Pmax: simd(247),
  /** v128.const with two f64 lanes (lane 0 first). */
  f64x2Const: (lane0: number, lane1: number = lane0): number[] => [
    ...simd(12),
    ...f64Bytes(lane0),
    ...f64Bytes(lane1),
  ],
  /** v128.const with two i64 lanes, each a safe integer (lane 0 first). */
  i64x2Const: (lane0: number, lane1: number = lane0): number[] => [
    ...simd(12),
    ...i64Bytes(lane0),
    ...i64Bytes(lane1),
  ],
  f64x2Eq: simd(71),
  f64x2Ne: simd(72),
  f64x2Lt: simd(73),
  v128Not: simd(77),
  /** v128.andnot(a, b) = a ∧ ¬b. */
  v128Andnot: simd(79),
  v128Xor: simd(81),
  /** v128.bitselect(a, b, mask) = (a ∧ mask) ∨ (b ∧ ¬mask). */
  v128Bitselect: simd(82),
  /** i64x2.extend_low_i32x4_s: lanes 0 and 1 of an i32x4, sign-extended. */
  i64x2ExtendLowI32x4S: simd(199),
  /** i64x2.shl(v, i32 count) (count mod 64). */
  i64x2Shl: simd(203),
  /** i64x2.shr_u(v, i32 count) (count mod 64). */
  i64x2ShrU: simd(205),
  i64x2Add: simd(206),
  i64x2Sub: simd(209),
  i64x2Eq: simd(214),
  i64x2LtS: simd(216),
  i64x2GtS: simd(217),
  i64x2LeS: simd(218),
  i64x2GeS: simd(219),
  /** f64x2.trunc: each lane rounded toward zero. */
  f64x2Trunc: simd(122),
  f64x2Abs: simd(236),
  f64x2Neg: simd(237),
  /** i32x4.trunc_sat_f64x2_s_zero: both lanes truncated toward zero (saturating, NaN → 0) into i32 lanes 0, 1; lanes 2, 3 zero. */
  i32x4TruncSatF64x2SZero: simd(252),
  /** f64x2.convert_low_i32x4_s: i32 lanes 0, 1 as f64 (exact). */
  f64x2ConvertLowI32x4S: simd(254),
};

/**
 * A function's locals by name, `names` being its parameters then its locals in index order:
 * `at(n)` the index of the first local called n, `get(n)` / `set(n)` its local.get / local.set.
 * An unknown name throws, `who` naming the function.
 */
export function namedLocals(
  names: readonly string[],
  who: string,
): { at: (n: string) => number; get: (n: string) => number[]; set: (n: string) => number[] } {
  const index = new Map<string, number>();
  names.forEach((n, i) => {
    if (!index.has(n)) index.set(n, i);
  });
  const at = (n: string): number => {
    const i = index.get(n);
    if (i === undefined) throw new Error(`${who}: unknown local ${n}`);
    return i;
  };
  return { at, get: (n) => op.localGet(at(n)), set: (n) => op.localSet(at(n)) };
}

/** Collects instruction bytes; `emit(op.localGet(0), op.i32Add, …)`. */
export class CodeBuffer {
  readonly bytes: number[] = [];
  emit(...parts: (readonly number[] | number)[]): void {
    for (const p of parts) {
      if (typeof p === "number") this.bytes.push(p);
      else for (const b of p) this.bytes.push(b);
    }
  }

  /**
   * `while (local[counter] <ᵤ local[limit]) { body(); local[counter] += step; }` as block/loop (inside
   * `body`, branch depth 0 is the loop and 1 its exit). The caller initialises the counter.
   */
  whileBelow(counter: number, limit: number, step: number, body: () => void): void {
    this.emit(op.block, op.loop, op.localGet(counter), op.localGet(limit), op.i32LtU, op.i32Eqz, op.brIf(1));
    body();
    this.emit(op.localGet(counter), op.i32Const(step), op.i32Add, op.localSet(counter), op.br(0));
    this.emit(op.end, op.end);
  }

  /**
   * `do { body(); local[ptr] += step; } while (local[ptr] <ᵤ local[end])`, `step` an instruction
   * pushing the increment (e.g. `op.i32Const(16)` or `op.localGet(stride)`); the body runs at least once.
   */
  doWhileBelow(ptr: number, end: number, step: readonly number[], body: () => void): void {
    this.emit(op.loop);
    body();
    this.emit(op.localGet(ptr), step, op.i32Add, op.localTee(ptr), op.localGet(end), op.i32LtU, op.brIf(0));
    this.emit(op.end);
  }

  /**
   * `local[counter] = local[count]; do { body(); local[counter] -= step; } while (local[counter] ≠ 0)`:
   * `count` must be a positive multiple of `step`.
   */
  countDown(counter: number, count: number, step: number, body: () => void): void {
    this.emit(op.localGet(count), op.localSet(counter), op.loop);
    body();
    this.emit(op.localGet(counter), op.i32Const(step), op.i32Sub, op.localTee(counter), op.brIf(0), op.end);
  }

  /** `for (local[counter] = 0; local[counter] <ᵤ local[limit]; local[counter] += step) body()`. */
  forBelow(counter: number, limit: number, step: number, body: () => void): void {
    this.emit(op.i32Const(0), op.localSet(counter));
    this.whileBelow(counter, limit, step, body);
  }
}

/** A run of `count` locals of one type, as the code section declares them (§5.5.13). */
export type LocalGroup = readonly [count: number, type: ValueType];

/** Groups a list of local types into runs of equal type. */
export function groupLocals(types: readonly ValueType[]): LocalGroup[] {
  const groups: [number, ValueType][] = [];
  for (const t of types) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[1] === t) last[0]++;
    else groups.push([1, t]);
  }
  return groups;
}

/** A function to assemble: parameter types, local declarations and body (without the final `end`); it returns nothing. */
export interface FunctionSpec {
  readonly name: string;
  readonly params: readonly ValueType[];
  readonly locals: readonly LocalGroup[];
  readonly code: readonly number[];
}

const MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/**
 * A module importing `env.memory` (at least one page) and exporting every function under its name:
 * type, import, function, export and code sections (ids 1, 2, 3, 7, 10), one type per function.
 */
export function assembleModule(functions: readonly FunctionSpec[]): Uint8Array {
  const types = vector(functions.map((f) => [0x60, ...uleb(f.params.length), ...f.params, 0]));
  const imports = vector([[...name("env"), ...name("memory"), 0x02, 0x00, ...uleb(1)]]);
  const funcs = vector(functions.map((_, i) => uleb(i)));
  const exports = vector(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]));
  const code = vector(
    functions.map((f) => {
      const body = [...vector(f.locals.map(([n, t]) => [...uleb(n), t])), ...f.code, ...op.end];
      return [...uleb(body.length), ...body];
    }),
  );
  return Uint8Array.from([
    ...MAGIC_AND_VERSION,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, code),
  ]);
}
