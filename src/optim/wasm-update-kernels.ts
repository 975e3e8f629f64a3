/**
 * WebAssembly SIMD (f64x2) versions of the element-wise optimizer updates, two parameters per
 * instruction. Their per-element cost is dominated by √ and ÷, which scalar JS issues one lane
 * at a time; f64x2.sqrt/div do two lanes at the same throughput on current x86 cores.
 *
 * Bit-identical to the scalar JS loops: IEEE-754 add, sub, mul, div and sqrt are correctly
 * rounded in both (WebAssembly never contracts a·b + c into an FMA), and each kernel evaluates
 * the same expression tree, operand order included, as its JS counterpart.
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
import type { Parameter } from "./parameter.js";
import { OPTIMIZER_SLOTS, placementOf } from "./parameter-memory.js";

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

const bin =
  (instr: number[]) =>
  (a: Code, b: Code): Code => [...a, ...b, ...instr];
const add = bin(op.f64x2Add);
const sub = bin(op.f64x2Sub);
const mul = bin(op.f64x2Mul);
const div = bin(op.f64x2Div);
const sqrt = (a: Code): Code => [...a, ...op.f64x2Sqrt];

/**
 * An element-wise loop `name(ptr…, byteLength, scalar…)` over `byteLength / 16` lane pairs
 * (byteLength > 0, a multiple of 16; pointers 16-byte aligned).
 */
function elementwise(
  name: string,
  pointers: readonly string[],
  scalars: readonly string[],
  temporaries: readonly string[],
  body: (k: KernelBuilder) => Code,
): FunctionSpec {
  const index = new Map<string, number>();
  const params: ValueType[] = [];
  for (const p of pointers) index.set(p, params.push(I32) - 1);
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

/** s ← αs + ((1−α)g)g;  p ← p − (lr·g) / (√s + ε). */
const rmsprop = elementwise(
  "rmsprop",
  ["data", "grad", "s", "a"],
  ["lr", "alpha", "oneMinusAlpha", "eps"],
  ["g", "s"],
  (k) => [
    ...k.set("g", k.load("grad")),
    ...k.set(
      "s",
      add(mul(k.c("alpha"), k.load("s")), mul(mul(k.c("oneMinusAlpha"), k.get("g")), k.get("g"))),
    ),
    ...k.store("s", k.get("s")),
    ...k.store(
      "data",
      sub(k.load("data"), div(mul(k.c("lr"), k.get("g")), add(sqrt(k.get("s")), k.c("eps")))),
    ),
  ],
);

/** Centered: also ḡ ← αḡ + (1−α)g and the denominator √(s − ḡ²) + ε. */
const rmspropCentered = elementwise(
  "rmspropCentered",
  ["data", "grad", "s", "a"],
  ["lr", "alpha", "oneMinusAlpha", "eps"],
  ["g", "s", "a"],
  (k) => [
    ...k.set("g", k.load("grad")),
    ...k.set(
      "s",
      add(mul(k.c("alpha"), k.load("s")), mul(mul(k.c("oneMinusAlpha"), k.get("g")), k.get("g"))),
    ),
    ...k.set("a", add(mul(k.c("alpha"), k.load("a")), mul(k.c("oneMinusAlpha"), k.get("g")))),
    ...k.store("s", k.get("s")),
    ...k.store("a", k.get("a")),
    ...k.store(
      "data",
      sub(
        k.load("data"),
        div(mul(k.c("lr"), k.get("g")), add(sqrt(sub(k.get("s"), mul(k.get("a"), k.get("a")))), k.c("eps"))),
      ),
    ),
  ],
);

/**
 * Adam (see adam.ts); with weight decay the gradient is g + λp first. Both variants take λ, so
 * they share one signature (the one without weight decay ignores it).
 */
function adamKernel(weightDecay: boolean): FunctionSpec {
  const scalars = [
    "stepSize",
    "beta1",
    "oneMinusBeta1",
    "beta2",
    "oneMinusBeta2",
    "biasCorrection2Sqrt",
    "eps",
    "weightDecay",
  ];
  return elementwise(
    weightDecay ? "adamWeightDecay" : "adam",
    ["data", "grad", "m", "v"],
    scalars,
    ["p", "g", "m", "v"],
    (k) => [
      ...k.set("p", k.load("data")),
      ...k.set("g", weightDecay ? add(k.load("grad"), mul(k.c("weightDecay"), k.get("p"))) : k.load("grad")),
      ...k.set("m", add(mul(k.load("m"), k.c("beta1")), mul(k.c("oneMinusBeta1"), k.get("g")))),
      ...k.set(
        "v",
        add(mul(k.load("v"), k.c("beta2")), mul(mul(k.c("oneMinusBeta2"), k.get("g")), k.get("g"))),
      ),
      ...k.store("m", k.get("m")),
      ...k.store("v", k.get("v")),
      ...k.store(
        "data",
        sub(
          k.get("p"),
          mul(
            k.c("stepSize"),
            div(k.get("m"), add(div(sqrt(k.get("v")), k.c("biasCorrection2Sqrt")), k.c("eps"))),
          ),
        ),
      ),
    ],
  );
}

/**
 * rmsprop / rmspropCentered(data, grad, s, a, bytes, lr, α, 1 − α, ε): pointers and byte length,
 * then the scalars; the non-centered kernel ignores `a`.
 */
export type RmsPropKernel = (
  data: number,
  grad: number,
  s: number,
  a: number,
  bytes: number,
  lr: number,
  alpha: number,
  oneMinusAlpha: number,
  eps: number,
) => void;

/** adam / adamWeightDecay(data, grad, m, v, bytes, step size, β₁, 1 − β₁, β₂, 1 − β₂, √(1 − β₂ᵗ), ε, λ). */
export type AdamKernel = (
  data: number,
  grad: number,
  m: number,
  v: number,
  bytes: number,
  stepSize: number,
  beta1: number,
  oneMinusBeta1: number,
  beta2: number,
  oneMinusBeta2: number,
  biasCorrection2Sqrt: number,
  eps: number,
  weightDecay: number,
) => void;

export interface UpdateKernels {
  rmsprop: RmsPropKernel;
  rmspropCentered: RmsPropKernel;
  adam: AdamKernel;
  adamWeightDecay: AdamKernel;
}

let compiled: WasmModule | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable. */
function kernelModule(): WasmModule | null {
  if (compiled === undefined)
    compiled = compileKernels([rmsprop, rmspropCentered, adamKernel(false), adamKernel(true)]);
  return compiled;
}

/** Whether the f64x2 kernels can run here (WebAssembly with SIMD). */
export function wasmUpdateKernelsAvailable(): boolean {
  return kernelModule() !== null;
}

/** Where the element-wise update runs: f64x2 WebAssembly (default where available) or scalar JS. Results are bit-identical. */
export type UpdateBackend = "wasm" | "js";

/** The requested backend, checked (`who` names the optimizer in errors), or 'wasm' where available. */
export function resolveUpdateBackend(requested: UpdateBackend | undefined, who: string): UpdateBackend {
  if (requested !== undefined && requested !== "wasm" && requested !== "js")
    throw new RangeError(`${who}: backend must be "wasm" or "js", got ${String(requested)}`);
  if (requested === "wasm" && !wasmUpdateKernelsAvailable())
    throw new Error(`${who}: backend "wasm" needs WebAssembly SIMD, which this runtime lacks`);
  return requested ?? (wasmUpdateKernelsAvailable() ? "wasm" : "js");
}

/**
 * Two zeroed state vectors per parameter (state[k][q]): in an {@link UpdateArena} for 'wasm'
 * (returned with them), plain arrays for 'js'.
 */
export function optimizerState(
  params: readonly Parameter[],
  backend: UpdateBackend,
): { arena: UpdateArena | null; state: [Float64Array[], Float64Array[]] } {
  if (backend === "wasm") {
    const arena = new UpdateArena(params, 2);
    return { arena, state: [arena.state[0], arena.state[1]] };
  }
  const fresh = (): Float64Array[] => params.map((p) => new Float64Array(p.data.length));
  return { arena: null, state: [fresh(), fresh()] };
}

const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/** Where one parameter's update runs: kernel instance, byte addresses, and whether it is in place. */
export interface UpdateSlot {
  readonly kernels: UpdateKernels;
  readonly dataPtr: number;
  readonly gradPtr: number;
  readonly statePtrs: readonly number[];
  /** Data and grad already live in the kernel's memory (see parameter-memory.ts): no copies. */
  readonly inPlace: boolean;
}

/**
 * An optimizer's kernel slots and state: `buffersPerParameter` (≤ 2) zero-initialised state
 * vectors per parameter. A parameter placed by `makeParameter` (parameter-memory.ts) whose reserved
 * vectors are still free is updated in place with its state there; every other parameter gets its
 * state in this arena's own fixed-size memory, plus scratch vectors for its data and gradient,
 * copied in before and (data) out after each kernel call.
 */
export class UpdateArena {
  /** state[k][q]: the k-th state vector of parameter q. */
  readonly state: Float64Array[][];
  readonly slots: readonly UpdateSlot[];
  private readonly scratchData: Float64Array;
  private readonly scratchGrad: Float64Array;

  constructor(params: readonly Parameter[], buffersPerParameter: number) {
    const module = kernelModule();
    if (!module) throw new Error("UpdateArena: WebAssembly SIMD is not available");
    if (buffersPerParameter > OPTIMIZER_SLOTS)
      throw new RangeError(`UpdateArena: at most ${OPTIMIZER_SLOTS} state vectors per parameter`);
    const placed = params.map((p) => {
      const placement = placementOf(p.data);
      if (!placement || placement.claimed || placement.memory.buffer !== p.grad.buffer) return undefined;
      placement.claimed = true;
      return placement;
    });
    let bytes = 0;
    const offsets = params.map((p, q) =>
      Array.from({ length: buffersPerParameter }, () => {
        if (placed[q]) return -1;
        const at = bytes;
        bytes += align16(8 * p.data.length);
        return at;
      }),
    );
    const maxBytes = align16(8 * Math.max(0, ...params.map((p, q) => (placed[q] ? 0 : p.data.length))));
    const dataPtr = bytes;
    const gradPtr = bytes + maxBytes;
    bytes += 2 * maxBytes;
    const memory = newMemory(Math.ceil(bytes / PAGE_BYTES));
    if (!memory) throw new Error(`UpdateArena: cannot allocate ${bytes} bytes of WebAssembly memory`);
    const own = instantiateKernels<UpdateKernels>(module, memory);
    this.slots = params.map((p, q): UpdateSlot => {
      const placement = placed[q];
      if (!placement) return { kernels: own, dataPtr, gradPtr, statePtrs: offsets[q], inPlace: false };
      placement.instance ??= instantiateKernels<UpdateKernels>(module, placement.memory);
      return {
        kernels: placement.instance as UpdateKernels,
        dataPtr: placement.dataPtr,
        gradPtr: placement.gradPtr,
        statePtrs: placement.statePtrs.slice(0, buffersPerParameter),
        inPlace: true,
      };
    });
    this.state = Array.from({ length: buffersPerParameter }, (_, k) =>
      params.map((p, q) => {
        const placement = placed[q];
        const buffer = placement ? placement.memory.buffer : memory.buffer;
        const view = new Float64Array(buffer, this.slots[q].statePtrs[k], p.data.length);
        view.fill(0);
        return view;
      }),
    );
    this.scratchData = new Float64Array(memory.buffer, dataPtr, maxBytes / 8);
    this.scratchGrad = new Float64Array(memory.buffer, gradPtr, maxBytes / 8);
  }

  /**
   * Runs `kernel` (given the byte length) on the first `even` entries of parameter q: in place, or
   * with data and grad copied into the scratch vectors and the updated data copied back.
   */
  run(
    q: number,
    data: Float64Array,
    grad: Float64Array,
    even: number,
    kernel: (bytes: number) => void,
  ): void {
    if (even === 0) return;
    if (this.slots[q].inPlace) {
      kernel(8 * even);
      return;
    }
    this.scratchData.set(even === data.length ? data : data.subarray(0, even));
    this.scratchGrad.set(even === grad.length ? grad : grad.subarray(0, even));
    kernel(8 * even);
    data.set(this.scratchData.subarray(0, even));
  }
}
