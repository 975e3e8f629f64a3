import { MAX_SEED, Rng } from "../random/rng.js";
import {
  DEFAULT_ENV_SEED,
  type Action,
  type Env,
  type EnvOptions,
  type ResetOptions,
  type ResetResult,
  type StepResult,
  type StepView,
} from "./env.js";
import { Box, Discrete } from "./spaces.js";
import { checkBoolean, layerField, type LayerFields, LeafResumable, rngField } from "./resumable.js";

/** What a concrete env declares to {@link CoreEnv}. */
export interface CoreEnvSpec {
  readonly id: string;
  readonly observationSpace: Box;
  /** A Discrete space or a Box of size 1: every env here has a scalar action. */
  readonly actionSpace: Box | Discrete;
  /** Names of the `getState()` components, in order (the golden files' `state` layout). */
  readonly stateNames: readonly string[];
  /** How out-of-range Box actions are treated, quoted in error messages (e.g. "clipped to [-2, 2]"). */
  readonly outOfRangeRule?: string;
}

/**
 * Shared machinery of the physics envs: a Float64Array state, a scalar action (validated
 * once per step), a reusable {@link StepView} for the allocation-free `stepInPlace`, and a
 * Gymnasium-style `step` that writes the observation into a fresh array. Subclasses implement
 * `resetState`, `transition` (reads the validated action, writes `state`, `view.reward`,
 * `view.terminated`) and `writeObservation`.
 *
 * These are the unwrapped envs: `truncated` is always false here; time limits come from
 * the {@link TimeLimit} wrapper that `makeEnv` applies.
 */
export abstract class CoreEnv extends LeafResumable implements Env<number[], Action> {
  readonly id: string;
  readonly observationSpace: Box;
  readonly actionSpace: Box | Discrete;
  readonly maxEpisodeSteps: number | undefined = undefined;
  readonly stateNames: readonly string[];
  protected rng: Rng;
  protected readonly state: Float64Array;
  protected readonly view: StepView;
  private readonly discreteN: number;
  private readonly outOfRangeRule: string;
  private ready = false;

  constructor(spec: CoreEnvSpec, options: EnvOptions = {}) {
    super();
    this.id = spec.id;
    this.observationSpace = spec.observationSpace;
    this.actionSpace = spec.actionSpace;
    this.stateNames = spec.stateNames;
    if (options.rng !== undefined && !(options.rng instanceof Rng)) {
      throw new TypeError(`${spec.id}: options.rng must be an Rng (src/random), got ${String(options.rng)}`);
    }
    this.rng = options.rng ?? new Rng(DEFAULT_ENV_SEED);
    this.state = new Float64Array(spec.stateNames.length);
    this.view = {
      observation: new Float64Array(spec.observationSpace.size),
      reward: 0,
      terminated: false,
      truncated: false,
    };
    if (spec.actionSpace instanceof Discrete) {
      this.discreteN = spec.actionSpace.n;
    } else {
      if (spec.actionSpace.size !== 1)
        throw new RangeError(`${spec.id}: CoreEnv supports 1-D Box actions only`);
      this.discreteN = 0;
    }
    this.outOfRangeRule = spec.outOfRangeRule ?? "accepted as given";
  }

  /** Draws the initial state into `this.state` from `this.rng`. */
  protected abstract resetState(options: Readonly<Record<string, number>>): void;
  /** One transition with the validated scalar action `a`; sets `view.reward` and `view.terminated`. */
  protected abstract transition(a: number): void;
  /** Writes the observation of the current state into `out`. */
  protected abstract writeObservation(out: Float64Array): void;
  /** Hook after `setState` wrote `this.state` (e.g. to clear per-episode flags). */
  protected afterSetState(): void {}
  /**
   * Hidden mutable fields of a subclass that the future depends on beyond `getState()`, the
   * generator and the ready flag (e.g. CartPole's "already terminated"); default none.
   * Restore writes them after `setState`, so they override what `afterSetState` reset.
   */
  protected extraLayerFields(): LayerFields {
    return {};
  }
  /** Extra `info` of the last `step` (fresh object). */
  protected stepInfo(): Record<string, unknown> {
    return {};
  }

  reset(options: ResetOptions = {}): ResetResult {
    if (options.seed !== undefined) this.rng = new Rng(checkResetSeed(this.id, options.seed));
    this.resetState(options.options ?? {});
    this.ready = true;
    const observation = new Float64Array(this.observationSpace.size);
    this.writeObservation(observation);
    return { observation, info: {} };
  }

  stepInPlace(action: Action): StepView {
    this.advance(action);
    this.writeObservation(this.view.observation);
    return this.view;
  }

  step(action: Action): StepResult {
    this.advance(action);
    const observation = new Float64Array(this.view.observation.length);
    this.writeObservation(observation);
    return {
      observation,
      reward: this.view.reward,
      terminated: this.view.terminated,
      truncated: false,
      info: this.stepInfo(),
    };
  }

  /** Validates the action and runs the transition (reward and flags land in `view`). */
  private advance(action: Action): void {
    if (!this.ready) throw new Error(`${this.id}: call reset() (or setState()) before step()`);
    this.transition(this.scalarAction(action));
    this.view.truncated = false;
  }

  /** A copy of the internal state, layout `stateNames`. */
  getState(): number[] {
    return Array.from(this.state);
  }

  /** {@link getState} into `out[0 … stateNames.length − 1]`, allocation-free (for fused loops). */
  copyStateInto(out: Float64Array): void {
    out.set(this.state);
  }

  setState(state: readonly number[] | ArrayLike<number>): void {
    this.checkStateVector(state, this.stateNames.length);
    for (let i = 0; i < this.state.length; i++) this.state[i] = state[i];
    this.afterSetState();
    this.ready = true;
  }

  protected layerFields(): LayerFields {
    return {
      rng: rngField(
        () => this.rng,
        (rng) => {
          this.rng = rng;
        },
      ),
      ready: layerField(
        () => this.ready,
        checkBoolean,
        (ready) => {
          this.ready = ready;
        },
      ),
      ...this.extraLayerFields(),
    };
  }

  /** The current observation (fresh array), as reset would return it for the current state. */
  observe(): Float64Array {
    const out = new Float64Array(this.observationSpace.size);
    this.writeObservation(out);
    return out;
  }

  protected checkStateVector(state: ArrayLike<number>, length: number, alternative = ""): void {
    const layout = `[${this.stateNames.join(", ")}]`;
    if (state == null || typeof state !== "object" || typeof state.length !== "number") {
      throw new TypeError(
        `${this.id}.setState: state must be an array of ${length} numbers ${layout}${alternative}, got ${String(state)}`,
      );
    }
    if (state.length !== length) {
      throw new RangeError(
        `${this.id}.setState: state must have ${length} entries ${layout}${alternative}, got ${state.length}`,
      );
    }
    for (let i = 0; i < length; i++) {
      const x = state[i];
      if (typeof x !== "number" || !Number.isFinite(x)) {
        throw new RangeError(
          `${this.id}.setState: state[${i}] (${this.stateNames[i] ?? "h_max"}) must be a finite number, got ${String(x)}`,
        );
      }
    }
  }

  /** Validates an action and returns it as a scalar. */
  protected scalarAction(action: Action): number {
    let a: number;
    if (typeof action === "number") {
      a = action;
    } else if (action != null && typeof action === "object" && action.length === 1) {
      a = action[0];
    } else {
      throw new TypeError(
        `${this.id}.step: action must be ${this.describeActionSpace()}, got ${describeValue(action)}`,
      );
    }
    if (this.discreteN > 0) {
      if (!Number.isInteger(a) || a < 0 || a >= this.discreteN) {
        throw new RangeError(
          `${this.id}.step: action must be ${this.describeActionSpace()}, got ${describeValue(action)}`,
        );
      }
    } else if (typeof a !== "number" || !Number.isFinite(a)) {
      throw new RangeError(
        `${this.id}.step: action must be ${this.describeActionSpace()}, got ${describeValue(action)}`,
      );
    }
    return a;
  }

  private describeActionSpace(): string {
    if (this.discreteN > 0)
      return `an integer in {0, …, ${this.discreteN - 1}} (Discrete(${this.discreteN}))`;
    const box = this.actionSpace as Box;
    return `a finite number or a length-1 array (Box [${box.low[0]}, ${box.high[0]}]; out-of-range values are ${this.outOfRangeRule})`;
  }
}

function describeValue(x: unknown): string {
  if (typeof x === "number") return String(x);
  if (x != null && typeof x === "object" && typeof (x as ArrayLike<number>).length === "number") {
    const arr = Array.from(x as ArrayLike<number>);
    return `an array of length ${arr.length} [${arr.slice(0, 4).join(", ")}${arr.length > 4 ? ", …" : ""}]`;
  }
  return String(x);
}

/**
 * A `reset({seed})` seed: a 32-bit signed integer, each its own stream (never wrapped), else a
 * one-line RangeError. Run configs and the CLI take seeds in [0, 2³¹ − 1]; the negative half is
 * for streams the library derives itself (`deriveSeed`, e.g. LASER's evaluation episodes).
 */
export function checkResetSeed(envId: string, seed: unknown): number {
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < -MAX_SEED - 1 || seed > MAX_SEED)
    throw new RangeError(
      `${envId}.reset: seed must be an integer in [${-MAX_SEED - 1}, ${MAX_SEED}] (not wrapped), got ${String(seed)}`,
    );
  return seed;
}
