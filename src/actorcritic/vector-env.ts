import type { Env, StepView } from "../envs/env.js";
import { fastStepper, type FastEnv } from "../envs/fast-stepper.js";
import { isResumable, type EnvSnapshot } from "../envs/resumable.js";

/** One finished episode of one copy. */
export interface VectorEpisode {
  readonly env: number;
  readonly return: number;
  readonly length: number;
  /** Total steps of all copies when it ended. */
  readonly globalStep: number;
}

/** The resumable state of a {@link SyncVectorEnv}: each copy's snapshot and the running counters. */
export interface VectorEnvSnapshot {
  readonly envs: readonly EnvSnapshot[];
  readonly observations: readonly number[];
  readonly episodeReturns: readonly number[];
  readonly episodeLengths: readonly number[];
  readonly globalStep: number;
}

/**
 * E copies of an env stepped in lockstep (Gymnasium's SyncVectorEnv with autoreset in the same step):
 * `step(actions)` steps every copy; a copy whose episode ended (terminated or truncated) is reset at
 * once, so `observations` row e is always the next state to act in, and the ended episode's last
 * observation is kept in `finalObservations` row e (the state a truncated episode would bootstrap from).
 * Copies draw their resets from their own generators (give each a fork of the run's Rng).
 */
export class SyncVectorEnv {
  readonly numEnvs: number;
  readonly observationSize: number;
  /** E × observationSize, row e = copy e's current observation. */
  readonly observations: Float64Array;
  /** E × observationSize: the last observation of the episodes that ended in the latest step. */
  readonly finalObservations: Float64Array;
  readonly rewards: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** Episodes finished in the latest step. */
  readonly finished: VectorEpisode[] = [];
  private readonly envs: FastEnv[];
  private readonly episodeReturns: Float64Array;
  private readonly episodeLengths: Int32Array;
  private steps = 0;

  constructor(envs: readonly Env[]) {
    if (envs.length === 0) throw new RangeError("SyncVectorEnv needs at least one env");
    this.envs = envs.map((e) => fastStepper(e));
    this.numEnvs = envs.length;
    this.observationSize = envs[0].observationSpace.shape.reduce((a, b) => a * b, 1);
    for (const e of envs)
      if (e.observationSpace.shape.reduce((a, b) => a * b, 1) !== this.observationSize)
        throw new RangeError("SyncVectorEnv: every copy must have the same observation size");
    const n = this.numEnvs;
    this.observations = new Float64Array(n * this.observationSize);
    this.finalObservations = new Float64Array(n * this.observationSize);
    this.rewards = new Float64Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.episodeReturns = new Float64Array(n);
    this.episodeLengths = new Int32Array(n);
  }

  /** Total env steps taken (all copies). */
  get globalStep(): number {
    return this.steps;
  }

  /** Resets every copy (copy e with seed `seed + e` when a seed is given). */
  reset(seed?: number): Float64Array {
    this.envs.forEach((env, e) => {
      const { observation } = env.reset(seed === undefined ? undefined : { seed: seed + e });
      this.observations.set(observation, e * this.observationSize);
    });
    this.episodeReturns.fill(0);
    this.episodeLengths.fill(0);
    return this.observations;
  }

  /** Steps copy e with actions[e]; resets the copies whose episode ended. */
  step(actions: ArrayLike<number>): void {
    const d = this.observationSize;
    this.finished.length = 0;
    for (let e = 0; e < this.numEnvs; e++) {
      const env = this.envs[e];
      const view: StepView = env.stepInPlace(actions[e]);
      this.steps++;
      this.rewards[e] = view.reward;
      this.terminated[e] = view.terminated ? 1 : 0;
      this.truncated[e] = view.truncated ? 1 : 0;
      this.episodeReturns[e] += view.reward;
      this.episodeLengths[e] += 1;
      if (view.terminated || view.truncated) {
        this.finalObservations.set(view.observation, e * d);
        this.finished.push({
          env: e,
          return: this.episodeReturns[e],
          length: this.episodeLengths[e],
          globalStep: this.steps,
        });
        this.episodeReturns[e] = 0;
        this.episodeLengths[e] = 0;
        this.observations.set(env.reset().observation, e * d);
      } else {
        this.observations.set(view.observation, e * d);
      }
    }
  }

  snapshot(): VectorEnvSnapshot {
    return {
      envs: this.envs.map((env, e) => {
        if (!isResumable(env)) throw new Error(`SyncVectorEnv: copy ${e} (${env.id}) cannot snapshot`);
        return env.snapshot();
      }),
      observations: Array.from(this.observations),
      episodeReturns: Array.from(this.episodeReturns),
      episodeLengths: Array.from(this.episodeLengths),
      globalStep: this.steps,
    };
  }

  restore(s: VectorEnvSnapshot): void {
    if (s.envs.length !== this.numEnvs)
      throw new RangeError(
        `SyncVectorEnv.restore: envs has ${s.envs.length} copies, expected ${this.numEnvs}`,
      );
    if (s.observations.length !== this.observations.length)
      throw new RangeError(
        `SyncVectorEnv.restore: observations must have length ${this.observations.length}`,
      );
    this.envs.forEach((env, e) => {
      if (!isResumable(env)) throw new Error(`SyncVectorEnv: copy ${e} (${env.id}) cannot restore`);
      env.restore(s.envs[e]);
    });
    this.observations.set(s.observations);
    this.episodeReturns.set(s.episodeReturns);
    this.episodeLengths.set(s.episodeLengths);
    this.steps = s.globalStep;
  }
}
