import type { Env, StepView } from "../envs/env.js";
import type { PolicyHead } from "../heads/head.js";
import type { Parametrization } from "../parametrizations/parametrization.js";
import type { Rng } from "../random/rng.js";
import type { LearnResult } from "./agent.js";
import {
  TransitionBuffer,
  type BatchUpdateResult,
  type BatchUpdateRule,
  type BatchUpdateRuleFactory,
} from "./batch-update.js";
import type { UpdateRuleFactory } from "./reinforce-baseline.js";

/**
 * How episode ends reach the update. `clean`: a terminated episode ends with no bootstrap; one cut
 * by the env's time limit or by `maxSteps` is bootstrapped with V(s') (docs/tensor-pg.md §4).
 * `reference`: the LRPG authors' trainer: the time-limit flag is ignored (the episode runs on to
 * `maxSteps`) and every episode end is terminal.
 */
export type EpisodeProtocol = "clean" | "reference";

export interface TrainBatchedOptions {
  env: Env;
  /** The policy: z = actor(s), a ~ head(z). */
  actor: Parametrization;
  head: PolicyHead;
  rule: BatchUpdateRule;
  /** The run's generator: every action is sampled from it. */
  rng: Rng;
  episodes: number;
  /** Steps per episode at most. */
  maxSteps: number;
  /** One update per this many finished episodes (the reference: update_freq / max_steps = 10). */
  episodesPerUpdate: number;
  /** Default "clean". */
  protocol?: EpisodeProtocol;
  /** When given, the first reset is `env.reset({ seed: envSeed })`. */
  envSeed?: number;
  /** After each episode (and its update, if one ran); return false to stop. */
  onEpisode?: (
    episode: number,
    ret: number,
    length: number,
    update: BatchUpdateResult | null,
  ) => void | boolean;
}

export interface TrainBatchedResult {
  returns: Float64Array;
  lengths: Int32Array;
  totalSteps: number;
  updates: number;
}

/**
 * Rolls out episodes with a ~ π(·|actor(s)) and the sampling log-probs, collects them into a
 * {@link TransitionBuffer} and calls `rule.update` every `episodesPerUpdate` episodes (episodes
 * left over at the end are not used, as in the reference). Deterministic given the parameters,
 * `rng` and the env's state.
 */
export function trainBatched(options: TrainBatchedOptions): TrainBatchedResult {
  const { env, actor, head, rule, rng, episodes, maxSteps, episodesPerUpdate, envSeed, onEpisode } = options;
  const protocol = options.protocol ?? "clean";
  const who = "trainBatched";
  if (!Number.isInteger(episodes) || episodes < 0)
    throw new RangeError(`${who}: episodes must be an integer >= 0, got ${episodes}`);
  if (!Number.isInteger(maxSteps) || maxSteps < 1)
    throw new RangeError(`${who}: maxSteps must be an integer >= 1, got ${maxSteps}`);
  if (!Number.isInteger(episodesPerUpdate) || episodesPerUpdate < 1)
    throw new RangeError(`${who}: episodesPerUpdate must be an integer >= 1, got ${episodesPerUpdate}`);
  if (protocol !== "clean" && protocol !== "reference")
    throw new RangeError(`${who}: protocol must be "clean" or "reference", got ${String(protocol)}`);
  if (actor.outputDim !== head.inputDim)
    throw new RangeError(`${who}: the actor has ${actor.outputDim} outputs, the head reads ${head.inputDim}`);
  const S = actor.inputDim;
  const buffer = new TransitionBuffer(S, episodesPerUpdate * maxSteps);
  const z = new Float64Array(head.inputDim);
  const obs = new Float64Array(S);
  const returns = new Float64Array(episodes);
  const lengths = new Int32Array(episodes);
  let totalSteps = 0;
  let updates = 0;
  let run = 0;
  for (let e = 0; e < episodes; e++) {
    const first = env.reset(e === 0 && envSeed !== undefined ? { seed: envSeed } : undefined).observation;
    if (first.length !== S)
      throw new RangeError(
        `${who}: env "${env.id}" observations have ${first.length} entries, the actor reads ${S}`,
      );
    obs.set(first);
    let ret = 0;
    let t = 0;
    let terminated = false;
    while (t < maxSteps) {
      actor.forwardOne(obs, z, 0);
      const a = head.sample(z, 0, rng);
      const lp = head.logProb(z, 0, a);
      const view: StepView = env.stepInPlace ? env.stepInPlace(a) : env.step(a);
      buffer.push(obs, a, view.reward, lp);
      ret += view.reward;
      t++;
      obs.set(view.observation);
      terminated = view.terminated;
      if (terminated) break;
      if (view.truncated && protocol === "clean") break;
    }
    buffer.endEpisode(protocol === "reference" || terminated, obs);
    totalSteps += t;
    returns[e] = ret;
    lengths[e] = t;
    run = e + 1;
    let result: BatchUpdateResult | null = null;
    if (buffer.episodeCount === episodesPerUpdate) {
      result = rule.update(buffer);
      buffer.clear();
      updates++;
    }
    if (onEpisode && onEpisode(e, ret, t, result) === false) break;
  }
  return { returns: returns.subarray(0, run), lengths: lengths.subarray(0, run), totalSteps, updates };
}

/**
 * Adapts a batch rule to the per-episode `UpdateRule` of `ComposedAgent.learn`: the
 * episodes are collected and the batch rule runs once every `episodesPerUpdate` of them, so an
 * existing per-episode loop (`trainReinforce`) trains with GAE, PPO or TRPO. A per-episode
 * `learn` does not say how the episode ended, so every episode counts as terminated (the
 * reference protocol, docs/tensor-pg.md §8), and the log-probs are evaluated at the update (the
 * policy has not changed since the episodes were sampled). Learn calls without an update return
 * NaN losses.
 */
export function everyKEpisodes(
  factory: BatchUpdateRuleFactory,
  episodesPerUpdate: number,
): UpdateRuleFactory {
  if (!Number.isInteger(episodesPerUpdate) || episodesPerUpdate < 1)
    throw new RangeError(
      `everyKEpisodes: episodesPerUpdate must be an integer >= 1, got ${episodesPerUpdate}`,
    );
  return (parts, gamma) => {
    const rule = factory(parts, gamma);
    const S = parts.actor.inputDim;
    const buffer = new TransitionBuffer(S);
    return {
      learn(states: Float64Array, actions: Float64Array, rewards: Float64Array, T: number): LearnResult {
        for (let t = 0; t < T; t++) buffer.push(states.subarray(t * S, (t + 1) * S), actions[t], rewards[t]);
        buffer.endEpisode(true);
        if (buffer.episodeCount < episodesPerUpdate) return { lossActor: NaN, lossCritic: NaN };
        const r = rule.update(buffer);
        buffer.clear();
        return { lossActor: r.lossActor, lossCritic: r.lossCritic };
      },
    };
  };
}
