/**
 * The one module of the toolkit that touches gpu.js (pinned 2.24.1) and its optional native `gl`.
 *
 * Everything else compiles and runs kernels through {@link GpuRuntime}, whose kernel calls already
 * return Promises: gpu.js v3 (announced: every kernel call returns a Promise) then changes this file only.
 * Kernels are plain functions in gpu.js's JavaScript subset (they import nothing from gpu.js), compiled
 * here from their source text.
 * gpu.js is loaded lazily with a dynamic `import()`, so nothing in the toolkit requires it unless a
 * gpu backend is actually created.
 *
 * Every gpu.js mode computes in float32 (the `cpu` mode emulates f32 rounding, `webasm` is f32 natively).
 */

/**
 * gpu.js modes the toolkit can ask for. `auto` = best available; `gpu` = a real GL device
 * (headlessgl in Node, WebGL 2 or WebGL in a browser or its Web Workers).
 */
export type GpuMode = "auto" | "webasm" | "cpu" | "headlessgl" | "gpu";
/** The gpu.js backend that actually runs the kernels (webgl2 / webgl: in a browser only). */
export type ResolvedGpuMode = "webasm" | "cpu" | "headlessgl" | "webgl2" | "webgl";

export const GPU_MODES: readonly GpuMode[] = ["auto", "webasm", "cpu", "headlessgl", "gpu"];

/** `this` inside a gpu.js kernel: the thread indices (x fastest) over the 1-D to 3-D output. */
export interface KernelThis {
  readonly thread: { readonly x: number; readonly y: number; readonly z: number };
}

/**
 * A flat float32 array kept where the kernels run: a GL texture under headlessgl (no upload when it is
 * passed to a kernel again), a float32 copy in the CPU-backed modes. Produced by
 * {@link GpuKernel.toDevice}; only kernels read it (the index signature types kernel bodies).
 */
export interface DeviceArray {
  readonly device: true;
  readonly length: number;
  readonly [index: number]: number;
}

/** An array argument of a kernel: uploaded from the host, or already on the device. */
export type KernelArray = Float32Array | DeviceArray;

/** Arguments a kernel accepts: flat float32 arrays (host or device) and scalars (integers as numbers). */
export type KernelArg = KernelArray | number;

class DeviceArrayHandle {
  readonly device = true as const;
  constructor(
    readonly value: unknown,
    readonly length: number,
  ) {}
}

const unwrap = (a: KernelArg): unknown => (a instanceof DeviceArrayHandle ? a.value : a);

/** A kernel body in gpu.js's JavaScript subset: returns the output element at `this.thread` (x, y, z). */
export type KernelFunction<A extends KernelArg[]> = (this: KernelThis, ...args: A) => number;

/**
 * Kernel source text (`function name(…) { … }` in gpu.js's subset) generated at run time, typed by
 * its arguments; made by {@link kernelSource}.
 */
export type KernelSource<A extends KernelArg[]> = string & { readonly kernelArgs?: A };

/** Types generated kernel text by its arguments `A`. */
export function kernelSource<A extends KernelArg[]>(text: string): KernelSource<A> {
  return text as KernelSource<A>;
}

export interface CompileOptions {
  /** Upper bound on any loop trip count inside the kernel (GL backends unroll up to it). */
  loopMaxIterations?: number;
  /**
   * How many output shapes keep their own compiled kernel (least recently used evicted). gpu.js
   * bakes the output size into a kernel, so a shape change otherwise re-specialises (recompiles) it;
   * callers that alternate between a few shapes keep them all compiled. Default 4.
   */
  specializations?: number;
  /**
   * Keep results on the device (gpu.js `pipeline`): the kernel is then called with
   * {@link GpuKernel.toDevice}, and each call's result stays valid until that kernel's next call.
   */
  resident?: boolean;
}

/**
 * Output shape of a kernel call: a length, or [x, y] / [x, y, z] thread dimensions (x fastest). The
 * result is always one flat Float32Array in row-major order: element (x, y, z) at (z·Y + y)·X + x.
 */
export type KernelOutput = number | readonly [number, number] | readonly [number, number, number];

/** A kernel whose output shape is given per call (compiled once per shape, see {@link CompileOptions}). */
export interface GpuKernel<A extends KernelArg[]> {
  /** Runs the kernel and reads the result back to the host. */
  run(output: KernelOutput, ...args: A): Promise<Float32Array>;
  /** Runs a `resident` kernel and leaves the (1-D) result on the device. */
  toDevice(output: number, ...args: A): Promise<DeviceArray>;
}

export interface GpuRuntime {
  readonly mode: ResolvedGpuMode;
  /** Compiles a kernel function, or kernel source text generated at run time. */
  compile<A extends KernelArg[]>(
    fn: KernelFunction<A> | KernelSource<A>,
    options?: CompileOptions,
  ): GpuKernel<A>;
  /** Number of gpu.js kernels compiled so far (one per kernel function and output shape in use). */
  readonly kernelCount: number;
  destroy(): Promise<void>;
}

/** What a probe of one mode found. */
export interface GpuModeProbe {
  mode: ResolvedGpuMode;
  available: boolean;
  /** Why not, naming the missing piece (absent when available). */
  reason?: string;
}

/** Shape of the part of gpu.js used here (kept local so gpu.js's own typings never leak out). */
interface GpuJsKernel {
  (...args: unknown[]): unknown;
  destroy?(): void;
  setAsyncMode?(flag: boolean): void;
}
interface GpuJsInstance {
  createKernel(source: string, settings: Record<string, unknown>): GpuJsKernel;
  destroy(): Promise<void> | void;
}
interface GpuJsModule {
  GPU: {
    new (settings: { mode: string }): GpuJsInstance;
    readonly isHeadlessGLSupported: boolean;
    readonly isWebAssemblySupported: boolean;
    readonly isWebGL2Supported: boolean;
    readonly isWebGLSupported: boolean;
  };
}

let gpuJsPromise: Promise<GpuJsModule> | null = null;

async function loadGpuJs(): Promise<GpuJsModule> {
  gpuJsPromise ??= import("gpu.js").then((m) => {
    const mod = ((m as { default?: unknown }).default ?? m) as GpuJsModule;
    return mod.GPU ? mod : (m as unknown as GpuJsModule);
  });
  try {
    return await gpuJsPromise;
  } catch (err) {
    gpuJsPromise = null;
    throw new Error(`the gpu backend needs the 'gpu.js' package (pinned 2.24.1): ${(err as Error).message}`, {
      cause: err,
    });
  }
}

const HEADLESSGL_BUILD_HINT =
  "install the build dependencies (apt-get install -y --no-install-recommends libxi-dev libxext-dev libx11-dev " +
  "libgl1-mesa-dev pkg-config python3 make g++), then build gl offline: in a checkout `bash tools/gpu/build-gl.sh` " +
  '(node-gyp against the local Node headers), else set "allowScripts": {"gl": true} in package.json and run ' +
  "`npm_config_build_from_source=true npm rebuild gl`; at run time it also needs an X display: run under `xvfb-run -a`, or set DISPLAY to an X " +
  "server on the GPU's driver (see docs/gpu.md)";

/** Node's process, or undefined in a browser (this module is also bundled into the live page's worker). */
interface NodeProcess {
  versions: { node?: string };
  env: Record<string, string | undefined>;
  getBuiltinModule(id: string): unknown;
}
function nodeProcess(): NodeProcess | undefined {
  const proc = (globalThis as { process?: NodeProcess }).process;
  return typeof proc?.versions?.node === "string" && typeof proc.getBuiltinModule === "function"
    ? proc
    : undefined;
}

/**
 * Why headless-gl cannot run here: the `gl` package is missing, not built, or has no display/driver.
 * Node's modules come through `process.getBuiltinModule`, so no Node import reaches a browser bundle.
 */
function headlessGlReason(node: NodeProcess): string {
  const { existsSync } = node.getBuiltinModule("fs") as typeof import("node:fs");
  const { dirname, join } = node.getBuiltinModule("path") as typeof import("node:path");
  const { createRequire } = node.getBuiltinModule("module") as typeof import("node:module");
  const require = createRequire(import.meta.url);
  let glDir: string;
  try {
    glDir = dirname(require.resolve("gl/package.json"));
  } catch {
    return `headlessgl needs the optional native package 'gl' (gpu.js's optionalDependency), which is not installed: ${HEADLESSGL_BUILD_HINT}`;
  }
  if (!existsSync(join(glDir, "build", "Release", "webgl.node"))) {
    return `headlessgl needs the native 'gl' package built, but ${join(glDir, "build", "Release", "webgl.node")} does not exist: ${HEADLESSGL_BUILD_HINT}`;
  }
  if (!node.env.DISPLAY) {
    return "headlessgl: 'gl' is built but could not open a WebGL context; no DISPLAY is set (gl 8.1.6 opens its context through X): run under `xvfb-run -a` (Debian: apt-get install xvfb xauth) or set DISPLAY to an X server on the GPU's driver";
  }
  return `headlessgl: 'gl' is built and DISPLAY=${node.env.DISPLAY}, but creating a WebGL context failed (check the X server and the Mesa/GPU GL driver)`;
}

/** gpu.js's answer to one of its `is…Supported` checks (false when the check itself throws). */
function supported(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

/**
 * Probes every gpu.js mode the toolkit can use; cheap (no kernel is compiled). In Node: headlessgl,
 * webasm, cpu; in a browser (or its Web Workers): webgl2, webgl, webasm, cpu.
 */
export async function probeGpuJsModes(): Promise<GpuModeProbe[]> {
  const node = nodeProcess();
  const glModes: ResolvedGpuMode[] = node ? ["headlessgl"] : ["webgl2", "webgl"];
  let gpujs: GpuJsModule;
  try {
    gpujs = await loadGpuJs();
  } catch (err) {
    const reason = (err as Error).message;
    return ([...glModes, "webasm", "cpu"] as const).map((mode) => ({ mode, available: false, reason }));
  }
  const { GPU } = gpujs;
  const probes: GpuModeProbe[] = [];
  if (node) {
    probes.push(
      supported(() => GPU.isHeadlessGLSupported)
        ? { mode: "headlessgl", available: true }
        : { mode: "headlessgl", available: false, reason: headlessGlReason(node) },
    );
  } else {
    probes.push(
      supported(() => GPU.isWebGL2Supported)
        ? { mode: "webgl2", available: true }
        : { mode: "webgl2", available: false, reason: "this browser opens no WebGL 2 context" },
      supported(() => GPU.isWebGLSupported)
        ? { mode: "webgl", available: true }
        : { mode: "webgl", available: false, reason: "this browser opens no WebGL context" },
    );
  }
  const wasm = GPU.isWebAssemblySupported;
  probes.push(
    wasm
      ? { mode: "webasm", available: true }
      : {
          mode: "webasm",
          available: false,
          reason: "webasm needs WebAssembly (with SIMD) in this JavaScript runtime; Node ≥ 20 has it",
        },
  );
  probes.push({ mode: "cpu", available: true });
  return probes;
}

/**
 * Resolves a requested mode to the gpu.js backend that will run it, or throws an Error naming the
 * missing piece. `auto` takes headlessgl when a GL context opens, else webasm, else gpu.js's cpu mode;
 * `gpu` insists on a GL device.
 */
export async function resolveGpuMode(requested: GpuMode): Promise<ResolvedGpuMode> {
  if (!GPU_MODES.includes(requested)) {
    throw new RangeError(`gpu mode must be one of ${GPU_MODES.join(", ")}, got ${JSON.stringify(requested)}`);
  }
  const probes = await probeGpuJsModes();
  const byMode = new Map(probes.map((p) => [p.mode, p]));
  const want = (mode: ResolvedGpuMode): ResolvedGpuMode => {
    const probe = byMode.get(mode);
    if (!probe?.available)
      throw new Error(
        `gpu mode '${requested}' is not available on this machine: ${probe?.reason ?? `${mode} runs only in ${mode === "headlessgl" ? "Node" : "a browser"}`}`,
      );
    return mode;
  };
  switch (requested) {
    case "auto":
      return probes.find((p) => p.available)?.mode ?? want("cpu");
    case "gpu": {
      // A GL device: headlessgl in Node, WebGL 2 (else WebGL) in a browser.
      const glProbes = probes.filter((p) => p.mode !== "webasm" && p.mode !== "cpu");
      const gl = glProbes.find((p) => p.available);
      if (gl) return gl.mode;
      if (glProbes.length === 1) return want(glProbes[0].mode);
      throw new Error(
        `gpu mode 'gpu' is not available here: ${glProbes.map((p) => `${p.mode}: ${p.reason}`).join("; ")}`,
      );
    }
    default:
      return want(requested);
  }
}

/** Opens a gpu.js instance in the resolved mode; throws (naming the missing piece) if it is not available. */
export interface RuntimeOptions {
  /**
   * Run kernels under gpu.js's async contract, which lets `webasm` split each kernel over a worker
   * pool (one worker per core). Results are the same (each output element is computed by one
   * thread); whether it is faster depends on the size and on free cores. Default false.
   */
  threads?: boolean;
}

export async function openGpuRuntime(
  requested: GpuMode = "auto",
  runtimeOptions: RuntimeOptions = {},
): Promise<GpuRuntime> {
  const threads = runtimeOptions.threads ?? false;
  const mode = await resolveGpuMode(requested);
  const { GPU } = await loadGpuJs();
  const gpu = new GPU({ mode });
  let kernelCount = 0;
  return {
    mode,
    get kernelCount() {
      return kernelCount;
    },
    compile<A extends KernelArg[]>(
      fn: KernelFunction<A> | string,
      options: CompileOptions = {},
    ): GpuKernel<A> {
      const source = typeof fn === "string" ? fn : fn.toString();
      const capacity = options.specializations ?? 4;
      if (!Number.isInteger(capacity) || capacity < 1)
        throw new RangeError(`specializations must be an integer >= 1, got ${capacity}`);
      // Output shape → kernel, in least-recently-used order (Map iteration order).
      const byShape = new Map<string, GpuJsKernel>();
      const resident = options.resident ?? false;
      const call = (output: KernelOutput, args: KernelArg[]): { result: unknown; dims: number[] } => {
        const dims = typeof output === "number" ? [output] : [...output];
        if (dims.length < 1 || dims.length > 3 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
          throw new RangeError(`kernel output must be 1 to 3 integers >= 1, got ${JSON.stringify(output)}`);
        }
        const key = dims.join("x");
        let kernel = byShape.get(key);
        if (kernel === undefined) {
          kernel = gpu.createKernel(source, {
            output: dims,
            loopMaxIterations: options.loopMaxIterations ?? 1000,
            dynamicArguments: true,
            precision: "single",
            tactic: "precision",
            pipeline: resident,
          });
          kernelCount++;
          if (threads) kernel.setAsyncMode?.(true);
          if (byShape.size >= capacity) {
            const [oldest, evicted] = byShape.entries().next().value as [string, GpuJsKernel];
            byShape.delete(oldest);
            evicted.destroy?.();
          }
        } else {
          byShape.delete(key);
        }
        byShape.set(key, kernel);
        return { result: kernel(...args.map(unwrap)), dims };
      };
      return {
        async run(output: KernelOutput, ...args: A): Promise<Float32Array> {
          const { result, dims } = call(output, args);
          // v3: `await` the kernel's Promise; 2.x returns the result synchronously.
          return flatten(await Promise.resolve(result), dims, mode);
        },
        async toDevice(output: number, ...args: A): Promise<DeviceArray> {
          if (!resident) throw new Error("toDevice needs a kernel compiled with { resident: true }");
          const { result } = call(output, args);
          const value = await Promise.resolve(result);
          return new DeviceArrayHandle(value, output) as unknown as DeviceArray;
        },
      };
    },
    async destroy() {
      await gpu.destroy();
    },
  };
}

/** gpu.js returns nested row arrays for 2-D/3-D outputs; the toolkit's layout is one flat row-major array. */
function flatten(resultOrTexture: unknown, dims: number[], mode: string): Float32Array {
  // A resident (pipeline) kernel under GL returns a Texture: read it back.
  const textureLike = resultOrTexture as { toArray?: () => unknown } | null;
  const result =
    typeof textureLike?.toArray === "function" && !Array.isArray(resultOrTexture)
      ? textureLike.toArray()
      : resultOrTexture;
  if (result instanceof Float32Array) return result;
  const X = dims[0];
  const Y = dims[1] ?? 1;
  const Z = dims[2] ?? 1;
  const out = new Float32Array(X * Y * Z);
  const bad = (): Error =>
    new Error(
      `gpu.js (${mode}) returned ${Object.prototype.toString.call(result)} for output [${dims}], expected Float32Array rows`,
    );
  if (!Array.isArray(result)) throw bad();
  if (dims.length === 2) {
    for (let y = 0; y < Y; y++) {
      const row: unknown = result[y];
      if (!(row instanceof Float32Array)) throw bad();
      out.set(row, y * X);
    }
    return out;
  }
  for (let z = 0; z < Z; z++) {
    const plane: unknown = result[z];
    if (!Array.isArray(plane)) throw bad();
    for (let y = 0; y < Y; y++) {
      const row: unknown = plane[y];
      if (!(row instanceof Float32Array)) throw bad();
      out.set(row, (z * Y + y) * X);
    }
  }
  return out;
}
