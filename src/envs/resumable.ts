import { Rng, type RngState } from "../random/rng.js";
import type { Env } from "./env.js";

/**
 * The complete resumable state of an env (and its wrapper chain): after
 * `fresh.restore(env.snapshot())` on an env built the same way, every future `reset()` /
 * `step(a)` of `fresh` returns exactly what `env` would have returned.
 *
 * `Env.getState()` (the golden files' physical state) is not enough for that: it leaves out the
 * env's own generator (initial states, sticky actions), flags such as "already terminated" or
 * "reset was called", sticky-action memory and each wrapper's counters. Those are the layers'
 * hidden fields, one record per layer, outermost wrapper first, innermost env last.
 *
 * Plain data (JSON, structuredClone and v8.serialize friendly).
 */
export interface EnvSnapshot {
  readonly kind: "env-snapshot";
  /** `env.id` (the restore target must have the same id). */
  readonly id: string;
  /** `env.getState()`. */
  readonly state: unknown;
  /** Hidden fields of each layer, outermost first. */
  readonly layers: readonly EnvLayerSnapshot[];
}

/**
 * Hidden fields of one layer; which fields a layer has is fixed by its class (a restore
 * requires exactly those). Known fields: `rng`, `ready` (every {@link CoreEnv}),
 * `terminatedBefore` (CartPole-v1), `lastAction` (MinAtar Breakout's sticky-action memory),
 * `elapsed` (TimeLimit), `episodeReturn`, `episodeLength`, `episodeCount`, `returnQueue`,
 * `lengthQueue`, `lastEpisode` (RecordEpisodeStatistics).
 */
export type EnvLayerSnapshot = Readonly<Record<string, unknown>>;

/** Implemented by every env and wrapper in src/envs (see {@link isResumable}). */
export interface Resumable {
  /** The complete resumable state (see {@link EnvSnapshot}); a fresh copy. */
  snapshot(): EnvSnapshot;
  /**
   * Restores a snapshot of an env built the same way (same id, same wrapper chain, same options).
   * Everything is validated before anything is written; errors name the field
   * (e.g. `CartPole-v1.restore: layers[0].elapsed must be an integer >= 0, got -3`).
   */
  restore(snapshot: EnvSnapshot): void;
  /** Low level (used by wrappers): this env's layer records, outermost first. */
  captureLayers(): EnvLayerSnapshot[];
  /**
   * Low level (used by wrappers): validates `layers[offset…]` against this env's layers and
   * returns the writes, to run after `setState`; writes nothing itself.
   * `at(i)` is the error-message name of `layers[i]`.
   */
  prepareLayers(layers: readonly unknown[], offset: number, at: (i: number) => string): (() => void)[];
}

/** True when `env` implements {@link Resumable} (every env and wrapper in src/envs does). */
export function isResumable<E extends Env>(env: E): env is E & Resumable {
  const r = env as Partial<Resumable>;
  return (
    typeof r.snapshot === "function" &&
    typeof r.restore === "function" &&
    typeof r.captureLayers === "function" &&
    typeof r.prepareLayers === "function"
  );
}

/** Error for an env (wrapped, or passed to a snapshot helper) that is not {@link Resumable}. */
export function notResumable(env: Env, who: string): TypeError {
  return new TypeError(
    `${who}: env "${String(env?.id)}" does not implement snapshot()/restore() (Resumable, src/envs/resumable.ts)`,
  );
}

/**
 * One hidden field of a layer: how to read it, validate a stored value (throwing with `at`,
 * the field's name in the message) and write it.
 */
export interface LayerField<T = unknown> {
  /** The stored (plain-data, freshly copied) form. */
  read(): unknown;
  /** Validates a stored form and returns the value to write, or throws naming `at`. Must not change the env. */
  check(value: unknown, at: string): T;
  write(value: T): void;
}

/** The fields of one layer, by name. */
export type LayerFields = Readonly<Record<string, LayerField>>;

/** Builds a {@link LayerField} (keeps `T` consistent between read, check and write). */
export function layerField<T>(
  read: () => unknown,
  check: (value: unknown, at: string) => T,
  write: (value: T) => void,
): LayerField {
  return { read, check, write: write as (value: unknown) => void };
}

/** Reads every field into a plain record (arrays and objects copied by the field's `read`). */
export function captureFields(fields: LayerFields): EnvLayerSnapshot {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(fields)) out[name] = f.read();
  return out;
}

/**
 * Validates a stored layer record against `fields` (exactly those keys, each value checked)
 * and returns the write. `at` names the record (e.g. `layers[1]`).
 */
export function prepareFields(
  fields: LayerFields,
  stored: unknown,
  at: string,
  /** Checks between fields (after each field passed its own check); throws naming `at`. */
  crossCheck?: (values: Readonly<Record<string, unknown>>, at: string) => void,
): () => void {
  if (stored === null || typeof stored !== "object" || Array.isArray(stored))
    throw new TypeError(`${at} must be an object, got ${describeValue(stored)}`);
  const record = stored as Record<string, unknown>;
  const names = Object.keys(fields);
  for (const name of names) {
    if (!Object.hasOwn(record, name) || record[name] === undefined)
      throw new RangeError(`${at}.${name} is missing (this layer has fields: ${names.join(", ") || "none"})`);
  }
  for (const name of Object.keys(record)) {
    if (!Object.hasOwn(fields, name) && record[name] !== undefined)
      throw new RangeError(
        `${at}.${name} is unexpected for this layer (fields: ${names.join(", ") || "none"})`,
      );
  }
  const values = names.map((name) => fields[name].check(record[name], `${at}.${name}`));
  crossCheck?.(Object.fromEntries(names.map((name, i) => [name, values[i]])), at);
  return () => names.forEach((name, i) => fields[name].write(values[i]));
}

/** What {@link takeSnapshot} and {@link restoreSnapshot} use of an env. */
export type SnapshotTarget = Pick<Env, "id" | "getState" | "setState"> & Resumable;

/** `snapshot()` of a {@link Resumable} env: its id, `getState()` and layer records. */
export function takeSnapshot(env: SnapshotTarget): EnvSnapshot {
  return { kind: "env-snapshot", id: env.id, state: env.getState(), layers: env.captureLayers() };
}

/** How restore errors name things: `who` prefixes the message, `path` prefixes `layers`. */
export interface RestoreContext {
  /** Default `${env.id}.restore`. */
  who?: string;
  /** Prefix of the field names, e.g. `"env."` gives `env.layers[1].elapsed`. Default "". */
  path?: string;
}

/**
 * `restore()` of a {@link Resumable} env: checks kind, id and layer count, validates every layer
 * record, then `setState(snapshot.state)` (which validates before writing), then writes the
 * layers' fields. A bad snapshot throws and leaves the env unchanged.
 */
export function restoreSnapshot(
  env: SnapshotTarget,
  snapshot: EnvSnapshot,
  context: RestoreContext = {},
): void {
  const who = context.who ?? `${env.id}.restore`;
  const path = context.path ?? "";
  if (snapshot === null || typeof snapshot !== "object" || snapshot.kind !== "env-snapshot")
    throw new TypeError(
      `${who}: ${path ? `${path.slice(0, -1)} ` : "snapshot "}must be an env snapshot (kind "env-snapshot"), got ${describeValue(snapshot)}`,
    );
  if (snapshot.id !== env.id)
    throw new RangeError(`${who}: ${path}id is "${String(snapshot.id)}", this env is "${env.id}"`);
  const count = env.captureLayers().length;
  if (!Array.isArray(snapshot.layers) || snapshot.layers.length !== count)
    throw new RangeError(
      `${who}: ${path}layers has ${String((snapshot.layers as unknown[] | undefined)?.length)} entries, this env has ${count} (wrapper chain differs)`,
    );
  const writes = env.prepareLayers(snapshot.layers, 0, (i) => `${who}: ${path}layers[${i}]`);
  try {
    env.setState(snapshot.state);
  } catch (err) {
    throw new (err instanceof TypeError ? TypeError : RangeError)(
      `${who}: ${path}state: ${(err as Error).message}`,
      { cause: err },
    );
  }
  for (const write of writes) write();
}

/**
 * Base of an env at the bottom of a wrapper chain (no inner env): `snapshot`/`restore` and the
 * low-level layer methods, all from the one layer record {@link LeafResumable.layerFields}.
 */
export abstract class LeafResumable implements Resumable {
  abstract readonly id: string;
  abstract getState(): unknown;
  abstract setState(state: unknown): void;
  /** This env's hidden fields (generator, flags, memories): its one layer record. */
  protected abstract layerFields(): LayerFields;

  /** Complete resumable state: `getState()` plus {@link LeafResumable.layerFields}. */
  snapshot(): EnvSnapshot {
    return takeSnapshot(this);
  }

  /** Restores a {@link snapshot} (validated first; a bad one throws and changes nothing). */
  restore(snapshot: EnvSnapshot): void {
    restoreSnapshot(this, snapshot);
  }

  captureLayers(): EnvLayerSnapshot[] {
    return [captureFields(this.layerFields())];
  }

  prepareLayers(layers: readonly unknown[], offset: number, at: (i: number) => string): (() => void)[] {
    return [prepareFields(this.layerFields(), layers[offset], at(offset))];
  }
}

// ---- field checkers ----

export function describeValue(x: unknown): string {
  if (typeof x === "string") return JSON.stringify(x);
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (x !== null && typeof x === "object") return "an object";
  return String(x);
}

export function checkBoolean(value: unknown, at: string): boolean {
  if (typeof value !== "boolean") throw new TypeError(`${at} must be a boolean, got ${describeValue(value)}`);
  return value;
}

export function checkFinite(value: unknown, at: string): number {
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new RangeError(`${at} must be a finite number, got ${describeValue(value)}`);
  return value;
}

/** An integer in [min, max]. */
export function checkInteger(value: unknown, at: string, min: number, max = Infinity): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new RangeError(`${at} must be an integer ${range}, got ${describeValue(value)}`);
  }
  return value;
}

/** An {@link RngState} (4 int32 words, spare normal null or finite); returns the generator. */
export function checkRng(value: unknown, at: string): Rng {
  const s = value as Partial<RngState> | null;
  if (s === null || typeof s !== "object" || s.algorithm !== "xoroshiro128plus")
    throw new TypeError(
      `${at} must be an rng state {algorithm: "xoroshiro128plus", words, spareNormal}, got ${describeValue(value)}`,
    );
  if (!Array.isArray(s.words) || s.words.length !== 4)
    throw new RangeError(`${at}.words must be 4 int32 numbers, got ${describeValue(s.words)}`);
  s.words.forEach((w, i) => checkInteger(w, `${at}.words[${i}]`, -2147483648, 2147483647));
  if (s.words.every((w) => w === 0))
    throw new RangeError(`${at}.words must not be all zero (xoroshiro128+ would stay at 0)`);
  if (s.spareNormal !== null) checkFinite(s.spareNormal, `${at}.spareNormal`);
  return Rng.fromState(s as RngState);
}

/** The `rng` field of a layer whose generator lives in `get()` / `set()`. */
export function rngField(get: () => Rng, set: (rng: Rng) => void): LayerField {
  return layerField<Rng>(() => get().getState(), checkRng, set);
}
