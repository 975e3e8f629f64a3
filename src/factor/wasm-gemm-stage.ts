/**
 * The linear memory shared by the GEMM kernels of wasm-gemm-dot.ts and wasm-gemm-rows.ts, and the
 * staging of Float64Array operands into it: f64 rows by native copies; f32 rows by a native f64 copy
 * into a scratch chunk followed by a WebAssembly SIMD conversion (f32x4.demote_f64x2_zero, round to
 * nearest even as Math.fround) — about 2× faster than an element loop in JS and 3× faster than
 * V8's Float64Array → Float32Array `set`, which converts element by element.
 */

import {
  CodeBuffer,
  I32,
  WasmArena,
  assembleKernels,
  op,
  repeatType,
  type FunctionSpec,
} from "../wasm/index.js";

/**
 * demote(src, dst, rows, n4, sStride, dStride), bytes: for r < rows, q < 4·n4:
 *   f32 at dst + r·dStride + 4q ← f64 at src + r·sStride + 8q.
 */
function demoteFunction(): FunctionSpec {
  const [SRC, DST, ROWS, N4, SSTRIDE, DSTRIDE] = [0, 1, 2, 3, 4, 5];
  const [R, PS, PD, END] = [6, 7, 8, 9];
  const demote = op.f32x4DemoteF64x2Zero;
  const lowHalves = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
  const c = new CodeBuffer();
  c.forBelow(R, ROWS, 1, () => {
    c.emit(op.localGet(SRC), op.localGet(R), op.localGet(SSTRIDE), op.i32Mul, op.i32Add, op.localSet(PS));
    c.emit(op.localGet(DST), op.localGet(R), op.localGet(DSTRIDE), op.i32Mul, op.i32Add, op.localTee(PD));
    c.emit(op.localGet(N4), op.i32Const(16), op.i32Mul, op.i32Add, op.localSet(END));
    c.doWhileBelow(PD, END, op.i32Const(16), () => {
      c.emit(op.localGet(PD));
      c.emit(op.localGet(PS), op.v128Load(0), demote, op.localGet(PS), op.v128Load(16), demote);
      c.emit(op.i8x16Shuffle(lowHalves), op.v128Store(0));
      c.emit(op.localGet(PS), op.i32Const(32), op.i32Add, op.localSet(PS));
    });
  });
  return { name: "demote", params: repeatType(I32, 6), locals: [[4, I32]], code: c.bytes };
}

type DemoteFn = (
  src: number,
  dst: number,
  rows: number,
  n4: number,
  sStride: number,
  dStride: number,
) => void;

export interface StageState {
  arena: WasmArena;
  demote: DemoteFn;
}

let state: StageState | null | undefined;

/** The shared arena and conversion kernel, or null when WebAssembly SIMD is unavailable. */
export function gemmStage(): StageState | null {
  if (state !== undefined) return state;
  const arena = WasmArena.create(64);
  const kernels = arena && assembleKernels<{ demote: DemoteFn }>([demoteFunction()], arena.memory);
  state = arena && kernels && { arena, ...kernels };
  return state;
}

/**
 * Compiles `functions` and instantiates them on the shared arena: their exports and the stage, or
 * null when WebAssembly SIMD is unavailable.
 */
export function stageKernels<Exports>(
  functions: readonly FunctionSpec[],
): (Exports & { stage: StageState }) | null {
  const stage = gemmStage();
  const kernels = stage && assembleKernels<Exports>(functions, stage.arena.memory);
  return stage && kernels && { stage, ...kernels };
}

/**
 * Row stride (elements) for rows of n elements of `bytes` bytes each: whole 64-byte lines, plus one
 * line when the stride would be a multiple of 512 bytes (rows would then share a few L1 sets).
 */
export function paddedStride(n: number, bytes: number): number {
  const perLine = 64 / bytes;
  const lines = Math.ceil(n / perLine);
  return perLine * (lines % 8 === 0 ? lines + 1 : lines);
}

/** Rounds a byte offset up to a whole 64-byte line. */
export const lineAlign = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/** Elements per conversion chunk (128 KiB of f64: the copy stays in L2 for the conversion). */
const CHUNK = 16384;

/**
 * Arena f32 at byte dstByte + r·4·dStride + 4j ← fround(src[sOff + r·sStride + j]) for r < rows,
 * j < n; up to 3 elements past each row's end (j < n rounded up to 4) are overwritten with
 * unspecified values. `scratchByte` (64-aligned, beyond every region in use) is where f64 chunks are
 * copied first; the arena must hold scratchByte + 8·(CHUNK + max(n, 4)) bytes (see {@link stageScratchBytes}).
 */
export function stageF32(
  s: StageState,
  dstByte: number,
  dStride: number,
  src: Float64Array,
  sOff: number,
  sStride: number,
  rows: number,
  n: number,
  scratchByte: number,
): void {
  if (rows < 1 || n < 1) return;
  const n4 = Math.ceil(n / 4);
  const f64 = s.arena.f64;
  const scratch = scratchByte / 8;
  const perChunk = Math.max(1, Math.floor(CHUNK / n));
  for (let r0 = 0; r0 < rows; r0 += perChunk) {
    const rn = Math.min(perChunk, rows - r0);
    const so = sOff + r0 * sStride;
    copyRowsF64(f64, scratch, n, src, so, sStride, rn, n);
    s.demote(scratchByte, dstByte + r0 * 4 * dStride, rn, n4, 8 * n, 4 * dStride);
  }
}

/** Bytes {@link stageF32} needs beyond `scratchByte` for rows of n elements. */
export function stageScratchBytes(n: number): number {
  return 8 * (Math.max(CHUNK, n) + n + 4);
}

/**
 * dst[dOff + r·dStride + j] = src[sOff + r·sStride + j] for r < rows, j < n: one native copy when both
 * sides are contiguous, native row copies for long rows, a plain loop for short ones.
 */
export function copyRowsF64(
  dst: Float64Array,
  dOff: number,
  dStride: number,
  src: Float64Array,
  sOff: number,
  sStride: number,
  rows: number,
  n: number,
): void {
  if (dStride === n && sStride === n) {
    dst.set(src.subarray(sOff, sOff + rows * n), dOff);
  } else if (n >= 32) {
    for (let r = 0; r < rows; r++)
      dst.set(src.subarray(sOff + r * sStride, sOff + r * sStride + n), dOff + r * dStride);
  } else {
    for (let r = 0; r < rows; r++) {
      const so = sOff + r * sStride;
      const d = dOff + r * dStride;
      for (let j = 0; j < n; j++) dst[d + j] = src[so + j];
    }
  }
}
