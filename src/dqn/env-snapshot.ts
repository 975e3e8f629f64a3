import type { Env } from "../envs/env.js";
import { Wrapper } from "../envs/wrapper.js";
import { Rng, type RngState } from "../random/rng.js";

/**
 * Everything an environment's future depends on, for resuming a DQN run mid-episode:
 * `Env.getState()` (the golden files' layout) does not include the env's own generator (initial
 * states, sticky actions), the sticky-action memory, or a `TimeLimit` wrapper's step counter.
 * This snapshot adds them, layer by layer along the wrapper chain (outermost first).
 *
 * Stop-gap: the hidden fields are read and written by name (`rng`, `lastAction`, `elapsed`,
 * `terminatedBefore`, `ready`), because src/envs has no public accessor for them yet; the round
 * trip is tested (test/dqn/checkpoint.test.ts) for CartPole-v1 under TimeLimit and MinAtar
 * Breakout, so a renamed field fails there instead of silently breaking determinism.
 */
export interface EnvSnapshot {
  readonly kind: "env-snapshot";
  readonly id: string;
  /** `env.getState()` of the outermost env. */
  readonly state: unknown;
  /** Hidden fields of each layer, outermost first. */
  readonly layers: readonly EnvLayerFields[];
}

export interface EnvLayerFields {
  rng?: RngState;
  lastAction?: number;
  elapsed?: number;
  terminatedBefore?: boolean;
  ready?: boolean;
}

type Hidden = Record<string, unknown>;

function layersOf(env: Env<unknown, number>): Env<unknown, number>[] {
  const out: Env<unknown, number>[] = [env];
  let e: Env<unknown, number> = env;
  while (e instanceof Wrapper) {
    e = (e as Wrapper<unknown, number>).env;
    out.push(e);
  }
  return out;
}

function captureLayer(layer: Env<unknown, number>): EnvLayerFields {
  const h = layer as unknown as Hidden;
  const f: EnvLayerFields = {};
  if (h.rng instanceof Rng) f.rng = h.rng.getState();
  if (typeof h.lastAction === "number") f.lastAction = h.lastAction;
  if (typeof h.elapsed === "number") f.elapsed = h.elapsed;
  if (typeof h.terminatedBefore === "boolean") f.terminatedBefore = h.terminatedBefore;
  if (typeof h.ready === "boolean") f.ready = h.ready;
  return f;
}

/** Snapshot of `env` (see {@link EnvSnapshot}); plain data, v8.serialize / JSON friendly. */
export function captureEnv(env: Env<unknown, number>): EnvSnapshot {
  return {
    kind: "env-snapshot",
    id: env.id,
    state: env.getState(),
    layers: layersOf(env).map(captureLayer),
  };
}

const FIELD_TYPES: Record<keyof EnvLayerFields, string> = {
  rng: "object",
  lastAction: "number",
  elapsed: "number",
  terminatedBefore: "boolean",
  ready: "boolean",
};

/**
 * Restores a {@link captureEnv} snapshot into an env built the same way (same id, same wrapper
 * chain). Validates the layout first; errors name the field (`env.layers[i].<field>`).
 */
export function restoreEnv(env: Env<unknown, number>, snapshot: EnvSnapshot, who = "restoreEnv"): void {
  if (snapshot === null || typeof snapshot !== "object" || snapshot.kind !== "env-snapshot")
    throw new TypeError(`${who}: env must be an env snapshot (kind "env-snapshot")`);
  if (snapshot.id !== env.id)
    throw new RangeError(`${who}: env.id is "${String(snapshot.id)}", this run's env is "${env.id}"`);
  const layers = layersOf(env);
  if (!Array.isArray(snapshot.layers) || snapshot.layers.length !== layers.length)
    throw new RangeError(
      `${who}: env.layers has ${String(snapshot.layers?.length)} entries, this env has ${layers.length} (wrapper chain differs)`,
    );
  const rngs: (Rng | undefined)[] = [];
  layers.forEach((layer, i) => {
    const want = captureLayer(layer);
    const got = snapshot.layers[i] as Hidden;
    for (const key of Object.keys(FIELD_TYPES) as (keyof EnvLayerFields)[]) {
      const at = `${who}: env.layers[${i}].${key}`;
      if (key in want !== (key in got && got[key] !== undefined))
        throw new RangeError(`${at} is ${key in want ? "missing" : "unexpected"} for this env`);
      if (!(key in want)) continue;
      if (typeof got[key] !== FIELD_TYPES[key])
        throw new TypeError(`${at} must be a ${FIELD_TYPES[key]}, got ${String(got[key])}`);
    }
    if (got.elapsed !== undefined && !(Number.isInteger(got.elapsed) && (got.elapsed as number) >= 0))
      throw new RangeError(
        `${who}: env.layers[${i}].elapsed must be an integer >= 0, got ${String(got.elapsed)}`,
      );
    if (got.lastAction !== undefined && !Number.isInteger(got.lastAction))
      throw new RangeError(
        `${who}: env.layers[${i}].lastAction must be an integer, got ${String(got.lastAction)}`,
      );
    try {
      rngs.push(got.rng === undefined ? undefined : Rng.fromState(got.rng as RngState));
    } catch (err) {
      throw new TypeError(`${who}: env.layers[${i}].rng: ${(err as Error).message}`, { cause: err });
    }
  });
  // setState validates the env's own state before anything is written.
  env.setState(snapshot.state);
  layers.forEach((layer, i) => {
    const h = layer as unknown as Hidden;
    const got = snapshot.layers[i];
    if (rngs[i] !== undefined) h.rng = rngs[i];
    if (got.lastAction !== undefined) h.lastAction = got.lastAction;
    if (got.elapsed !== undefined) h.elapsed = got.elapsed;
    if (got.terminatedBefore !== undefined) h.terminatedBefore = got.terminatedBefore;
    if (got.ready !== undefined) h.ready = got.ready;
  });
}
