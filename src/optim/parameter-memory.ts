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
  const group = placeParameterGroup([length], 0);
  return group === null ? null : group.parameters[0];
}

/**
 * Parameters of the given lengths placed one after another in one memory, each laid out as
 * {@link placeParameter} lays out one (data, grad, the reserved optimizer vectors), followed by
 * `extraBytes` of zeroed scratch at byte `extraPtr` (16-byte aligned): a kernel instantiated on
 * `memory` reaches all of them. Null when WebAssembly is unavailable.
 */
export function placeParameterGroup(
  lengths: readonly number[],
  extraBytes: number,
): {
  memory: WasmMemory;
  parameters: { data: Float64Array; grad: Float64Array }[];
  extraPtr: number;
} | null {
  const vectorBytes = lengths.map((n) => Math.ceil((8 * n) / 16) * 16);
  const starts: number[] = [];
  let bytes = 0;
  for (const vb of vectorBytes) {
    starts.push(bytes);
    bytes += (2 + OPTIMIZER_SLOTS) * vb;
  }
  const extraPtr = bytes;
  const memory = newMemory(Math.max(1, Math.ceil((bytes + extraBytes) / PAGE_BYTES)));
  if (memory === null) return null;
  const parameters = lengths.map((length, q) => {
    const at = starts[q];
    const vb = vectorBytes[q];
    const data = new Float64Array(memory.buffer, at, length);
    const grad = new Float64Array(memory.buffer, at + vb, length);
    const statePtrs = Array.from({ length: OPTIMIZER_SLOTS }, (_, k) => at + (2 + k) * vb);
    placements.set(data, { memory, dataPtr: at, gradPtr: at + vb, statePtrs, claimed: false });
    return { data, grad };
  });
  return { memory, parameters, extraPtr };
}

/** The placement of a parameter's data array, if `makeParameter` placed it. */
export function placementOf(data: Float64Array): ParameterPlacement | undefined {
  return placements.get(data);
}
