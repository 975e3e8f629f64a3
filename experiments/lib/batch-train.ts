import type { PolicyHead } from "../../src/heads/head.js";
import type { Parametrization } from "../../src/parametrizations/parametrization.js";
import { TransitionBuffer, type BatchUpdateRule } from "../../src/pg/batch-update.js";
import type { Rng } from "../../src/random/rng.js";

/**
 * How episodes end and are stored (docs/trpo.md §9):
 *   reference: the LRPG authors' trainer — the time-limit flag is dropped, an episode runs
 *              `maxSteps` steps and is stored as terminated (no bootstrap at the cut);
 *   clean:     the same `maxSteps` horizon, but a cut episode is stored as truncated and GAE
 *              bootstraps V(s') of the state after its last step.
 */
export type Protocol = "reference" | "clean";

/** What the loop needs of an env: Gymnasium's reset and step with a scalar action. */
export interface RolloutEnv {
  reset(options?: { seed?: number }): { observation: Float64Array };
  step(action: number): {
    observation: Float64Array;
    reward: number;
    terminated: boolean;
    truncated: boolean;
  };
  /** `step` into a reused observation buffer (valid until the next step or reset), when the env has it. */
  stepInPlace?(action: number): {
    observation: Float64Array;
    reward: number;
    terminated: boolean;
    truncated: boolean;
  };
}

export interface BatchTrainOptions {
  env: RolloutEnv;
  actor: Parametrization;
  head: PolicyHead;
  rule: BatchUpdateRule;
  /** Samples the actions. */
  rng: Rng;
  episodes: number;
  /** Steps per episode at most (the reference's max_steps). */
  maxSteps: number;
  /** Update once the batch holds ≥ this many transitions, at an episode end (the reference's update_freq). */
  updateEvery: number;
  protocol: Protocol;
  /** Seed of the env's first reset (later resets continue its generator). */
  envSeed?: number;
  onEpisode?: (episode: number, ret: number) => void;
  /** Ends the run after an episode (and its update, if one was due) when this returns true. */
  stopWhen?: (returns: readonly number[]) => boolean;
}

export interface BatchTrainResult {
  returns: number[];
  steps: number;
  updates: number;
  /** CPU-process seconds of the loop. */
  cpuSeconds: number;
}

/**
 * Rolls out episodes with a ~ π(·|f_θ(s)) (unclipped sample; the env clips), stores
 * (s, a, r, log π(a|s)) in a {@link TransitionBuffer}, and calls `rule.update` on the whole
 * buffer once it holds ≥ `updateEvery` transitions at an episode's end, then clears it.
 */
export function trainBatches(o: BatchTrainOptions): BatchTrainResult {
  const { env, actor, head, rule, rng, maxSteps } = o;
  const S = actor.inputDim;
  const buffer = new TransitionBuffer(S, o.updateEvery + maxSteps);
  const z = new Float64Array(head.inputDim);
  const obs = new Float64Array(S);
  const returns: number[] = [];
  let steps = 0;
  let updates = 0;
  const inPlace = typeof env.stepInPlace === "function";
  const cpu0 = process.cpuUsage();
  for (let e = 0; e < o.episodes; e++) {
    obs.set(env.reset(e === 0 && o.envSeed !== undefined ? { seed: o.envSeed } : undefined).observation);
    let ret = 0;
    let terminated = false;
    let t = 0;
    while (t < maxSteps) {
      actor.forwardOne(obs, z, 0);
      const a = head.sample(z, 0, rng);
      const lp = head.logProb(z, 0, a);
      const view = inPlace ? env.stepInPlace!(a) : env.step(a);
      buffer.push(obs, a, view.reward, lp);
      ret += view.reward;
      t++;
      obs.set(view.observation); // after the last step: the final state
      if (view.terminated) {
        terminated = true;
        break;
      }
      if (view.truncated && o.protocol === "clean") break;
    }
    steps += t;
    buffer.endEpisode(o.protocol === "reference" ? true : terminated, obs);
    returns.push(ret);
    o.onEpisode?.(e, ret);
    if (buffer.length >= o.updateEvery) {
      rule.update(buffer);
      updates++;
      buffer.clear();
    }
    if (o.stopWhen?.(returns)) break;
  }
  const cpu = process.cpuUsage(cpu0);
  return { returns, steps, updates, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** First n ≥ window with mean(returns[n − window … n − 1]) ≥ threshold, else null. */
export function episodesToReach(
  returns: readonly number[],
  threshold: number,
  window: number,
): number | null {
  for (let n = window; n <= returns.length; n++) {
    let s = 0;
    for (let i = n - window; i < n; i++) s += returns[i];
    if (s / window >= threshold) return n;
  }
  return null;
}
