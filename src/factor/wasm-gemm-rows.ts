/**
 * The "row" WebAssembly SIMD GEMM kernel (B′ contiguous along j: the NN and TN layouts), in f32x4 and
 * f64x2 variants assembled at load time (assembler in src/wasm/), used for precision 'f32' of
 * {@link gemmStrided} in the NN and TN layouts (which picks the kernel per layout). Single-precision semantics
 * (PyTorch's float32 matmul): operands rounded to f32, products and sums in f32, the result widened to
 * f64 and stored into (or, accumulating, added to) the Float64Array C.
 *
 * Operands are only ever copied row by row (native copies in f64; native copy plus a SIMD conversion in f32, wasm-gemm-stage.ts),
 * never transposed or packed into panels in JS:
 * - row kernel (NN, TN): C blocks of 4×w (w = 8 in f32, 4 in f64) in eight vector accumulators; per k
 *   two vector loads of B′(k, j..j+w−1) and four splat loads of A′(i..i+3, k), addressed with byte
 *   strides so that A′ = A (rows of A staged) and A′ = Aᵀ (rows of the stored K×M matrix staged,
 *   constant offsets) share one scheme; B′'s rows are staged at a padded stride (no L1 set aliasing).
 *   Each C entry sums its K products in order.
 * - NT (both operands contiguous along k): the dot-product kernel of wasm-gemm-dot.ts.
 * Block sums are widened (f64x2.promote_low_f32x4 in f32) and added into a padded f64 buffer holding
 * C (accumulate) or zeros, copied back with native copies. gemmStrided uses the f64 row kernel only
 * through tests: the packed kernel of wasm-gemm.ts measured as fast or faster in f64.
 */

import { CodeBuffer, I32, V128, op, repeatType, type FunctionSpec } from "../wasm/index.js";
import { emitBlockAddress, emitBlockNest } from "./wasm-gemm-emit.js";
import type { KernelPrecision } from "./wasm-gemm-dot.js";
import {
  copyRowsF64,
  lineAlign,
  paddedStride,
  stageF32,
  stageKernels,
  stageScratchBytes,
  type StageState,
} from "./wasm-gemm-stage.js";

/**
 * rowb(M4, NB, K, ap, aI, aK, bp, ldb, cp, ldc), K ≥ 1, strides and addresses in bytes:
 *   Cp[i, j] += Σ_k A(i, k) · Bp[k, j]  for i < 4·M4, j < w·NB, with A(i, k) at ap + i·aI + k·aK,
 *   Bp[k, j] at bp + k·ldb + e·j and Cp[i, j] at cp + i·ldc + 8j (f64); block width w = 8 (f32, e = 4)
 *   or 4 (f64, e = 8): two vectors of B per k either way.
 */
function rowKernelCode(precision: KernelPrecision, unitA: boolean): number[] {
  const single = precision === "f32";
  const mul = single ? op.f32x4Mul : op.f64x2Mul;
  const add = single ? op.f32x4Add : op.f64x2Add;
  const splat = single ? op.v128Load32Splat : op.v128Load64Splat;
  const [M4, N8, K, AP, AI, AK, BP, LDB, CP, LDC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [JB, IB, PA, PB, END, CROW, PBJ, AI2, AI3] = [10, 11, 12, 13, 14, 15, 16, 17, 18];
  const ACC = [19, 20, 21, 22, 23, 24, 25, 26]; // ACC[2·ii + half]
  const [B0, B1, A] = [27, 28, 29];
  const high = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
  const c = new CodeBuffer();
  c.emit(op.localGet(AI), op.i32Const(2), op.i32Mul, op.localTee(AI2));
  c.emit(op.localGet(AI), op.i32Add, op.localSet(AI3));
  const columnBlock = (): void =>
    c.emit(op.localGet(BP), op.localGet(JB), op.i32Const(32), op.i32Mul, op.i32Add, op.localSet(PBJ));
  emitBlockNest(c, { JB, NB: N8, IB, MB: M4 }, ACC, columnBlock, () => {
    c.emit(op.localGet(AP), op.localGet(IB), op.localGet(AI), op.i32Mul, op.i32Const(4), op.i32Mul);
    c.emit(op.i32Add, op.localSet(PA));
    c.emit(op.localGet(PBJ), op.localTee(PB), op.localGet(K), op.localGet(LDB), op.i32Mul, op.i32Add);
    c.emit(op.localSet(END));
    c.doWhileBelow(PB, END, op.localGet(LDB), () => {
      c.emit(op.localGet(PB), op.v128Load(0), op.localSet(B0));
      c.emit(op.localGet(PB), op.v128Load(16), op.localSet(B1));
      for (let ii = 0; ii < 4; ii++) {
        // unitA: A(i..i+3, k) adjacent (aI = element size), addressed by constant offsets.
        c.emit(op.localGet(PA));
        if (ii > 0 && !unitA) c.emit(op.localGet([0, AI, AI2, AI3][ii]), op.i32Add);
        c.emit(splat(unitA ? (ii * 16) / (single ? 4 : 2) : 0), op.localSet(A));
        for (let h = 0; h < 2; h++) {
          const acc = ACC[2 * ii + h];
          c.emit(op.localGet(acc), op.localGet(A), op.localGet(h === 0 ? B0 : B1), mul, add);
          c.emit(op.localSet(acc));
        }
      }
      c.emit(op.localGet(PA), op.localGet(AK), op.i32Add, op.localSet(PA));
    });
    emitBlockAddress(c, CROW, { base: CP, IB, LDC, JB }, 4, single ? 64 : 32);
    for (let ii = 0; ii < 4; ii++) {
      for (let h = 0; h < 2 && !single; h++) {
        const acc = ACC[2 * ii + h];
        c.emit(op.localGet(CROW), op.localGet(CROW), op.v128Load(16 * h), op.localGet(acc), op.f64x2Add);
        c.emit(op.v128Store(16 * h));
      }
      for (let h = 0; h < 2 && single; h++) {
        const acc = ACC[2 * ii + h];
        const o = 32 * h;
        c.emit(op.localGet(CROW), op.localGet(CROW), op.v128Load(o));
        c.emit(op.localGet(acc), op.f64x2PromoteLowF32x4, op.f64x2Add, op.v128Store(o));
        c.emit(op.localGet(CROW), op.localGet(CROW), op.v128Load(o + 16));
        c.emit(op.localGet(acc), op.localGet(acc), op.i8x16Shuffle(high), op.f64x2PromoteLowF32x4);
        c.emit(op.f64x2Add, op.v128Store(o + 16));
      }
      if (ii < 3) c.emit(op.localGet(CROW), op.localGet(LDC), op.i32Add, op.localSet(CROW));
    }
  });
  return c.bytes;
}

type RowFn = (
  M4: number,
  N8: number,
  K: number,
  ap: number,
  aI: number,
  aK: number,
  bp: number,
  ldb: number,
  cp: number,
  ldc: number,
) => void;

interface RowKernels {
  rowb32: RowFn;
  rowb64: RowFn;
  /** Variants for A′ with unit stride along i (TN). */
  rowb32u: RowFn;
  rowb64u: RowFn;
}

let state: (RowKernels & { stage: StageState }) | null | undefined;

function load(): (RowKernels & { stage: StageState }) | null {
  if (state === undefined) {
    const fn = (name: keyof RowKernels, precision: KernelPrecision, unitA: boolean): FunctionSpec => ({
      name,
      params: repeatType(I32, 10),
      locals: [
        [9, I32],
        [11, V128],
      ],
      code: rowKernelCode(precision, unitA),
    });
    state = stageKernels<RowKernels>([
      fn("rowb32", "f32", false),
      fn("rowb64", "f64", false),
      fn("rowb32u", "f32", true),
      fn("rowb64u", "f64", true),
    ]);
  }
  return state;
}

/** Whether the single-precision kernels compiled on this runtime (WebAssembly SIMD: Node ≥ 16.4). */
export function wasmGemmF32Available(): boolean {
  return load() !== null;
}

/**
 * The row kernel in either precision, for B′ with unit stride along j (bJ = 1) and A′ with unit stride
 * along k or along i: C(i,j) ← β·C(i,j) + Σ_k A(i,k)·B(k,j), addressing as in `gemmStrided` (A(i,k) = A[aOff + i·aI + k·aK], B(k,j) = B[bOff + k·bK + j], C(i,j) = C[cOff + i·ldc + j]).
 * In f64 each C entry sums its K products in order, as the packed kernel of wasm-gemm.ts does, but
 * A′ is staged by native row copies instead of being packed in JS. Returns false (doing nothing) when
 * neither aK nor aI is 1, K < 1, or WebAssembly SIMD is unavailable.
 */
export function wasmGemmRows(
  precision: KernelPrecision,
  M: number,
  N: number,
  K: number,
  A: Float64Array,
  aOff: number,
  aI: number,
  aK: number,
  B: Float64Array,
  bOff: number,
  bK: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  accumulate: boolean,
): boolean {
  if (K < 1 || (aK !== 1 && aI !== 1)) return false;
  const s = load();
  if (s === null) return false;
  const single = precision === "f32";
  const e = single ? 4 : 8;
  const width = single ? 8 : 4;
  const Mp = 4 * Math.ceil(M / 4);
  const Np = width * Math.ceil(N / width);
  // A′ staged as stored: rows of A (A′ = A, aK = 1) or rows of the K×M matrix (A′ = Aᵀ, aI = 1).
  const byRows = aK === 1;
  const lda = byRows ? paddedStride(K, e) : paddedStride(Mp, e);
  const aLen = byRows ? Mp * lda : K * lda;
  const ldb = paddedStride(Np, e);
  const ap = 0;
  const bp = lineAlign(e * aLen);
  const cp = lineAlign(bp + e * K * ldb);
  const ldp = Np;
  const scratch = lineAlign(cp + 8 * Mp * ldp);
  const stage = s.stage;
  stage.arena.reserve(scratch + (single ? stageScratchBytes(Math.max(K, M, N)) : 0));
  const f64 = stage.arena.f64;
  // Columns M..Mp−1 of staged Aᵀ rows and N..Np−1 of staged B rows (stale memory) only reach
  // discarded rows and columns of Cp; rows M..Mp−1 of staged A are zeroed.
  if (single) {
    if (byRows) stageF32(stage, 0, lda, A, aOff, aI, M, K, scratch);
    else stageF32(stage, 0, lda, A, aOff, aK, K, M, scratch);
    if (byRows && Mp > M) stage.arena.f32.fill(0, M * lda, Mp * lda);
    stageF32(stage, bp, ldb, B, bOff, bK, K, N, scratch);
  } else {
    if (byRows) copyRowsF64(f64, 0, lda, A, aOff, aI, M, K);
    else copyRowsF64(f64, 0, lda, A, aOff, aK, K, M);
    if (byRows && Mp > M) f64.fill(0, M * lda, Mp * lda);
    copyRowsF64(f64, bp / 8, ldb, B, bOff, bK, K, N);
  }
  const c0 = cp / 8;
  if (accumulate) {
    copyRowsF64(f64, c0, ldp, C, cOff, ldc, M, N);
  } else {
    f64.fill(0, c0, c0 + Mp * ldp);
  }
  if (byRows) (single ? s.rowb32 : s.rowb64)(Mp / 4, Np / width, K, ap, e * lda, e, bp, e * ldb, cp, 8 * ldp);
  else (single ? s.rowb32u : s.rowb64u)(Mp / 4, Np / width, K, ap, e, e * lda, bp, e * ldb, cp, 8 * ldp);
  copyRowsF64(C, cOff, ldc, f64, c0, ldp, M, N);
  return true;
}
