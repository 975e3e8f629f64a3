/**
 * Single-precision GEMM (precision 'f32' of {@link gemmStrided}) on WebAssembly SIMD f32x4,
 * assembled at load time (see wasm-asm.ts). Semantics (PyTorch's float32 matmul): operands rounded
 * to f32, products and sums in f32, the result widened to f64 and stored into (or, accumulating,
 * added to) the Float64Array C.
 *
 * Two kernels, chosen by layout so that operands are only ever copied row by row with native bulk
 * conversions (`Float32Array.prototype.set` from a Float64Array view), never transposed in JS:
 * - B′ row-contiguous (NN and TN): C blocks of 4×8 in eight f32x4 accumulators; per k two vector loads
 *   of B′(k, j..j+7) and four splat loads of A′(i..i+3, k), addressed with byte strides so that A′ = A
 *   (rows of A staged) and A′ = Aᵀ (rows of the stored K×M matrix staged) share one kernel;
 *   16 multiply–adds per 6 loads. B′'s rows are staged at a padded stride (no L1 set aliasing).
 * - both operands K-contiguous (NT): the dot-product kernel of wasm-gemm-dot.ts.
 * The f32 block sums are widened with f64x2.promote_low_f32x4 and added into a padded f64 buffer
 * holding C (accumulate) or zeros, copied back with native copies.
 */

import { CodeBuffer, I32, V128, WasmArena, assembleModule, op, wasmApi } from "./wasm-asm.js";
import { convertRowsF32, copyRowsF64, paddedStride, wasmGemmDot } from "./wasm-gemm-dot.js";

/**
 * rowb(M4, N8, K, ap, aI, aK, bp, ldb, cp, ldc), K ≥ 1, strides and addresses in bytes:
 *   Cp[i, j] += Σ_k A(i, k) · Bp[k, j]  for i < 4·M4, j < 8·N8, with A(i, k) at ap + i·aI + k·aK (f32),
 *   Bp[k, j] at bp + k·ldb + 4j (f32) and Cp[i, j] at cp + i·ldc + 8j (f64).
 */
function rowKernelCode(): number[] {
  const [M4, N8, K, AP, AI, AK, BP, LDB, CP, LDC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [JB, IB, PA, PB, END, CROW, PBJ, AI2, AI3] = [10, 11, 12, 13, 14, 15, 16, 17, 18];
  const ACC = [19, 20, 21, 22, 23, 24, 25, 26]; // ACC[2·ii + half]
  const [B0, B1, A] = [27, 28, 29];
  const high = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
  const c = new CodeBuffer();
  c.emit(op.localGet(AI), op.i32Const(2), op.i32Mul, op.localTee(AI2));
  c.emit(op.localGet(AI), op.i32Add, op.localSet(AI3));
  c.emit(op.i32Const(0), op.localSet(JB));
  c.emit(op.block, op.loop); // jb loop
  c.emit(op.localGet(JB), op.localGet(N8), op.i32LtU, op.i32Eqz, op.brIf(1));
  c.emit(op.localGet(BP), op.localGet(JB), op.i32Const(32), op.i32Mul, op.i32Add, op.localSet(PBJ));
  c.emit(op.i32Const(0), op.localSet(IB));
  c.emit(op.block, op.loop); // ib loop
  c.emit(op.localGet(IB), op.localGet(M4), op.i32LtU, op.i32Eqz, op.brIf(1));
  for (const a of ACC) c.emit(op.v128Zero, op.localSet(a));
  c.emit(op.localGet(AP), op.localGet(IB), op.localGet(AI), op.i32Mul, op.i32Const(4), op.i32Mul);
  c.emit(op.i32Add, op.localSet(PA));
  c.emit(op.localGet(PBJ), op.localTee(PB), op.localGet(K), op.localGet(LDB), op.i32Mul, op.i32Add);
  c.emit(op.localSet(END));
  c.emit(op.loop); // k loop
  c.emit(op.localGet(PB), op.v128Load(0), op.localSet(B0));
  c.emit(op.localGet(PB), op.v128Load(16), op.localSet(B1));
  for (let ii = 0; ii < 4; ii++) {
    c.emit(op.localGet(PA));
    if (ii > 0) c.emit(op.localGet([0, AI, AI2, AI3][ii]), op.i32Add);
    c.emit(op.v128Load32Splat(0), op.localSet(A));
    for (let h = 0; h < 2; h++) {
      const acc = ACC[2 * ii + h];
      c.emit(op.localGet(acc), op.localGet(A), op.localGet(h === 0 ? B0 : B1), op.f32x4Mul, op.f32x4Add);
      c.emit(op.localSet(acc));
    }
  }
  c.emit(op.localGet(PA), op.localGet(AK), op.i32Add, op.localSet(PA));
  c.emit(op.localGet(PB), op.localGet(LDB), op.i32Add, op.localTee(PB), op.localGet(END), op.i32LtU, op.brIf(0));
  c.emit(op.end); // k loop
  // CROW = cp + 4·ib·ldc + jb·64
  c.emit(op.localGet(CP), op.localGet(IB), op.localGet(LDC), op.i32Mul, op.i32Const(4), op.i32Mul, op.i32Add);
  c.emit(op.localGet(JB), op.i32Const(64), op.i32Mul, op.i32Add, op.localSet(CROW));
  for (let ii = 0; ii < 4; ii++) {
    for (let h = 0; h < 2; h++) {
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
  c.emit(op.localGet(IB), op.i32Const(1), op.i32Add, op.localSet(IB), op.br(0));
  c.emit(op.end, op.end); // ib loop, block
  c.emit(op.localGet(JB), op.i32Const(1), op.i32Add, op.localSet(JB), op.br(0));
  c.emit(op.end, op.end); // jb loop, block
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

interface RowState {
  arena: WasmArena;
  rowb: RowFn;
}

let state: RowState | null | undefined;

function load(): RowState | null {
  if (state !== undefined) return state;
  try {
    const api = wasmApi();
    const bytes = assembleModule([
      {
        name: "rowb",
        params: 10,
        locals: [
          [9, I32],
          [11, V128],
        ],
        code: rowKernelCode(),
      },
    ]);
    if (api === undefined || !api.validate(bytes)) {
      state = null;
      return state;
    }
    const arena = new WasmArena(api, 32);
    const instance = new api.Instance(new api.Module(bytes), { env: { memory: arena.memory } });
    state = { arena, rowb: instance.exports.rowb as RowFn };
  } catch {
    state = null;
  }
  return state;
}

/** Whether the single-precision kernels compiled on this runtime (WebAssembly SIMD: Node ≥ 16.4). */
export function wasmGemmF32Available(): boolean {
  return load() !== null;
}

const line = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/**
 * C(i,j) ← β·C(i,j) + Σ_k A(i,k)·B(k,j) in single precision, with the strided addressing of
 * `gemmStrided` (A(i,k) = A[aOff + i·aI + k·aK], B(k,j) = B[bOff + k·bK + j·bJ],
 * C(i,j) = C[cOff + i·ldc + j]). Handles the layouts with a unit stride in B′ along j and in A′ along
 * k or i (NN, TN), or in both A′ and B′ along k (NT). Returns false (doing nothing) for other layouts,
 * for K < 1, or when WebAssembly SIMD is unavailable.
 */
export function wasmGemmF32(
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
  bJ: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  accumulate: boolean,
): boolean {
  if (K < 1) return false;
  if (bJ !== 1 || (aK !== 1 && aI !== 1)) {
    if (aK === 1 && bK === 1) return wasmGemmDot("f32", M, N, K, A, aOff, aI, B, bOff, bJ, C, cOff, ldc, accumulate);
    return false;
  }
  const s = load();
  if (s === null) return false;
  const Mp = 4 * Math.ceil(M / 4);
  const Np = 8 * Math.ceil(N / 8);
  // A′ staged as stored: rows of A (A′ = A, aK = 1) or rows of the K×M matrix (A′ = Aᵀ, aI = 1).
  const byRows = aK === 1;
  const lda = byRows ? paddedStride(K, 4) : paddedStride(Mp, 4);
  const aLen = byRows ? Mp * lda : K * lda;
  const ldb = paddedStride(Np, 4);
  const ap = 0;
  const bp = line(4 * aLen);
  const cp = line(bp + 4 * K * ldb);
  const ldp = Np;
  s.arena.reserve(cp + 8 * Mp * ldp);
  const f32 = s.arena.f32;
  const f64 = s.arena.f64;
  if (byRows) {
    convertRowsF32(f32, 0, lda, A, aOff, aI, M, K);
    if (Mp > M) f32.fill(0, M * lda, Mp * lda);
  } else {
    // Columns M..Mp−1 of the staged rows (stale memory) only reach discarded rows of Cp.
    convertRowsF32(f32, 0, lda, A, aOff, aK, K, M);
  }
  // Columns N..Np−1 of the staged B rows only reach discarded columns of Cp.
  convertRowsF32(f32, bp / 4, ldb, B, bOff, bK, K, N);
  const c0 = cp / 8;
  if (accumulate) {
    copyRowsF64(f64, c0, ldp, C, cOff, ldc, M, N);
  } else {
    f64.fill(0, c0, c0 + Mp * ldp);
  }
  if (byRows) s.rowb(Mp / 4, Np / 8, K, ap, 4 * lda, 4, bp, 4 * ldb, cp, 8 * ldp);
  else s.rowb(Mp / 4, Np / 8, K, ap, 4, 4 * lda, bp, 4 * ldb, cp, 8 * ldp);
  copyRowsF64(C, cOff, ldc, f64, c0, ldp, M, N);
  return true;
}
