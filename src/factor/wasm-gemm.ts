/**
 * A WebAssembly SIMD (f64x2) GEMM micro-kernel, assembled byte by byte at load time (no toolchain),
 * used by {@link gemmStrided} for f64 products large enough to amortise packing (except the NT layout,
 * which the packing-free dot kernel of wasm-gemm-dot.ts handles faster); assembler in src/wasm/.
 *
 * Scheme (Goto & van de Geijn 2008, one level): the JS side packs A′ (M×K) into 4-row panels
 * Ap[ib][k][0..3] and B′ (K×N) into 4-column panels Bp[jb][k][0..3] inside the module's memory (zero
 * padding M and N up to multiples of 4); the kernel keeps a 4×4 block of C in eight f64x2 registers,
 * per k loading two vectors of B and splatting four scalars of A (16 multiply–adds per 6 loads), and
 * adds its block into the padded product buffer Cp (M4·4 × N4·4, row-major), which JS first fills with
 * C (accumulate) or zeros and afterwards copies back, all by native bulk copies. Results equal the
 * scalar kernel up to floating-point reassociation (each C entry sums its K products in the same
 * order, so in fact they match exactly).
 */

import {
  CodeBuffer,
  I32,
  V128,
  WasmArena,
  assembleKernels,
  op,
  repeatType,
  type FunctionSpec,
} from "../wasm/index.js";
import { emitBlockAddress, emitBlockNest } from "./wasm-gemm-emit.js";
import { copyRowsF64, paddedStride } from "./wasm-gemm-stage.js";

/**
 * kernel(M4, N4, K, ap, bp, cp): for every 4×4 block (ib, jb),
 *   Cp[4ib+ii, 4jb+jj] = Σ_k Ap[(ib·K + k)·4 + ii] · Bp[(jb·K + k)·4 + jj]   (byte offsets ap, bp, cp).
 */
function kernelFunction(): FunctionSpec {
  // params 0..7: M4, N4, K, ap, bp, cp, bStep (bytes between k rows of B), bBlock (bytes between 4-column blocks)
  const [M4, N4, K, AP, BP, CP, BSTEP, BBLOCK] = [0, 1, 2, 3, 4, 5, 6, 7];
  // i32 locals
  const [JB, IB, PA, PB, END, LDC, KB, CROW, PBJ] = [8, 9, 10, 11, 12, 13, 14, 15, 16];
  // v128 locals: acc0..acc7, b0, b1, a
  const ACC = [17, 18, 19, 20, 21, 22, 23, 24];
  const [B0, B1, A] = [25, 26, 27];
  const c = new CodeBuffer();
  const emit = c.emit.bind(c);
  // LDC = N4·32 bytes per C row; KB = K·32 bytes per packed panel
  emit(op.localGet(N4), op.i32Const(32), op.i32Mul, op.localSet(LDC));
  emit(op.localGet(K), op.i32Const(32), op.i32Mul, op.localSet(KB));
  const columnBlock = (): void =>
    emit(op.localGet(BP), op.localGet(JB), op.localGet(BBLOCK), op.i32Mul, op.i32Add, op.localSet(PBJ));
  emitBlockNest(c, { JB, NB: N4, IB, MB: M4 }, ACC, columnBlock, () => {
    emit(op.localGet(AP), op.localGet(IB), op.localGet(KB), op.i32Mul, op.i32Add, op.localSet(PA));
    // END = pb + K·bStep (the loop runs while pb < END)
    emit(
      op.localGet(PBJ),
      op.localTee(PB),
      op.localGet(K),
      op.localGet(BSTEP),
      op.i32Mul,
      op.i32Add,
      op.localSet(END),
    );
    c.doWhileBelow(PB, END, op.localGet(BSTEP), () => {
      emit(op.localGet(PB), op.v128Load(0), op.localSet(B0));
      emit(op.localGet(PB), op.v128Load(16), op.localSet(B1));
      for (let ii = 0; ii < 4; ii++) {
        emit(op.localGet(PA), op.v128Load64Splat(8 * ii), op.localSet(A));
        for (let h = 0; h < 2; h++) {
          const acc = ACC[2 * ii + h];
          emit(op.localGet(acc), op.localGet(A), op.localGet(h === 0 ? B0 : B1), op.f64x2Mul, op.f64x2Add);
          emit(op.localSet(acc));
        }
      }
      emit(op.localGet(PA), op.i32Const(32), op.i32Add, op.localSet(PA));
    });
    emitBlockAddress(c, CROW, { base: CP, IB, LDC, JB }, 4, 32);
    for (let ii = 0; ii < 4; ii++) {
      // Cp block += acc (JS fills Cp with C or with zeros first).
      for (let h = 0; h < 2; h++) {
        emit(op.localGet(CROW), op.localGet(CROW), op.v128Load(16 * h), op.localGet(ACC[2 * ii + h]));
        emit(op.f64x2Add, op.v128Store(16 * h));
      }
      if (ii < 3) emit(op.localGet(CROW), op.localGet(LDC), op.i32Add, op.localSet(CROW));
    }
  });
  return {
    name: "kernel",
    params: repeatType(I32, 8),
    locals: [
      [9, I32],
      [11, V128],
    ],
    code: c.bytes,
  };
}

type KernelFn = (
  M4: number,
  N4: number,
  K: number,
  ap: number,
  bp: number,
  cp: number,
  bStep: number,
  bBlock: number,
) => void;

interface WasmState {
  arena: WasmArena;
  kernel: KernelFn;
}

let state: WasmState | null | undefined;

function load(): WasmState | null {
  if (state !== undefined) return state;
  const arena = WasmArena.create(32);
  const kernels = arena && assembleKernels<{ kernel: KernelFn }>([kernelFunction()], arena.memory);
  state = arena && kernels && { arena, ...kernels };
  return state;
}

/** Whether the SIMD kernel compiled on this runtime (WebAssembly SIMD: Node ≥ 16.4). */
export function wasmGemmAvailable(): boolean {
  return load() !== null;
}

/**
 * Packs a strided operand into 4-lane panels: dst[(blk·K + k)·4 + l] = src[off + (4blk + l)·lane + k·step]
 * for lanes < `lanes`, zero beyond. When lanes are contiguous (lane = 1) and steps are far apart, two
 * blocks (8 lanes = one 64-byte cache line) are copied per step, so every line is read once: walking
 * one 4-lane block down a large power-of-two stride would evict the lines before the next block.
 */
function packPanels(
  mem: Float64Array,
  base: number,
  src: Float64Array,
  off: number,
  lane: number,
  step: number,
  lanes: number,
  K: number,
): void {
  const blocks = (lanes + 3) >> 2;
  if (lane === 1 && step !== 1) {
    let blk = 0;
    for (; blk + 2 <= blocks && 4 * blk + 8 <= lanes; blk += 2) {
      const d0 = base + blk * K * 4;
      const d1 = d0 + K * 4;
      let p = off + 4 * blk;
      for (let k = 0, d = 0; k < K; k++, d += 4, p += step) {
        mem[d0 + d] = src[p];
        mem[d0 + d + 1] = src[p + 1];
        mem[d0 + d + 2] = src[p + 2];
        mem[d0 + d + 3] = src[p + 3];
        mem[d1 + d] = src[p + 4];
        mem[d1 + d + 1] = src[p + 5];
        mem[d1 + d + 2] = src[p + 6];
        mem[d1 + d + 3] = src[p + 7];
      }
    }
    for (; blk < blocks; blk++) {
      const d0 = base + blk * K * 4;
      const n = Math.min(4, lanes - 4 * blk);
      let p = off + 4 * blk;
      for (let k = 0, d = d0; k < K; k++, d += 4, p += step) {
        for (let l = 0; l < 4; l++) mem[d + l] = l < n ? src[p + l] : 0;
      }
    }
    return;
  }
  for (let blk = 0; blk < blocks; blk++) {
    const n = Math.min(4, lanes - 4 * blk);
    const d0 = base + blk * K * 4;
    const p0 = off + 4 * blk * lane;
    if (n === 4) {
      // Four lanes in lockstep, one contiguous 4-vector written per step.
      const p1 = p0 + lane;
      const p2 = p1 + lane;
      const p3 = p2 + lane;
      for (let k = 0, d = d0, q = 0; k < K; k++, d += 4, q += step) {
        mem[d] = src[p0 + q];
        mem[d + 1] = src[p1 + q];
        mem[d + 2] = src[p2 + q];
        mem[d + 3] = src[p3 + q];
      }
      continue;
    }
    for (let k = 0, d = d0, q = 0; k < K; k++, d += 4, q += step) {
      for (let l = 0; l < 4; l++) mem[d + l] = l < n ? src[p0 + l * lane + q] : 0;
    }
  }
}

/**
 * C(i,j) ← β·C(i,j) + Σ_k A(i,k)·B(k,j) with the strided addressing of `gemmStrided`
 * (A(i,k) = A[aOff + i·aI + k·aK], B(k,j) = B[bOff + k·bK + j·bJ], C(i,j) = C[cOff + i·ldc + j]).
 * Returns false (doing nothing) when WebAssembly SIMD is unavailable.
 */
export function wasmGemm(
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
  const s = load();
  if (s === null) return false;
  const M4 = (M + 3) >> 2;
  const N4 = (N + 3) >> 2;
  const aLen = M4 * 4 * K;
  // B with contiguous rows (B(k, j..j+3) adjacent) is copied row by row with native bulk copies and
  // read in place, at a row stride padded so consecutive rows fall in different L1 sets; its last
  // block may read up to 3 values past a row (they only reach discarded columns).
  const direct = bJ === 1;
  const ldm = direct ? paddedStride(N, 8) : 0;
  const bLen = direct ? K * ldm + 4 : N4 * 4 * K;
  const cLen = M4 * 4 * N4 * 4;
  s.arena.reserve(8 * (aLen + bLen + cLen));
  const mem = s.arena.f64;
  const ap = 0;
  const bp = aLen;
  const cp = aLen + bLen;
  packPanels(mem, ap, A, aOff, aI, aK, M, K);
  const ldp = N4 * 4;
  if (accumulate) {
    copyRowsF64(mem, cp, ldp, C, cOff, ldc, M, N);
  } else {
    mem.fill(0, cp, cp + cLen);
  }
  if (direct) {
    copyRowsF64(mem, bp, ldm, B, bOff, bK, K, N);
    mem.fill(0, bp + K * ldm, bp + K * ldm + 4);
    s.kernel(M4, N4, K, ap * 8, bp * 8, cp * 8, ldm * 8, 32);
  } else {
    packPanels(mem, bp, B, bOff, bJ, bK, N, K);
    s.kernel(M4, N4, K, ap * 8, bp * 8, cp * 8, 32, K * 32);
  }
  copyRowsF64(C, cOff, ldc, mem, cp, ldp, M, N);
  return true;
}
