import type { Action, Env, ResetOptions, ResetResult, StepResult, StepView } from "./env.js";
import type { Box, Space } from "./spaces.js";
import {
  captureFields,
  isResumable,
  notResumable,
  prepareFields,
  restoreSnapshot,
  takeSnapshot,
  type EnvLayerSnapshot,
  type EnvSnapshot,
  type LayerFields,
  type Resumable,
} from "./resumable.js";

/**
 * Base of the Gymnasium-style wrappers: forwards everything to the inner env. Subclasses
 * override `reset`, `step` and `stepInPlace` (the fast path is always present on a wrapper;
 * when the inner env has none it falls back to `step`).
 *
 * Snapshots ({@link Resumable}): a wrapper's layer record holds its own {@link layerFields}
 * (none by default), followed by the inner env's layers; the inner env must be Resumable too.
 */
export class Wrapper<State = unknown, A extends Action = Action> implements Env<State, A>, Resumable {
  readonly env: Env<State, A>;
  private fallbackView: {
    observation: Float64Array;
    reward: number;
    terminated: boolean;
    truncated: boolean;
  } | null = null;

  constructor(env: Env<State, A>) {
    if (env == null || typeof env.step !== "function" || typeof env.reset !== "function") {
      throw new TypeError(`Wrapper: env must implement the Env interface (reset, step), got ${String(env)}`);
    }
    this.env = env;
  }

  get id(): string {
    return this.env.id;
  }
  get observationSpace(): Box {
    return this.env.observationSpace;
  }
  get actionSpace(): Space {
    return this.env.actionSpace;
  }
  get maxEpisodeSteps(): number | undefined {
    return this.env.maxEpisodeSteps;
  }
  /** The innermost env (all wrappers removed). */
  get unwrapped(): Env<State, A> {
    let e: Env<State, A> = this.env;
    while (e instanceof Wrapper) e = e.env;
    return e;
  }

  reset(options?: ResetOptions): ResetResult {
    return this.env.reset(options);
  }
  step(action: A): StepResult {
    return this.env.step(action);
  }
  stepInPlace(action: A): StepView {
    if (this.env.stepInPlace) return this.env.stepInPlace(action);
    const r = this.env.step(action);
    if (this.fallbackView === null || this.fallbackView.observation.length !== r.observation.length) {
      this.fallbackView = {
        observation: new Float64Array(r.observation.length),
        reward: 0,
        terminated: false,
        truncated: false,
      };
    }
    const v = this.fallbackView;
    v.observation.set(r.observation);
    v.reward = r.reward;
    v.terminated = r.terminated;
    v.truncated = r.truncated;
    return v;
  }
  /** Hidden mutable fields of this wrapper that the future depends on (counters); default none. */
  protected layerFields(): LayerFields {
    return {};
  }
  /** The complete resumable state of the chain (this wrapper's fields, then the inner env's). */
  snapshot(): EnvSnapshot {
    return takeSnapshot(this);
  }
  /** Restores a {@link snapshot} (validated first; a bad one throws and changes nothing). */
  restore(snapshot: EnvSnapshot): void {
    restoreSnapshot(this, snapshot);
  }
  captureLayers(): EnvLayerSnapshot[] {
    return [captureFields(this.layerFields()), ...this.resumableInner().captureLayers()];
  }
  prepareLayers(layers: readonly unknown[], offset: number, at: (i: number) => string): (() => void)[] {
    const own = prepareFields(this.layerFields(), layers[offset], at(offset), (values, where) =>
      this.checkLayer(values, where),
    );
    return [own, ...this.resumableInner().prepareLayers(layers, offset + 1, at)];
  }
  /** Checks between this wrapper's fields on restore (e.g. equal queue lengths); default none. */
  protected checkLayer(_values: Readonly<Record<string, unknown>>, _at: string): void {}

  private resumableInner(): Env<State, A> & Resumable {
    if (!isResumable(this.env)) throw notResumable(this.env, `${this.id} (${this.constructor.name})`);
    return this.env;
  }

  getState(): State {
    return this.env.getState();
  }
  setState(state: State): void {
    this.env.setState(state);
  }
}
