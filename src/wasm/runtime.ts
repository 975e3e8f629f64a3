/**
 * The slice of the WebAssembly JS API the kernels use (the project's `lib` setting has no
 * WebAssembly typings), compilation and instantiation of assembled modules, and a growable memory
 * with typed views.
 */
import { CodeBuffer, V128, assembleModule, op, type FunctionSpec } from "./assembler.js";

/** Bytes per WebAssembly page. */
export const PAGE_BYTES = 65536;

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  /** Adds `pages` pages; detaches the old buffer. */
  grow(pages: number): number;
}

/** A compiled module (opaque). */
export type WasmModule = object;

export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (
    module: WasmModule,
    imports: Record<string, Record<string, unknown>>,
  ) => { exports: Record<string, unknown> };
}

/** The runtime's WebAssembly namespace, or undefined. */
export function wasmApi(): WasmApi | undefined {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
}

let simd: boolean | undefined;

/** Whether this runtime has WebAssembly with the fixed-width SIMD extension (Node ≥ 16.4). */
export function wasmSimdAvailable(): boolean {
  if (simd === undefined) {
    const probe = new CodeBuffer();
    probe.emit(op.v128Zero, op.localSet(0));
    const bytes = assembleModule([{ name: "probe", params: [], locals: [[1, V128]], code: probe.bytes }]);
    const api = wasmApi();
    simd = api !== undefined && api.validate(bytes);
  }
  return simd;
}

/**
 * Assembles and compiles `functions` (see assembleModule), or null when the runtime has no
 * WebAssembly, rejects the module (e.g. no SIMD) or fails to compile it.
 */
export function compileKernels(functions: readonly FunctionSpec[]): WasmModule | null {
  const api = wasmApi();
  if (api === undefined) return null;
  try {
    const bytes = assembleModule(functions);
    const key = moduleKey(bytes);
    const cached = compiledModules.get(key);
    if (cached !== undefined) return cached;
    const module = api.validate(bytes) ? new api.Module(bytes) : null;
    if (compiledModules.size >= MAX_CACHED_MODULES)
      compiledModules.delete(compiledModules.keys().next().value!);
    compiledModules.set(key, module);
    return module;
  } catch {
    return null;
  }
}

/**
 * Modules compiled so far, by their bytes: kernels assembled again with the same bytes (a new
 * population, optimizer or layer of the same shape) reuse the module and the optimized code V8
 * tiered it up to, instead of compiling it again and starting over in the baseline tier.
 */
const compiledModules = new Map<string, WasmModule | null>();
const MAX_CACHED_MODULES = 64;

/** The module bytes as a string key. */
function moduleKey(bytes: Uint8Array): string {
  let key = "";
  for (let i = 0; i < bytes.length; i += 4096)
    key += String.fromCharCode(...bytes.subarray(i, Math.min(i + 4096, bytes.length)));
  return key;
}

/** An instance of `module` on `memory`; its exports, typed by the caller as the functions it assembled. */
export function instantiateKernels<Exports>(module: WasmModule, memory: WasmMemory): Exports {
  const api = wasmApi();
  if (api === undefined) throw new Error("instantiateKernels: WebAssembly is not available");
  return new api.Instance(module, { env: { memory } }).exports as unknown as Exports;
}

/** Compiles `functions` and instantiates them on `memory`; null where {@link compileKernels} gives null. */
export function assembleKernels<Exports>(
  functions: readonly FunctionSpec[],
  memory: WasmMemory,
): Exports | null {
  const module = compileKernels(functions);
  return module === null ? null : instantiateKernels<Exports>(module, memory);
}

/** A fresh memory of `pages` pages (≥ 1), or null without WebAssembly or when allocation fails. */
export function newMemory(pages: number): WasmMemory | null {
  const api = wasmApi();
  if (api === undefined) return null;
  try {
    return new api.Memory({ initial: Math.max(1, pages) });
  } catch {
    return null;
  }
}

/**
 * A growable linear memory with f32 and f64 views, shared by the modules instantiated on it.
 * Views are refreshed after growth.
 */
export class WasmArena {
  readonly memory: WasmMemory;
  f32: Float32Array;
  f64: Float64Array;
  constructor(memory: WasmMemory) {
    this.memory = memory;
    this.f32 = new Float32Array(memory.buffer);
    this.f64 = new Float64Array(memory.buffer);
  }
  /** An arena of `initialPages` pages, or null without WebAssembly. */
  static create(initialPages: number): WasmArena | null {
    const memory = newMemory(initialPages);
    return memory === null ? null : new WasmArena(memory);
  }
  /** Ensures at least `bytes` bytes of memory. */
  reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (have >= bytes) return;
    this.memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
    this.f32 = new Float32Array(this.memory.buffer);
    this.f64 = new Float64Array(this.memory.buffer);
  }
}
