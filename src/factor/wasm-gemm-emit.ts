/**
 * Code shared by the register-blocked GEMM kernels (wasm-gemm.ts, wasm-gemm-dot.ts,
 * wasm-gemm-rows.ts): the loop nest over C blocks and the address of a block's first row.
 */
import { op, type CodeBuffer } from "../wasm/index.js";

/** Locals of the block nest: column-block and row-block counters and their limits. */
export interface BlockNestLocals {
  readonly JB: number;
  readonly NB: number;
  readonly IB: number;
  readonly MB: number;
}

/**
 * for jb < NB { columnBlock(); for ib < MB { accumulators ← 0; block(); } }: each C block is
 * computed from zeroed vector accumulators by `block`, which also adds them into C.
 */
export function emitBlockNest(
  c: CodeBuffer,
  { JB, NB, IB, MB }: BlockNestLocals,
  accumulators: readonly number[],
  columnBlock: () => void,
  block: () => void,
): void {
  c.forBelow(JB, NB, 1, () => {
    columnBlock();
    c.forBelow(IB, MB, 1, () => {
      for (const a of accumulators) c.emit(op.v128Zero, op.localSet(a));
      block();
    });
  });
}

/**
 * local[dst] ← local[base] + rows · local[IB] · local[LDC] + blockBytes · local[JB]: the byte address
 * of block (ib, jb)'s first row in a C buffer with row stride LDC bytes, `rows` rows per block and
 * `blockBytes` bytes per block row.
 */
export function emitBlockAddress(
  c: CodeBuffer,
  dst: number,
  { base, IB, LDC, JB }: { base: number; IB: number; LDC: number; JB: number },
  rows: number,
  blockBytes: number,
): void {
  c.emit(op.localGet(base), op.localGet(IB), op.localGet(LDC), op.i32Mul, op.i32Const(rows), op.i32Mul);
  c.emit(op.i32Add, op.localGet(JB), op.i32Const(blockBytes), op.i32Mul, op.i32Add, op.localSet(dst));
}
