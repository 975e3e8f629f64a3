/**
 * A WebAssembly SIMD "dot-product" GEMM kernel for the layout where both operands are contiguous
 * along the summation index (C = A·Bᵀ with A M×K and B N×K row-major — the forward pass of a dense
 * layer), in f32x4 and f64x2 variants, assembled at load time (assembler in src/wasm/).
 *
 * Scheme: the rows of A and of B are staged into the shared memory (wasm-gemm-stage.ts: native copies,
 * plus a SIMD f64 → f32 conversion for the single-precision variant), zero padding K up to a whole
 * vector; no transposition or panel packing. The kernel keeps a 2×4 block of
 * C as eight vector accumulators, per vector step along k loading two vectors of A and four of B
 * (8 vector multiply–adds per 6 loads), then sums each accumulator's lanes and adds the sum (widened
 * to f64) into a padded f64 product buffer that JS has filled with C (accumulate) or zeros and
 * afterwards copies back. Each C entry is Σ_k A(i,k)·B(j,k) summed in `lanes` interleaved partial sums,
 * so results differ from a sequential sum only by floating-point reassociation.
 */

import { CodeBuffer, I32, V128, op, repeatType, type FunctionSpec } from "../wasm/index.js";
import { emitBlockAddress, emitBlockNest } from "./wasm-gemm-emit.js";
import {
  copyRowsF64,
  lineAlign,
  paddedStride,
  stageF32,
  stageKernels,
  stageScratchBytes,
  type StageState,
} from "./wasm-gemm-stage.js";

/** Element type of a kernel: f32 (4 lanes per vector) or f64 (2 lanes). */
export type KernelPrecision = "f32" | "f64";

/**
 * dot(M2, N4, KV, ap, lda, bp, ldb, cp, ldc) — counts M2 (row pairs), N4 (column quads), KV (vectors
 * along k, ≥ 1); ap, bp, cp and the row strides lda, ldb, ldc in bytes:
 *   Cp[i, j] += Σ_{k < KV·lanes} Ap[i, k] · Bp[j, k]   for i < 2·M2, j < 4·N4 (Cp in f64).
 */
function dotKernelCode(precision: KernelPrecision): number[] {
  const [M2, N4, KV, AP, LDA, BP, LDB, CP, LDC] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [JB, IB, PA, PB, END, PBJ, LDB2, LDB3, CROW] = [9, 10, 11, 12, 13, 14, 15, 16, 17];
  const ACC = [18, 19, 20, 21, 22, 23, 24, 25]; // ACC[4·ii + jj]
  const [A0, A1, BV] = [26, 27, 28];
  const mul = precision === "f32" ? op.f32x4Mul : op.f64x2Mul;
  const add = precision === "f32" ? op.f32x4Add : op.f64x2Add;
  const c = new CodeBuffer();
  c.emit(op.localGet(LDB), op.i32Const(2), op.i32Mul, op.localTee(LDB2));
  c.emit(op.localGet(LDB), op.i32Add, op.localSet(LDB3));
  const columnBlock = (): void => {
    c.emit(op.localGet(BP), op.localGet(JB), op.localGet(LDB), op.i32Mul, op.i32Const(4), op.i32Mul);
    c.emit(op.i32Add, op.localSet(PBJ));
  };
  emitBlockNest(c, { JB, NB: N4, IB, MB: M2 }, ACC, columnBlock, () => {
    c.emit(op.localGet(AP), op.localGet(IB), op.localGet(LDA), op.i32Mul, op.i32Const(2), op.i32Mul);
    c.emit(op.i32Add, op.localTee(PA));
    c.emit(op.localGet(KV), op.i32Const(16), op.i32Mul, op.i32Add, op.localSet(END));
    c.emit(op.localGet(PBJ), op.localSet(PB));
    c.doWhileBelow(PA, END, op.i32Const(16), () => {
      c.emit(op.localGet(PA), op.v128Load(0), op.localSet(A0));
      c.emit(op.localGet(PA), op.localGet(LDA), op.i32Add, op.v128Load(0), op.localSet(A1));
      for (let jj = 0; jj < 4; jj++) {
        c.emit(op.localGet(PB));
        if (jj > 0) c.emit(op.localGet([0, LDB, LDB2, LDB3][jj]), op.i32Add);
        c.emit(op.v128Load(0), op.localSet(BV));
        for (let ii = 0; ii < 2; ii++) {
          const acc = ACC[4 * ii + jj];
          c.emit(
            op.localGet(acc),
            op.localGet(ii === 0 ? A0 : A1),
            op.localGet(BV),
            mul,
            add,
            op.localSet(acc),
          );
        }
      }
      c.emit(op.localGet(PB), op.i32Const(16), op.i32Add, op.localSet(PB));
    });
    emitBlockAddress(c, CROW, { base: CP, IB, LDC, JB }, 2, 32);
    for (let ii = 0; ii < 2; ii++) {
      for (let jj = 0; jj < 4; jj++) {
        const acc = ACC[4 * ii + jj];
        c.emit(op.localGet(CROW), op.localGet(CROW), op.f64Load(8 * jj));
        if (precision === "f32") {
          c.emit(
            op.localGet(acc),
            op.f32x4ExtractLane(0),
            op.localGet(acc),
            op.f32x4ExtractLane(1),
            op.f32Add,
          );
          c.emit(op.localGet(acc), op.f32x4ExtractLane(2), op.f32Add);
          c.emit(op.localGet(acc), op.f32x4ExtractLane(3), op.f32Add, op.f64PromoteF32);
        } else {
          c.emit(
            op.localGet(acc),
            op.f64x2ExtractLane(0),
            op.localGet(acc),
            op.f64x2ExtractLane(1),
            op.f64Add,
          );
        }
        c.emit(op.f64Add, op.f64Store(8 * jj));
      }
      if (ii === 0) c.emit(op.localGet(CROW), op.localGet(LDC), op.i32Add, op.localSet(CROW));
    }
  });
  return c.bytes;
}

type DotFn = (
  M2: number,
  N4: number,
  KV: number,
  ap: number,
  lda: number,
  bp: number,
  ldb: number,
  cp: number,
  ldc: number,
) => void;

interface DotState {
  stage: StageState;
  dot32: DotFn;
  dot64: DotFn;
}

let state: DotState | null | undefined;

function load(): DotState | null {
  if (state === undefined) {
    const fn = (name: string, precision: KernelPrecision): FunctionSpec => ({
      name,
      params: repeatType(I32, 9),
      locals: [
        [9, I32],
        [11, V128],
      ],
      code: dotKernelCode(precision),
    });
    state = stageKernels<{ dot32: DotFn; dot64: DotFn }>([fn("dot32", "f32"), fn("dot64", "f64")]);
  }
  return state;
}

/** Whether the dot kernels compiled on this runtime (WebAssembly SIMD). */
export function wasmDotAvailable(): boolean {
  return load() !== null;
}

/**
 * Stages `rows` rows of K elements at element offset `base` (of the arena's f32 or f64 view), row
 * stride `ld`, zeroing columns K..Kp−1 and rows rows..padRows−1.
 */
function stageRows(
  s: StageState,
  single: boolean,
  base: number,
  ld: number,
  src: Float64Array,
  off: number,
  stride: number,
  rows: number,
  padRows: number,
  K: number,
  Kp: number,
  scratchByte: number,
): void {
  const dst = single ? s.arena.f32 : s.arena.f64;
  if (single) stageF32(s, 4 * base, ld, src, off, stride, rows, K, scratchByte);
  else copyRowsF64(s.arena.f64, base, ld, src, off, stride, rows, K);
  if (Kp > K) for (let r = 0; r < rows; r++) dst.fill(0, base + r * ld + K, base + r * ld + Kp);
  if (padRows > rows) dst.fill(0, base + rows * ld, base + padRows * ld);
}

/**
 * C(i,j) ← β·C(i,j) + Σ_k A[aOff + i·lda + k] · B[bOff + j·ldb + k]   (C(i,j) = C[cOff + i·ldc + j]),
 * in the given precision (f32: operands rounded to single precision, products and the K-sum in single
 * precision, the sum widened and added to C in f64). Returns false (doing nothing) when WebAssembly
 * SIMD is unavailable. Requires K ≥ 1.
 */
export function wasmGemmDot(
  precision: KernelPrecision,
  M: number,
  N: number,
  K: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  accumulate: boolean,
): boolean {
  const s = load();
  if (s === null || K < 1) return false;
  const bytes = precision === "f32" ? 4 : 8;
  const lanes = 16 / bytes;
  const Kp = Math.ceil(K / lanes) * lanes;
  const ld = paddedStride(Kp, bytes);
  const Mp = 2 * Math.ceil(M / 2);
  const Np = 4 * Math.ceil(N / 4);
  const ldp = Np;
  const ap = 0;
  const bp = lineAlign(ap + Mp * ld * bytes);
  const cp = lineAlign(bp + Np * ld * bytes);
  const scratch = lineAlign(cp + Mp * ldp * 8);
  const stage = s.stage;
  stage.arena.reserve(scratch + (precision === "f32" ? stageScratchBytes(K) : 0));
  const single = precision === "f32";
  stageRows(stage, single, ap / bytes, ld, A, aOff, lda, M, Mp, K, Kp, scratch);
  stageRows(stage, single, bp / bytes, ld, B, bOff, ldb, N, Np, K, Kp, scratch);
  const f64 = stage.arena.f64;
  const c0 = cp / 8;
  if (accumulate) {
    copyRowsF64(f64, c0, ldp, C, cOff, ldc, M, N);
  } else {
    f64.fill(0, c0, c0 + Mp * ldp);
  }
  const kernel = precision === "f32" ? s.dot32 : s.dot64;
  kernel(Mp / 2, Np / 4, Kp / lanes, ap, ld * bytes, bp, ld * bytes, cp, ldp * 8);
  copyRowsF64(C, cOff, ldc, f64, c0, ldp, M, N);
  return true;
}
