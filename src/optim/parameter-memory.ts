/**
 * Placement of large parameters in their own WebAssembly memory, so that the f64x2 optimizer
 * kernels (wasm-update-kernels.ts) update them in place instead of copying data and gradient
 * into the optimizer's memory and back on every step (for a 132k-parameter network those copies
 * cost about as much as the update itself).
 *
 * Layout of one placement (byte offsets, 16-byte aligned): data [0, 8n), grad, then
 * `OPTIMIZER_SLOTS` zeroed vectors reserved for the first optimizer that claims them (Adam's m, v;
 * RMSProp's square and gradient averages). The memory never grows, so the views stay valid.
 * Only `makeParameter` without caller-provided data places parameters, and only from
 * `MIN_PLACED_LENGTH` entries on (a memory is at least one 64 KiB page).
 */
import { newMemory, PAGE_BYTES, type WasmMemory } from "../wasm/index.js";

export const OPTIMIZER_SLOTS = 2;
export const MIN_PLACED_LENGTH = 4096;

export interface ParameterPlacement {
  readonly memory: WasmMemory;
  readonly dataPtr: number;
  readonly gradPtr: number;
  readonly statePtrs: readonly number[];
  /** Whether an optimizer already keeps its state in the reserved vectors. */
  claimed: boolean;
  /** Kernel instance bound to this memory (created by the first optimizer that needs it). */
  instance?: unknown;
}

const placements = new WeakMap<Float64Array, ParameterPlacement>();

/** Data and grad views of a fresh placement of `length` entries, or null when WebAssembly is unavailable. */
export function placeParameter(length: number): { data: Float64Array; grad: Float64Array } | null {
  const vectorBytes = Math.ceil((8 * length) / 16) * 16;
  const pages = Math.ceil(((2 + OPTIMIZER_SLOTS) * vectorBytes) / PAGE_BYTES);
  const memory = newMemory(pages);
  if (memory === null) return null;
  const data = new Float64Array(memory.buffer, 0, length);
  const grad = new Float64Array(memory.buffer, vectorBytes, length);
  const statePtrs = Array.from({ length: OPTIMIZER_SLOTS }, (_, k) => (2 + k) * vectorBytes);
  placements.set(data, { memory, dataPtr: 0, gradPtr: vectorBytes, statePtrs, claimed: false });
  return { data, grad };
}

/** The placement of a parameter's data array, if `makeParameter` placed it. */
export function placementOf(data: Float64Array): ParameterPlacement | undefined {
  return placements.get(data);
}
