/**
 * WebAssembly SIMD (f64x2) versions of the element-wise optimizer updates, two parameters per
 * instruction. Their per-element cost is dominated by √ and ÷, which scalar JS issues one lane
 * at a time; f64x2.sqrt/div do two lanes at the same throughput on current x86 cores.
 *
 * Bit-identical to the scalar JS loops: IEEE-754 add, sub, mul, div and sqrt are correctly
 * rounded in both (WebAssembly never contracts a·b + c into an FMA), and each kernel is generated
 * from the very formula functions the JS loops call (update-rules.ts, read by formula.ts), so
 * both evaluate the same expression tree, operand order included.
 *
 * Memory: large parameters made by `makeParameter` live in their own WebAssembly memory with room
 * for the optimizer state (parameter-memory.ts) and are updated in place; for the others an
 * {@link UpdateArena} owns one fixed-size memory per optimizer holding their state (Float64Array
 * views, valid since the memory never grows) and two scratch vectors into which each step copies
 * a parameter's data and gradient (native bulk copies); the updated data are copied back.
 */
import {
  CodeBuffer,
  F64,
  I32,
  V128,
  compileKernels,
  groupLocals,
  instantiateKernels,
  newMemory,
  op,
  PAGE_BYTES,
  type FunctionSpec,
  type ValueType,
  type WasmModule,
} from "../wasm/index.js";
import { applyFormula, type FormulaOps } from "./formula.js";
import type { Parameter } from "./parameter.js";
import { OPTIMIZER_SLOTS, placementOf } from "./parameter-memory.js";
import {
  adamCoefficients,
  adamFirstMoment,
  adamParameter,
  adamSecondMoment,
  decayedGradient,
  rmspropCenteredSquare,
  rmspropCoefficients,
  rmspropGradAverage,
  rmspropParameter,
  rmspropSquareAverage,
  sgdMomentum,
  sgdParameter,
  type SgdCoefficients,
} from "./update-rules.js";

type Code = number[];

interface KernelBuilder {
  /** Loads the two lanes of pointer `p` at the current element. */
  load(p: string): Code;
  store(p: string, value: Code): Code;
  /** A scalar argument splatted to both lanes. */
  c(s: string): Code;
  get(v: string): Code;
  set(v: string, value: Code): Code;
}

/**
 * An element-wise loop `name(data, grad, s0, s1, byteLength, scalar…)` over `byteLength / 16` lane
 * pairs (byteLength > 0, a multiple of 16; pointers 16-byte aligned).
 */
function elementwise(
  name: string,
  scalars: readonly string[],
  temporaries: readonly string[],
  body: (k: KernelBuilder) => Code,
): FunctionSpec {
  const index = new Map<string, number>();
  const params: ValueType[] = [];
  for (const p of ["data", "grad", "s0", "s1"]) index.set(p, params.push(I32) - 1);
  const length = params.push(I32) - 1;
  for (const s of scalars) index.set(`arg:${s}`, params.push(F64) - 1);
  const locals: ValueType[] = [];
  const local = (type: ValueType): number => params.length + locals.push(type) - 1;
  const offset = local(I32);
  for (const s of scalars) index.set(`splat:${s}`, local(V128));
  for (const t of temporaries) index.set(`tmp:${t}`, local(V128));
  const at = (key: string): number => {
    const i = index.get(key);
    if (i === undefined) throw new Error(`wasm kernel ${name}: unknown operand ${key}`);
    return i;
  };
  const address = (p: string): Code => [...op.localGet(at(p)), ...op.localGet(offset), ...op.i32Add];
  const k: KernelBuilder = {
    load: (p) => [...address(p), ...op.v128Load()],
    store: (p, value) => [...address(p), ...value, ...op.v128Store()],
    c: (s) => op.localGet(at(`splat:${s}`)),
    get: (v) => op.localGet(at(`tmp:${v}`)),
    set: (v, value) => [...value, ...op.localSet(at(`tmp:${v}`))],
  };
  const c = new CodeBuffer();
  for (const s of scalars) c.emit(op.localGet(at(`arg:${s}`)), op.f64x2Splat, op.localSet(at(`splat:${s}`)));
  c.doWhileBelow(offset, length, op.i32Const(16), () => c.emit(body(k)));
  return { name, params, locals: groupLocals(locals), code: c.bytes };
}

const BINARY = { "+": op.f64x2Add, "-": op.f64x2Sub, "*": op.f64x2Mul, "/": op.f64x2Div };
const LANES: FormulaOps<Code> = {
  binary: (o, a, b) => [...a, ...b, ...BINARY[o]],
  call: (fn, a) => {
    if (fn !== "sqrt") throw new Error(`f64x2 kernels: no Math.${fn}`);
    return [...a, ...op.f64x2Sqrt];
  },
};
/** A formula of update-rules.ts on f64x2 operands. */
const f = (fn: (...args: number[]) => number, ...args: Code[]): Code => applyFormula(fn, LANES, args);

/** Scalar arguments of each rule's kernels, in order: the fields of its coefficients (update-rules.ts). */
const SCALARS = {
  adam: Object.keys(adamCoefficients({ lr: 1, beta1: 0, beta2: 0, eps: 0 }, 1)),
  rmsprop: Object.keys(rmspropCoefficients(1, 0, 0)),
  sgd: Object.keys({ lr: 1, momentum: 0 } satisfies SgdCoefficients),
};

/** Adam; with weight decay the gradient is g + λp first. */
function adamKernel(weightDecay: boolean): FunctionSpec {
  return elementwise(weightDecay ? "adamWeightDecay" : "adam", SCALARS.adam, ["p", "g", "m", "v"], (k) => [
    ...k.set("p", k.load("data")),
    ...k.set(
      "g",
      weightDecay ? f(decayedGradient, k.load("grad"), k.get("p"), k.c("weightDecay")) : k.load("grad"),
    ),
    ...k.set("m", f(adamFirstMoment, k.load("s0"), k.get("g"), k.c("beta1"), k.c("oneMinusBeta1"))),
    ...k.set("v", f(adamSecondMoment, k.load("s1"), k.get("g"), k.c("beta2"), k.c("oneMinusBeta2"))),
    ...k.store("s0", k.get("m")),
    ...k.store("s1", k.get("v")),
    ...k.store(
      "data",
      f(
        adamParameter,
        k.get("p"),
        k.get("m"),
        k.get("v"),
        k.c("stepSize"),
        k.c("biasCorrection2Sqrt"),
        k.c("eps"),
      ),
    ),
  ]);
}

/** RMSProp: square average in s0; centered, the gradient average in s1. */
function rmspropKernel(centered: boolean): FunctionSpec {
  return elementwise(centered ? "rmspropCentered" : "rmsprop", SCALARS.rmsprop, ["g", "s", "a"], (k) => [
    ...k.set("g", k.load("grad")),
    ...k.set("s", f(rmspropSquareAverage, k.load("s0"), k.get("g"), k.c("alpha"), k.c("oneMinusAlpha"))),
    ...k.store("s0", k.get("s")),
    ...(centered
      ? [
          ...k.set("a", f(rmspropGradAverage, k.load("s1"), k.get("g"), k.c("alpha"), k.c("oneMinusAlpha"))),
          ...k.store("s1", k.get("a")),
        ]
      : []),
    ...k.store(
      "data",
      f(
        rmspropParameter,
        k.load("data"),
        k.get("g"),
        centered ? f(rmspropCenteredSquare, k.get("s"), k.get("a")) : k.get("s"),
        k.c("lr"),
        k.c("eps"),
      ),
    ),
  ]);
}

/** SGD; with momentum the buffer in s0. */
function sgdKernel(momentum: boolean): FunctionSpec {
  return elementwise(momentum ? "sgdMomentum" : "sgd", SCALARS.sgd, ["d"], (k) => [
    ...k.set("d", momentum ? f(sgdMomentum, k.load("s0"), k.load("grad"), k.c("momentum")) : k.load("grad")),
    ...(momentum ? k.store("s0", k.get("d")) : []),
    ...k.store("data", f(sgdParameter, k.load("data"), k.get("d"), k.c("lr"))),
  ]);
}

/**
 * kernel(data, grad, s0, s1, bytes, …scalars): byte addresses of the parameter, its gradient and
 * its two state vectors (unused ones ignored), the byte length, then the values of the rule's
 * coefficients (update-rules.ts) in their order.
 */
export type ElementwiseKernel = (
  data: number,
  grad: number,
  s0: number,
  s1: number,
  bytes: number,
  ...scalars: (number | undefined)[]
) => void;

export type KernelName = "adam" | "adamWeightDecay" | "rmsprop" | "rmspropCentered" | "sgd" | "sgdMomentum";
export type UpdateKernels = Record<KernelName, ElementwiseKernel>;

let compiled: WasmModule | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable. */
function kernelModule(): WasmModule | null {
  if (compiled === undefined)
    compiled = compileKernels(
      [false, true].flatMap((variant) => [adamKernel(variant), rmspropKernel(variant), sgdKernel(variant)]),
    );
  return compiled;
}

/** Whether the f64x2 kernels can run here (WebAssembly with SIMD). */
export function wasmUpdateKernelsAvailable(): boolean {
  return kernelModule() !== null;
}

/**
 * Where the element-wise update runs. `auto` (the default): the f64x2 kernels, where WebAssembly
 * SIMD is available, for parameters of at least {@link WASM_MIN_LENGTH} entries (and every
 * parameter placed in WebAssembly memory), scalar JS for smaller ones; `wasm`: the kernels for
 * every parameter; `js`: scalar JS only. Results are bit-identical whichever runs.
 */
export type UpdateBackend = "auto" | "wasm" | "js";

/**
 * The size from which `auto` updates a parameter with the kernels. Measured on Node 20 (x86-64),
 * ns per step of one parameter, JS vs wasm with its copies: Adam 32 entries 362 vs 416, 64
 * entries 611 vs 527, 128 entries 1488 vs 717; RMSProp 226 vs 330, 578 vs 378; SGD with momentum
 * 185 vs 302, 334 vs 318, 625 vs 396. Below 128 the kernels save at most ~0.1 µs a step (for two
 * 64-entry Adam parameters, 890 ns in JS against 897 in the kernels), less than their start-up
 * costs a short run: compiling the module, and V8's generic JS-to-WebAssembly call path for the
 * first calls (docs/performance.md, "Start-up").
 */
export const WASM_MIN_LENGTH = 128;

/**
 * The requested backend, checked (`who` names the optimizer in errors): 'js' where 'auto' (the
 * default) is asked for and WebAssembly SIMD is unavailable. The kernels are compiled only when
 * some parameter will use them: the check of 'auto' is left to {@link optimizerState} when none of
 * `params` reaches {@link WASM_MIN_LENGTH} or sits in WebAssembly memory.
 */
export function resolveUpdateBackend(
  requested: UpdateBackend | undefined,
  who: string,
  params: readonly Parameter[] = [],
): UpdateBackend {
  if (requested !== undefined && requested !== "auto" && requested !== "wasm" && requested !== "js")
    throw new RangeError(`${who}: backend must be "auto", "wasm" or "js", got ${String(requested)}`);
  if (requested === "js") return "js";
  if (requested === "auto" || requested === undefined) {
    if (!params.some(wantsKernel)) return "auto";
    return wasmUpdateKernelsAvailable() ? "auto" : "js";
  }
  if (!wasmUpdateKernelsAvailable())
    throw new Error(`${who}: backend "wasm" needs WebAssembly SIMD, which this runtime lacks`);
  return "wasm";
}

/** Whether `auto` updates `p` with the kernels: {@link WASM_MIN_LENGTH} entries or more, or placed in WebAssembly memory. */
function wantsKernel(p: Parameter): boolean {
  return p.data.length >= WASM_MIN_LENGTH || placementOf(p.data) !== undefined;
}

/**
 * `buffers` zeroed state vectors per parameter (state[k][q]) and, unless every parameter is
 * updated in JS, the {@link UpdateArena} whose slots[q] runs parameter q's kernels (null: JS).
 */
export function optimizerState(
  params: readonly Parameter[],
  backend: UpdateBackend,
  buffers: number,
): { arena: UpdateArena | null; state: Float64Array[][] } {
  const kernels = params.map((p) => backend === "wasm" || (backend === "auto" && wantsKernel(p)));
  if (kernels.includes(true)) {
    const arena = new UpdateArena(params, buffers, kernels);
    return { arena, state: arena.state };
  }
  const state = Array.from({ length: buffers }, () => params.map((p) => new Float64Array(p.data.length)));
  return { arena: null, state };
}

const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/** Where one parameter's update runs: kernel instance, byte addresses, and whether it is in place. */
export interface UpdateSlot {
  readonly kernels: UpdateKernels;
  readonly dataPtr: number;
  readonly gradPtr: number;
  /** Byte addresses of the two state vectors (the second is 0 when the rule keeps one). */
  readonly statePtrs: readonly [number, number];
  /** Data and grad already live in the kernel's memory (see parameter-memory.ts): no copies. */
  readonly inPlace: boolean;
}

/**
 * An optimizer's kernel slots and state: `buffersPerParameter` (≤ 2) zero-initialised state
 * vectors per parameter. Parameter q with `kernels[q]` false keeps plain arrays (slot null). A
 * parameter placed by `makeParameter` (parameter-memory.ts) whose reserved vectors are still free
 * is updated in place with its state there; every other one gets its state in this arena's own
 * fixed-size memory, plus scratch vectors for its data and gradient, copied in before and (data)
 * out after each kernel call.
 */
export class UpdateArena {
  /** state[k][q]: the k-th state vector of parameter q. */
  readonly state: Float64Array[][];
  readonly slots: readonly (UpdateSlot | null)[];
  private readonly scratchData: Float64Array;
  private readonly scratchGrad: Float64Array;

  constructor(
    private readonly params: readonly Parameter[],
    buffersPerParameter: number,
    kernels: readonly boolean[] = params.map(() => true),
  ) {
    const module = kernelModule();
    if (!module) throw new Error("UpdateArena: WebAssembly SIMD is not available");
    if (buffersPerParameter > OPTIMIZER_SLOTS)
      throw new RangeError(`UpdateArena: at most ${OPTIMIZER_SLOTS} state vectors per parameter`);
    const placed = params.map((p, q) => {
      const placement = placementOf(p.data);
      if (!kernels[q] || !placement || placement.claimed || placement.memory.buffer !== p.grad.buffer)
        return undefined;
      placement.claimed = true;
      return placement;
    });
    const own = params.map((_, q) => kernels[q] && !placed[q]);
    let bytes = 0;
    const offsets = params.map((p, q) =>
      Array.from({ length: buffersPerParameter }, () => {
        const at = bytes;
        if (own[q]) bytes += align16(8 * p.data.length);
        return at;
      }),
    );
    const maxBytes = align16(8 * Math.max(0, ...params.map((p, q) => (own[q] ? p.data.length : 0))));
    const dataPtr = bytes;
    const gradPtr = bytes + maxBytes;
    bytes += 2 * maxBytes;
    const memory = newMemory(Math.ceil(bytes / PAGE_BYTES));
    if (!memory) throw new Error(`UpdateArena: cannot allocate ${bytes} bytes of WebAssembly memory`);
    const instance = instantiateKernels<UpdateKernels>(module, memory);
    const pair = (ptrs: readonly number[]): [number, number] => [ptrs[0] ?? 0, ptrs[1] ?? 0];
    this.slots = params.map((p, q): UpdateSlot | null => {
      const placement = placed[q];
      if (placement) {
        placement.instance ??= instantiateKernels<UpdateKernels>(module, placement.memory);
        return {
          kernels: placement.instance as UpdateKernels,
          dataPtr: placement.dataPtr,
          gradPtr: placement.gradPtr,
          statePtrs: pair(placement.statePtrs.slice(0, buffersPerParameter)),
          inPlace: true,
        };
      }
      return own[q]
        ? { kernels: instance, dataPtr, gradPtr, statePtrs: pair(offsets[q]), inPlace: false }
        : null;
    });
    this.state = Array.from({ length: buffersPerParameter }, (_, k) =>
      params.map((p, q) => {
        const slot = this.slots[q];
        if (slot === null) return new Float64Array(p.data.length);
        const buffer = slot.inPlace ? p.data.buffer : memory.buffer;
        const view = new Float64Array(buffer, slot.statePtrs[k], p.data.length);
        view.fill(0);
        return view;
      }),
    );
    this.scratchData = new Float64Array(memory.buffer, dataPtr, maxBytes / 8);
    this.scratchGrad = new Float64Array(memory.buffer, gradPtr, maxBytes / 8);
  }

  /**
   * Runs kernel `name` with `scalars` on the first `even` entries of parameter q (which has a
   * slot): in place, or with data and grad copied into the scratch vectors and the updated data
   * copied back.
   */
  run(q: number, name: KernelName, scalars: readonly number[], even: number): void {
    const slot = this.slots[q];
    if (even === 0 || slot === null) return;
    const { data, grad } = this.params[q];
    const kernel = slot.kernels[name];
    const [s0, s1] = slot.statePtrs;
    const [c0, c1, c2, c3, c4, c5, c6, c7] = scalars;
    if (!slot.inPlace) {
      this.scratchData.set(even === data.length ? data : data.subarray(0, even));
      this.scratchGrad.set(even === grad.length ? grad : grad.subarray(0, even));
    }
    kernel(slot.dataPtr, slot.gradPtr, s0, s1, 8 * even, c0, c1, c2, c3, c4, c5, c6, c7);
    if (!slot.inPlace) data.set(this.scratchData.subarray(0, even));
  }
}
