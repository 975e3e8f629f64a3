/**
 * WebAssembly SIMD (f64x2) versions of the element-wise optimizer updates, two parameters per
 * instruction. Their per-element cost is dominated by √ and ÷, which scalar JS issues one lane
 * at a time; f64x2.sqrt/div do two lanes at the same throughput on current x86 cores.
 *
 * Bit-identical to the scalar JS loops: IEEE-754 add, sub, mul, div and sqrt are correctly
 * rounded in both (WebAssembly never contracts a·b + c into an FMA), and each kernel evaluates
 * the same expression tree, operand order included, as its JS counterpart.
 *
 * Memory: an {@link UpdateArena} owns one fixed-size WebAssembly.Memory per optimizer holding
 * the optimizer's per-parameter buffers (exposed as Float64Array views, which stay valid since the
 * memory never grows) and two scratch vectors into which each step copies a parameter's data and
 * gradient (native bulk copies) before the kernel runs; the updated data are copied back.
 */
import {
  assembleModule,
  F64,
  I32,
  op,
  V128,
  wasmApi,
  type FunctionSpec,
  type ValueType,
} from "./wasm-assembler.js";

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
  const code: Code = [];
  for (const s of scalars)
    code.push(...op.localGet(at(`arg:${s}`)), ...op.f64x2Splat, ...op.localSet(at(`splat:${s}`)));
  code.push(...op.loop, ...body(k));
  code.push(...op.localGet(offset), ...op.i32Const(16), ...op.i32Add, ...op.localTee(offset));
  code.push(...op.localGet(length), ...op.i32LtU, ...op.brIf(0), ...op.end);
  return { name, params, locals, body: code };
}

/** s ← αs + ((1−α)g)g;  p ← p − (lr·g) / (√s + ε). */
const rmsprop = elementwise(
  "rmsprop",
  ["data", "grad", "s"],
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

/** Adam (see adam.ts); with weight decay the gradient is g + λp first. */
function adamKernel(weightDecay: boolean): FunctionSpec {
  const scalars = [
    "stepSize",
    "beta1",
    "oneMinusBeta1",
    "beta2",
    "oneMinusBeta2",
    "biasCorrection2Sqrt",
    "eps",
  ];
  if (weightDecay) scalars.push("weightDecay");
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

export interface UpdateKernels {
  rmsprop(
    data: number,
    grad: number,
    s: number,
    bytes: number,
    lr: number,
    alpha: number,
    oneMinusAlpha: number,
    eps: number,
  ): void;
  rmspropCentered(
    data: number,
    grad: number,
    s: number,
    a: number,
    bytes: number,
    lr: number,
    alpha: number,
    oneMinusAlpha: number,
    eps: number,
  ): void;
  adam(
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
  ): void;
  adamWeightDecay(
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
  ): void;
}

let compiled: object | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable. */
function kernelModule(): object | null {
  if (compiled === undefined) {
    const bytes = assembleModule([rmsprop, rmspropCentered, adamKernel(false), adamKernel(true)]);
    const api = wasmApi();
    compiled = api !== undefined && api.validate(bytes) ? new api.Module(bytes) : null;
  }
  return compiled;
}

/** Whether the f64x2 kernels can run here (WebAssembly with SIMD). */
export function wasmUpdateKernelsAvailable(): boolean {
  return kernelModule() !== null;
}

const PAGE_BYTES = 65536;
const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/**
 * Per-optimizer kernel instance and memory: `buffersPerParameter` state vectors per parameter
 * (zero-initialised) and scratch vectors for one parameter's data and gradient.
 */
export class UpdateArena {
  readonly kernels: UpdateKernels;
  /** state[k][q]: the k-th state vector of parameter q. */
  readonly state: Float64Array[][];
  readonly dataPtr: number;
  readonly gradPtr: number;
  private readonly statePtrs: number[][];
  private readonly scratchData: Float64Array;
  private readonly scratchGrad: Float64Array;

  constructor(lengths: readonly number[], buffersPerParameter: number) {
    const module = kernelModule();
    if (!module) throw new Error("UpdateArena: WebAssembly SIMD is not available");
    let bytes = 0;
    const offsets: number[][] = [];
    for (let k = 0; k < buffersPerParameter; k++) {
      offsets.push(
        lengths.map((n) => {
          const at = bytes;
          bytes += align16(8 * n);
          return at;
        }),
      );
    }
    const maxBytes = align16(8 * Math.max(0, ...lengths));
    const dataPtr = bytes;
    const gradPtr = bytes + maxBytes;
    bytes += 2 * maxBytes;
    const api = wasmApi();
    if (!api) throw new Error("UpdateArena: WebAssembly is not available");
    const memory = new api.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE_BYTES)) });
    const instance = new api.Instance(module, { env: { memory } });
    this.kernels = instance.exports as unknown as UpdateKernels;
    this.statePtrs = offsets;
    this.state = offsets.map((row) => row.map((at, q) => new Float64Array(memory.buffer, at, lengths[q])));
    this.dataPtr = dataPtr;
    this.gradPtr = gradPtr;
    this.scratchData = new Float64Array(memory.buffer, dataPtr, maxBytes / 8);
    this.scratchGrad = new Float64Array(memory.buffer, gradPtr, maxBytes / 8);
  }

  /** Byte address of state vector k of parameter q. */
  statePtr(k: number, q: number): number {
    return this.statePtrs[k][q];
  }

  /**
   * Copies the first `even` entries of data and grad into the scratch vectors, runs `kernel`
   * (given the byte length) and copies the updated data back.
   */
  run(data: Float64Array, grad: Float64Array, even: number, kernel: (bytes: number) => void): void {
    if (even === 0) return;
    this.scratchData.set(even === data.length ? data : data.subarray(0, even));
    this.scratchGrad.set(even === grad.length ? grad : grad.subarray(0, even));
    kernel(8 * even);
    data.set(this.scratchData.subarray(0, even));
  }
}
