/**
 * WebAssembly SIMD (f64x2) kernels for the sparse-input ("scatter") path of {@link Conv2d}, assembled
 * at load time with the project's assembler (src/wasm/).
 *
 * Both kernels walk a list of non-zero inputs per (sample, channel) and, for every kernel tap (i, j)
 * that reads the non-zero's pixel, update a row of O values that are contiguous in memory
 * (channels-last, so one tap is Op/2 vector multiply–adds instead of O scattered scalar ones):
 *   forward:  z[p, :]  += v · Wᵀ[(c, i, j), :]   z = one sample's output, P × Op, starting at the bias;
 *                                                y[n, o, p] = z[p, o] afterwards (one transpose per sample)
 *   backward: ∇Wᵀ[(c, i, j), :] += v · g[p, :]   g = one sample's ∇y transposed to P × Op,
 *                                                ∇b[o] += Σ_p ∇y[n, o, p] summed during that transpose.
 * Op is O rounded up to even (padded lanes hold zeros and are discarded); the O-loop is fully unrolled
 * in a module compiled once per Op. Each output entry receives the same terms in the same order as
 * the scalar code in conv2d.ts (bias, then non-zeros in input order), so results are bit-identical.
 *
 * All Conv2d layers share one linear memory (calls are synchronous and never re-entered); a call
 * stages its operands there and copies results out with native bulk copies.
 */

import {
  CodeBuffer,
  F64,
  I32,
  V128,
  WasmArena,
  assembleKernels,
  op,
  repeatType,
  type FunctionSpec,
} from "../wasm/index.js";

/** The non-zeros of a batch, per segment s = n·C + c: entries start[s] .. start[s+1) of (pixel, value). */
export interface NonZeroList {
  pixel: Int32Array;
  value: Float64Array;
  start: Int32Array;
}

/** Which taps read each input pixel: entries tapStart[pix] .. tapStart[pix+1) of (kernel tap, output position). */
export interface TapTable {
  tapStart: Int32Array;
  tapKernel: Int32Array;
  tapOutput: Int32Array;
}

type CollectFn = (
  x: number,
  segments: number,
  pixels: number,
  pixOut: number,
  valOut: number,
  segOut: number,
) => void;

/**
 * forward / backward(batch, C, O, P, wT, row, tapStart, tapOff, seg, nzPix, nzVal, data, aux,
 * channelBytes, pairs), addresses in bytes: `wT` the channels-last weight (forward) or its gradient
 * (backward), `row` one sample's P × Op scratch, `data` the output batch (forward) or ∇y (backward),
 * `aux` the bias tile (forward) or the bias sums (backward); `pairs` 1 when O and P are even.
 */
type ScatterFn = (
  batch: number,
  C: number,
  O: number,
  P: number,
  wT: number,
  row: number,
  tapStart: number,
  tapOff: number,
  seg: number,
  nzPix: number,
  nzVal: number,
  data: number,
  aux: number,
  channelBytes: number,
  pairs: number,
) => void;

/** i8x16.shuffle lanes of a 2×2 f64 transpose: (a₀, b₀) and (a₁, b₁) from vectors a, b. */
const LOW_LANES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const HIGH_LANES = LOW_LANES.map((l) => l + 8);

/** The byte address base + index·2^log2Size (both locals) of an element. */
function element(base: number, index: number, log2Size: number): number[] {
  return [...op.localGet(base), ...op.localGet(index), ...op.i32Const(log2Size), ...op.i32Shl, ...op.i32Add];
}

/**
 * Emits the scatter loops shared by both kernels: for c < C, for each non-zero t of segment
 * (sample, c), for each tap s of its pixel: dst[0..Op) += v · src[0..Op), where
 * (dst, src) = (z + tapOutput, wc + tapKernel) forward and (wc + tapKernel, g + tapOutput) backward,
 * wc = weight base of channel c. Locals: see the callers' `L` maps.
 */
function emitScatter(
  c: CodeBuffer,
  L: Record<string, number>,
  Op: number,
  role: "forward" | "backward",
): void {
  // wc = wBase; ci = 0
  c.emit(op.localGet(L.wBase), op.localSet(L.wc));
  c.forBelow(L.ci, L.C, 1, () => {
    // t = seg[0] (element index), tEnd = seg[1]
    c.emit(op.localGet(L.segPtr), op.i32Load(0), op.localSet(L.t));
    c.emit(op.localGet(L.segPtr), op.i32Load(4), op.localSet(L.tEnd));
    c.whileBelow(L.t, L.tEnd, 1, () => {
      // pixAddr = tapStart + 4·nzPix[t]; v = splat(nzVal[t])
      c.emit(element(L.nzPix, L.t, 2), op.i32Load(0));
      c.emit(op.i32Const(2), op.i32Shl, op.localGet(L.tapStart), op.i32Add, op.localSet(L.tmp));
      c.emit(element(L.nzVal, L.t, 3));
      c.emit(op.v128Load64Splat(0), op.localSet(L.v));
      // s = tapOff + tapStart[pix], sEnd = tapOff + tapStart[pix + 1] (byte offsets of 8-byte entries)
      c.emit(op.localGet(L.tmp), op.i32Load(0), op.localGet(L.tapOff), op.i32Add, op.localSet(L.s));
      c.emit(op.localGet(L.tmp), op.i32Load(4), op.localGet(L.tapOff), op.i32Add, op.localSet(L.sEnd));
      c.whileBelow(L.s, L.sEnd, 8, () => {
        // kernel-row address wc + tapKernel, output-row address row + tapOutput
        c.emit(op.localGet(L.wc), op.localGet(L.s), op.i32Load(0), op.i32Add, op.localSet(L.wo));
        c.emit(op.localGet(L.row), op.localGet(L.s), op.i32Load(4), op.i32Add, op.localSet(L.zo));
        const [dst, src] = role === "forward" ? [L.zo, L.wo] : [L.wo, L.zo];
        for (let k = 0; k < Op / 2; k++) {
          const off = 16 * k;
          c.emit(op.localGet(dst), op.localGet(dst), op.v128Load(off));
          c.emit(op.localGet(L.v), op.localGet(src), op.v128Load(off), op.f64x2Mul, op.f64x2Add);
          c.emit(op.v128Store(off));
        }
      });
    }); // non-zero loop
    c.emit(op.localGet(L.wc), op.localGet(L.channelBytes), op.i32Add, op.localSet(L.wc));
    c.emit(op.localGet(L.segPtr), op.i32Const(4), op.i32Add, op.localSet(L.segPtr));
  });
}

/**
 * collect(x, segments, pixels, pixOut, valOut, segOut): for each segment (pixels consecutive f64 of x),
 * segOut[s] = running count, then every non-zero's (pixel, value) appended to pixOut / valOut;
 * segOut[segments] = total. Four values at a time are tested with one vector OR (all-zero groups,
 * most of a sparse input, are skipped); inside a group the append is branch-free (written always,
 * the cursor advances on non-zeros), so both outputs need room for every input value.
 */
function collectCode(): FunctionSpec {
  const L = localMap(["x", "segments", "pixels", "pixOut", "valOut", "segOut"], ["m", "seg", "p"], []);
  const val = 9; // f64 local
  const c = new CodeBuffer();
  const appendOne = (pixelOffset: number, byteOffset: number): void => {
    // pixOut[m] = p + pixelOffset; valOut[m] = x[byteOffset]; m += (value ≠ 0)
    c.emit(element(L.pixOut, L.m, 2));
    c.emit(op.localGet(L.p), op.i32Const(pixelOffset), op.i32Add, op.i32Store(0));
    c.emit(element(L.valOut, L.m, 3));
    c.emit(op.localGet(L.x), op.f64Load(byteOffset), op.localTee(val), op.f64Store(0));
    c.emit(op.localGet(L.m), op.localGet(val), op.f64Const(0), op.f64Ne, op.i32Add, op.localSet(L.m));
  };
  c.emit(op.i32Const(0), op.localSet(L.m), op.i32Const(0), op.localSet(L.seg));
  c.whileBelow(L.seg, L.segments, 1, () => {
    c.emit(element(L.segOut, L.seg, 2));
    c.emit(op.localGet(L.m), op.i32Store(0));
    c.emit(op.i32Const(0), op.localSet(L.p));
    c.emit(op.block, op.loop); // groups of four
    c.emit(op.localGet(L.p), op.i32Const(4), op.i32Add, op.localGet(L.pixels), op.i32GtU, op.brIf(1));
    c.emit(op.localGet(L.x), op.v128Load(0), op.localGet(L.x), op.v128Load(16), op.v128Or, op.v128AnyTrue);
    c.emit(op.if);
    for (let k = 0; k < 4; k++) appendOne(k, 8 * k);
    c.emit(op.end);
    c.emit(op.localGet(L.x), op.i32Const(32), op.i32Add, op.localSet(L.x));
    c.emit(op.localGet(L.p), op.i32Const(4), op.i32Add, op.localSet(L.p), op.br(0));
    c.emit(op.end, op.end);
    // the last pixels mod 4
    c.whileBelow(L.p, L.pixels, 1, () => {
      appendOne(0, 0);
      c.emit(op.localGet(L.x), op.i32Const(8), op.i32Add, op.localSet(L.x));
    });
  });
  c.emit(element(L.segOut, L.segments, 2));
  c.emit(op.localGet(L.m), op.i32Store(0));
  return {
    name: "collect",
    code: c.bytes,
    params: repeatType(I32, 6),
    locals: [
      [3, I32],
      [1, F64],
    ],
  };
}

/** Names → local indices: the parameters first (in signature order), then i32 locals, then v128 locals. */
function localMap(params: string[], i32s: string[], v128s: string[]): Record<string, number> {
  const L: Record<string, number> = {};
  [...params, ...i32s, ...v128s].forEach((name, i) => (L[name] = i));
  return L;
}

/** Parameter names of the forward and backward kernels (see {@link ScatterFn}), `data` and `aux` named per kernel. */
function scatterParams(data: string, aux: string): string[] {
  const pointers = ["wBase", "row", "tapStart", "tapOff", "segPtr", "nzPix", "nzVal"];
  return ["B", "C", "O", "P", ...pointers, data, aux, "channelBytes", "pairs"];
}

function forwardCode(Op: number): FunctionSpec {
  const params = scatterParams("out", "zInit");
  const i32s = [
    "n",
    "q",
    "zBytes",
    "wc",
    "ci",
    "t",
    "tEnd",
    "tmp",
    "s",
    "sEnd",
    "wo",
    "zo",
    "o",
    "p",
    "src",
    "dst0",
    "dst1",
    "outBytes",
  ];
  const v128s = ["v", "a", "b"];
  const L = localMap(params, i32s, v128s);
  const c = new CodeBuffer();
  const rowBytes = 8 * Op;
  // zBytes = P · Op · 8
  c.emit(op.localGet(L.P), op.i32Const(rowBytes), op.i32Mul, op.localSet(L.zBytes));
  c.forBelow(L.n, L.B, 1, () => {
    // z ← zInit (the bias at every position), 16 bytes at a time
    c.emit(op.i32Const(0), op.localSet(L.q));
    c.doWhileBelow(L.q, L.zBytes, op.i32Const(16), () => {
      c.emit(op.localGet(L.row), op.localGet(L.q), op.i32Add);
      c.emit(op.localGet(L.zInit), op.localGet(L.q), op.i32Add, op.v128Load(0), op.v128Store(0));
    });
    emitScatter(c, L, Op, "forward");
    // out[o·P + p] = z[p·Op + o]: with O and P even, by 2×2 blocks (two vector loads, two shuffles,
    // two vector stores per four values); otherwise one value at a time.
    c.emit(op.localGet(L.pairs), op.if);
    c.forBelow(L.o, L.O, 2, () => {
      c.emit(element(L.row, L.o, 3), op.localSet(L.src));
      // dst0 = out + 8·o·P (row o of the output), dst1 = dst0 + 8·P (row o + 1)
      c.emit(op.localGet(L.out), op.localGet(L.o), op.localGet(L.P), op.i32Mul, op.i32Const(3), op.i32Shl);
      c.emit(op.i32Add, op.localTee(L.dst0), op.localGet(L.P), op.i32Const(3), op.i32Shl, op.i32Add);
      c.emit(op.localSet(L.dst1));
      c.countDown(L.p, L.P, 2, () => {
        c.emit(op.localGet(L.src), op.v128Load(0), op.localSet(L.a));
        c.emit(op.localGet(L.src), op.v128Load(rowBytes), op.localSet(L.b));
        c.emit(op.localGet(L.dst0), op.localGet(L.a), op.localGet(L.b), op.i8x16Shuffle(LOW_LANES));
        c.emit(op.v128Store(0));
        c.emit(op.localGet(L.dst1), op.localGet(L.a), op.localGet(L.b), op.i8x16Shuffle(HIGH_LANES));
        c.emit(op.v128Store(0));
        c.emit(op.localGet(L.src), op.i32Const(2 * rowBytes), op.i32Add, op.localSet(L.src));
        c.emit(op.localGet(L.dst0), op.i32Const(16), op.i32Add, op.localSet(L.dst0));
        c.emit(op.localGet(L.dst1), op.i32Const(16), op.i32Add, op.localSet(L.dst1));
      });
    });
    // out += 8·O·P (the next sample's output)
    c.emit(op.localGet(L.out), op.localGet(L.O), op.localGet(L.P), op.i32Mul, op.i32Const(3), op.i32Shl);
    c.emit(op.i32Add, op.localSet(L.out));
    c.emit(op.else);
    c.forBelow(L.o, L.O, 1, () => {
      c.emit(element(L.row, L.o, 3), op.localSet(L.src));
      c.countDown(L.p, L.P, 1, () => {
        c.emit(op.localGet(L.out), op.localGet(L.src), op.f64Load(0), op.f64Store(0));
        c.emit(op.localGet(L.out), op.i32Const(8), op.i32Add, op.localSet(L.out));
        c.emit(op.localGet(L.src), op.i32Const(rowBytes), op.i32Add, op.localSet(L.src));
      });
    });
    c.emit(op.end); // if pairs … else …
  });
  return {
    name: "forward",
    code: c.bytes,
    params: repeatType(I32, params.length),
    locals: [
      [i32s.length, I32],
      [v128s.length, V128],
    ],
  };
}

function backwardCode(Op: number): FunctionSpec {
  const params = scatterParams("gradOut", "biasSum");
  const i32s = ["n", "wc", "ci", "t", "tEnd", "tmp", "s", "sEnd", "wo", "zo", "o", "p", "dst", "bo", "srcB"];
  const v128s = ["v", "a", "b", "lo", "hi", "acc"];
  const L = localMap(params, i32s, v128s);
  // f64 accumulator for the bias sum: an extra local of type f64 (0x7c)
  const sumLocal = params.length + i32s.length + v128s.length;
  const c = new CodeBuffer();
  const rowBytes = 8 * Op;
  c.forBelow(L.n, L.B, 1, () => {
    // g[p·Op + o] = gradOut[o·P + p]; biasSum[o] += Σ_p in order. With O and P even, by 2×2 blocks,
    // the bias sums of channels o, o+1 in the two lanes of one vector (each lane still sums in p order).
    c.emit(op.localGet(L.pairs), op.if);
    c.forBelow(L.o, L.O, 2, () => {
      c.emit(element(L.biasSum, L.o, 3), op.localTee(L.bo));
      c.emit(op.v128Load(0), op.localSet(L.acc));
      c.emit(element(L.row, L.o, 3), op.localSet(L.dst));
      c.emit(element(L.gradOut, L.P, 3), op.localSet(L.srcB));
      c.countDown(L.p, L.P, 2, () => {
        c.emit(op.localGet(L.gradOut), op.v128Load(0), op.localSet(L.a));
        c.emit(op.localGet(L.srcB), op.v128Load(0), op.localSet(L.b));
        c.emit(op.localGet(L.a), op.localGet(L.b), op.i8x16Shuffle(LOW_LANES), op.localSet(L.lo));
        c.emit(op.localGet(L.a), op.localGet(L.b), op.i8x16Shuffle(HIGH_LANES), op.localSet(L.hi));
        c.emit(op.localGet(L.dst), op.localGet(L.lo), op.v128Store(0));
        c.emit(op.localGet(L.dst), op.localGet(L.hi), op.v128Store(rowBytes));
        c.emit(
          op.localGet(L.acc),
          op.localGet(L.lo),
          op.f64x2Add,
          op.localGet(L.hi),
          op.f64x2Add,
          op.localSet(L.acc),
        );
        c.emit(op.localGet(L.gradOut), op.i32Const(16), op.i32Add, op.localSet(L.gradOut));
        c.emit(op.localGet(L.srcB), op.i32Const(16), op.i32Add, op.localSet(L.srcB));
        c.emit(op.localGet(L.dst), op.i32Const(2 * rowBytes), op.i32Add, op.localSet(L.dst));
      });
      c.emit(op.localGet(L.bo), op.localGet(L.acc), op.v128Store(0));
      // gradOut has passed row o; skip row o + 1 too.
      c.emit(op.localGet(L.srcB), op.localSet(L.gradOut));
    });
    c.emit(op.else);
    c.forBelow(L.o, L.O, 1, () => {
      c.emit(element(L.biasSum, L.o, 3), op.localTee(L.bo));
      c.emit(op.f64Load(0), op.localSet(sumLocal));
      c.emit(element(L.row, L.o, 3), op.localSet(L.dst));
      c.countDown(L.p, L.P, 1, () => {
        c.emit(
          op.localGet(L.dst),
          op.localGet(L.gradOut),
          op.f64Load(0),
          op.localTee(sumLocal + 1),
          op.f64Store(0),
        );
        c.emit(op.localGet(sumLocal), op.localGet(sumLocal + 1), op.f64Add, op.localSet(sumLocal));
        c.emit(op.localGet(L.gradOut), op.i32Const(8), op.i32Add, op.localSet(L.gradOut));
        c.emit(op.localGet(L.dst), op.i32Const(rowBytes), op.i32Add, op.localSet(L.dst));
      });
      c.emit(op.localGet(L.bo), op.localGet(sumLocal), op.f64Store(0));
    });
    c.emit(op.end); // if pairs … else …
    emitScatter(c, L, Op, "backward");
  });
  return {
    name: "backward",
    code: c.bytes,
    params: repeatType(I32, params.length),
    locals: [
      [i32s.length, I32],
      [v128s.length, V128],
      [2, F64],
    ],
  };
}

interface KernelState {
  arena: WasmArena;
  i32: Int32Array;
  collect: CollectFn;
  forward: ScatterFn;
  backward: ScatterFn;
}

let arena: WasmArena | null = null;
const kernels = new Map<number, KernelState | null>();
/** The layer whose tap table is staged at the start of memory (a layer called again skips re-staging it). */
let tapOwner = -1;
/** The layer (and batch) whose non-zero list is staged, so its forward and backward skip re-staging it. */
let nzOwner = -1;
let nzBatch = 0;

/** Whether the kernels run: 'auto' uses WebAssembly SIMD when available; 'js' forces conv2d.ts's scalar loops. */
export type SparseConvBackend = "auto" | "js";
let backend: SparseConvBackend = "auto";

/** Selects the sparse-conv kernel ('js' forces the scalar loops, e.g. to compare them). Returns the previous choice. */
export function setSparseConvBackend(choice: SparseConvBackend): SparseConvBackend {
  if (choice !== "auto" && choice !== "js")
    throw new RangeError(`sparse conv backend must be 'auto' or 'js', got ${String(choice)}`);
  const previous = backend;
  backend = choice;
  return previous;
}

function load(Op: number): KernelState | null {
  const cached = kernels.get(Op);
  if (cached !== undefined) return cached;
  arena ??= WasmArena.create(16);
  const functions = [collectCode(), forwardCode(Op), backwardCode(Op)];
  const exports = arena && assembleKernels<Omit<KernelState, "arena" | "i32">>(functions, arena.memory);
  const state = arena && exports && { arena, i32: new Int32Array(arena.memory.buffer), ...exports };
  kernels.set(Op, state);
  return state;
}

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/** Byte addresses of one call's operands (see {@link SparseConvKernel}). */
interface Plan {
  s: KernelState;
  seg: number;
  pix: number;
  val: number;
  /** The input batch (collect), then the output or its gradient. */
  tail: number;
}

/**
 * One Conv2d's staging for the kernels: byte-offset tap tables and the memory plan (tap tables,
 * channels-last weight, bias tile, sample scratch, bias sums, then per call the segment starts,
 * non-zero pixels and values — room for every input — and the input / output batch).
 * Every method returns a failure value (doing nothing) when WebAssembly SIMD is unavailable or disabled.
 */
export class SparseConvKernel {
  private static instances = 0;
  /** Identifies this layer's data in the shared memory. */
  private readonly id = SparseConvKernel.instances++;
  private readonly Op: number;
  private readonly inSize: number;
  private readonly tapStartBytes: Int32Array;
  private readonly tapOffsets: Int32Array;
  private readonly tapStartAt = 0;
  private readonly tapOffAt: number;
  private readonly wAt: number;
  private readonly zInitAt: number;
  private readonly rowAt: number;
  private readonly biasAt: number;
  private readonly dynamicAt: number;

  constructor(
    private readonly C: number,
    private readonly O: number,
    private readonly P: number,
    private readonly khw: number,
    taps: TapTable,
  ) {
    const Op = O + (O % 2);
    this.Op = Op;
    const pixels = taps.tapStart.length - 1;
    this.inSize = C * pixels;
    this.tapStartBytes = new Int32Array(pixels + 1);
    for (let i = 0; i <= pixels; i++) this.tapStartBytes[i] = 8 * taps.tapStart[i];
    const count = taps.tapKernel.length;
    this.tapOffsets = new Int32Array(2 * count);
    for (let s = 0; s < count; s++) {
      this.tapOffsets[2 * s] = 8 * Op * taps.tapKernel[s];
      this.tapOffsets[2 * s + 1] = 8 * Op * taps.tapOutput[s];
    }
    this.tapOffAt = align(4 * (pixels + 1));
    this.wAt = this.tapOffAt + align(4 * 2 * count);
    this.zInitAt = this.wAt + align(8 * C * khw * Op);
    this.rowAt = this.zInitAt + align(8 * P * Op);
    this.biasAt = this.rowAt + align(8 * P * Op);
    this.dynamicAt = this.biasAt + align(8 * O);
  }

  /** Reserves memory for a call at this batch size and stages the tap table; null without kernels. */
  private plan(batch: number): Plan | null {
    if (backend === "js") return null;
    const s = load(this.Op);
    if (s === null) return null;
    const entries = batch * this.inSize;
    const seg = this.dynamicAt;
    const pix = seg + align(4 * (batch * this.C + 1));
    const val = pix + align(4 * entries);
    const tail = val + align(8 * entries);
    s.arena.reserve(tail + 8 * Math.max(entries, batch * this.O * this.P));
    // Growing the memory detaches the old buffer and its views.
    if (s.i32.buffer !== s.arena.memory.buffer) s.i32 = new Int32Array(s.arena.memory.buffer);
    if (tapOwner !== this.id) {
      s.i32.set(this.tapStartBytes, this.tapStartAt / 4);
      s.i32.set(this.tapOffsets, this.tapOffAt / 4);
      tapOwner = this.id;
    }
    return { s, seg, pix, val, tail };
  }

  /** Stages `nz` unless it is still in memory from this layer's collect at this batch size. */
  private stageNonZeros(r: Plan, batch: number, nz: NonZeroList): void {
    if (nzOwner === this.id && nzBatch === batch) return;
    const segments = batch * this.C;
    const m = nz.start[segments];
    r.s.i32.set(nz.start.subarray(0, segments + 1), r.seg / 4);
    r.s.i32.set(nz.pixel.subarray(0, m), r.pix / 4);
    r.s.arena.f64.set(nz.value.subarray(0, m), r.val / 8);
    nzOwner = this.id;
    nzBatch = batch;
  }

  /**
   * Plans a call, stages the non-zeros and `weight` (O × K, K = C·kh·kw) transposed to channels-last
   * Wᵀ (K × Op, padding lanes zero); null without kernels.
   */
  private stage(batch: number, nz: NonZeroList, weight: Float64Array): Plan | null {
    const r = this.plan(batch);
    if (r === null) return null;
    this.stageNonZeros(r, batch, nz);
    const { O, Op } = this;
    const K = this.C * this.khw;
    const f64 = r.s.arena.f64;
    const w0 = this.wAt / 8;
    for (let o = 0; o < O; o++) for (let k = 0; k < K; k++) f64[w0 + k * Op + o] = weight[o * K + k];
    if (Op !== O) for (let k = 0; k < K; k++) f64[w0 + k * Op + O] = 0;
    return r;
  }

  /** Runs the forward or backward kernel on the staged call, `aux` the bias tile or the bias sums. */
  private scatter(kernel: ScatterFn, r: Plan, batch: number, aux: number): void {
    const { C, O, P, Op, khw } = this;
    const pairs = +(O === Op && P % 2 === 0);
    kernel(
      batch,
      C,
      O,
      P,
      this.wAt,
      this.rowAt,
      this.tapStartAt,
      this.tapOffAt,
      r.seg,
      r.pix,
      r.val,
      r.tail,
      aux,
      8 * khw * Op,
      pairs,
    );
  }

  /**
   * Lists the non-zeros of x (batch × C × pixels) into `nz` per (sample, channel) segment and returns
   * their number; when it exceeds `limit`, returns it without filling `nz`. −1 without kernels.
   */
  collect(x: Float64Array, batch: number, limit: number, nz: NonZeroList): number {
    const r = this.plan(batch);
    if (r === null) return -1;
    const entries = batch * this.inSize;
    const segments = batch * this.C;
    r.s.arena.f64.set(x.subarray(0, entries), r.tail / 8);
    r.s.collect(r.tail, segments, this.inSize / this.C, r.pix, r.val, r.seg);
    const i32 = r.s.i32;
    const m = i32[r.seg / 4 + segments];
    nzOwner = -1;
    if (m > limit) return m;
    if (nz.pixel.length < m) {
      nz.pixel = new Int32Array(entries);
      nz.value = new Float64Array(entries);
    }
    if (nz.start.length < segments + 1) nz.start = new Int32Array(segments + 1);
    nz.start.set(i32.subarray(r.seg / 4, r.seg / 4 + segments + 1));
    nz.pixel.set(i32.subarray(r.pix / 4, r.pix / 4 + m));
    nz.value.set(r.s.arena.f64.subarray(r.val / 8, r.val / 8 + m));
    nzOwner = this.id;
    nzBatch = batch;
    return m;
  }

  /**
   * y[n, o, p] = b[o] + Σ over non-zeros v = x[n, c, pixel] and taps (i, j) reading it of v · W[o, c, i, j],
   * written into `out` (batch × O × P). False when the kernels are unavailable.
   */
  forward(
    weight: Float64Array,
    bias: Float64Array | null,
    batch: number,
    nz: NonZeroList,
    out: Float64Array,
  ): boolean {
    const { O, P, Op } = this;
    const r = this.stage(batch, nz, weight);
    if (r === null) return false;
    const f64 = r.s.arena.f64;
    // the bias tile (P × Op)
    const z0 = this.zInitAt / 8;
    if (bias) {
      for (let p = 0; p < P; p++) {
        for (let o = 0; o < O; o++) f64[z0 + p * Op + o] = bias[o];
        if (Op !== O) f64[z0 + p * Op + O] = 0;
      }
    } else {
      f64.fill(0, z0, z0 + P * Op);
    }
    this.scatter(r.s.forward, r, batch, this.zInitAt);
    out.set(f64.subarray(r.tail / 8, r.tail / 8 + batch * O * P));
    return true;
  }

  /**
   * ∇W[o, c, i, j] += Σ v · ∇y[n, o, p] over non-zeros and the taps reading them; with `gradBias`,
   * ∇b[o] += Σ_{n,p} ∇y[n, o, p]. False when the kernels are unavailable.
   */
  weightGrad(
    gradOut: Float64Array,
    batch: number,
    nz: NonZeroList,
    gradWeight: Float64Array,
    gradBias: Float64Array | null,
  ): boolean {
    const { C, O, P, Op, khw } = this;
    const r = this.stage(batch, nz, gradWeight);
    if (r === null) return false;
    const f64 = r.s.arena.f64;
    const K = C * khw;
    const w0 = this.wAt / 8;
    if (Op !== O) {
      // Padding lanes of the transposed ∇y stay zero.
      const r0 = this.rowAt / 8;
      for (let p = 0; p < P; p++) f64[r0 + p * Op + O] = 0;
    }
    f64.fill(0, this.biasAt / 8, this.biasAt / 8 + O);
    f64.set(gradOut.subarray(0, batch * O * P), r.tail / 8);
    this.scatter(r.s.backward, r, batch, this.biasAt);
    for (let o = 0; o < O; o++) for (let k = 0; k < K; k++) gradWeight[o * K + k] = f64[w0 + k * Op + o];
    if (gradBias) for (let o = 0; o < O; o++) gradBias[o] += f64[this.biasAt / 8 + o];
    return true;
  }
}
