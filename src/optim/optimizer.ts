import type { Parameter } from "./parameter.js";

/** Per-parameter optimizer state, serializable to JSON (arrays of numbers). */
export interface OptimizerState {
  readonly kind: string;
  readonly step: number;
  readonly buffers: Record<string, Record<string, number[]>>;
}

export interface Optimizer {
  readonly params: readonly Parameter[];
  lr: number;
  /** Applies one update from the current `grad` of every parameter. */
  step(): void;
  zeroGrad(): void;
  getState(): OptimizerState;
  setState(state: OptimizerState): void;
}

export function checkLearningRate(lr: number, who: string): void {
  if (!Number.isFinite(lr) || lr <= 0)
    throw new RangeError(`${who}: lr must be a finite number > 0, got ${lr}`);
}

export function uniqueNames(params: readonly Parameter[], who: string): void {
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p.name)) throw new Error(`${who}: duplicate parameter name "${p.name}"`);
    seen.add(p.name);
  }
}

/**
 * Validates a whole optimizer state against `params` before anything is restored: `step` a
 * non-negative integer and, per parameter, every buffer in `keys` present with the parameter's length.
 */
export function checkState(
  state: OptimizerState,
  params: readonly Parameter[],
  keys: readonly string[],
  who: string,
): void {
  if (state === null || typeof state !== "object")
    throw new TypeError(`${who}.setState: state must be an object, got ${String(state)}`);
  if (!Number.isInteger(state.step) || state.step < 0)
    throw new RangeError(`${who}.setState: step must be an integer >= 0, got ${state.step}`);
  for (const p of params) {
    for (const key of keys) {
      const saved = state.buffers?.[p.name]?.[key] as ArrayLike<number> | undefined;
      if (saved === undefined || saved === null || typeof saved.length !== "number")
        throw new Error(`${who}.setState: buffer ${key} of parameter "${p.name}" is missing`);
      if (saved.length !== p.data.length)
        throw new RangeError(
          `${who}.setState: buffer ${key} of parameter "${p.name}" has length ${saved.length}, expected ${p.data.length}`,
        );
      for (let i = 0; i < saved.length; i++)
        if (typeof saved[i] !== "number" || !Number.isFinite(saved[i]))
          throw new RangeError(
            `${who}.setState: buffer ${key} of parameter "${p.name}" has a non-finite entry ${String(saved[i])} at [${i}]`,
          );
    }
  }
}

export function restoreBuffer(
  state: OptimizerState,
  param: Parameter,
  key: string,
  target: Float64Array,
): void {
  const saved = state.buffers[param.name]?.[key];
  if (!saved || saved.length !== target.length) {
    throw new Error(
      `optimizer state: buffer ${key} of parameter "${param.name}" missing or of wrong length (expected ${target.length})`,
    );
  }
  target.set(saved);
}
