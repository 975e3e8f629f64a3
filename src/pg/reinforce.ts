import type { Env, StepView } from "../envs/env.js";
import type { Rng } from "../random/rng.js";
import type { PolicyGradientAgent } from "./agent.js";
import { EpisodeBuffer } from "./episode-buffer.js";

/** What the training loop reports after each episode (one object, reused: copy what you keep). */
export interface EpisodeReport {
  /** 0-based episode index. */
  episode: number;
  /** Undiscounted return Σ_t r_t. */
  return: number;
  /** Steps taken T (≤ maxSteps). */
  length: number;
  /** The env reported a terminal state on the last step. */
  terminated: boolean;
  /** The env's own time limit cut the episode (being cut at maxSteps is neither). */
  truncated: boolean;
  lossActor: number;
  lossCritic: number;
  /** Env steps since the start of training, this episode included. */
  totalSteps: number;
  /** The episode's states/actions/rewards (buffer reused by the next episode). */
  buffer: EpisodeBuffer;
}

export interface TrainReinforceOptions {
  env: Env;
  agent: PolicyGradientAgent;
  /** Number of episodes (the reference's "epochs"). */
  episodes: number;
  /** T: each episode is cut after this many steps (no bootstrap). */
  maxSteps: number;
  /** The run's generator: every action is sampled from it. */
  rng: Rng;
  /** When given, the first reset is `env.reset({ seed: envSeed })`; later resets continue the env's generator. */
  envSeed?: number;
  /** Called after each episode's update; return `false` to stop training early. */
  onEpisode?: (report: EpisodeReport) => void | boolean;
  /** Skip the updates (evaluate a fixed stochastic policy). Default true. */
  learn?: boolean;
  /**
   * Use the agent's fused episode loop for this env when it has one (`agent.fusedEpisodes`,
   * bit-identical results). Default true; false runs `runEpisode` + `agent.learn`.
   */
  fused?: boolean;
}

export interface TrainReinforceResult {
  /** Undiscounted return of every episode run. */
  returns: Float64Array;
  lengths: Int32Array;
  totalSteps: number;
  /** Episodes actually run (less than requested when `onEpisode` stopped training). */
  episodes: number;
}

/**
 * Runs one episode of at most `buffer.capacity` steps with a ~ agent.act(s, rng), storing
 * (s_t, a_t, r_t) in `buffer` (cleared first). Uses the env's allocation-free `stepInPlace`
 * when it has one. Returns whether the env terminated / truncated on the last step.
 */
export function runEpisode(
  env: Env,
  agent: PolicyGradientAgent,
  rng: Rng,
  buffer: EpisodeBuffer,
  resetSeed?: number,
): { terminated: boolean; truncated: boolean } {
  buffer.clear();
  const S = buffer.stateDim;
  const states = buffer.states;
  const actions = buffer.actions;
  const rewards = buffer.rewards;
  const T = buffer.capacity;
  let obs: ArrayLike<number> = env.reset(
    resetSeed === undefined ? undefined : { seed: resetSeed },
  ).observation;
  if (obs.length !== S) {
    throw new RangeError(
      `trainReinforce: env "${env.id}" observations have ${obs.length} entries, agent expects stateDim ${S}`,
    );
  }
  const fast = typeof env.stepInPlace === "function";
  let terminated = false;
  let truncated = false;
  let t = 0;
  while (t < T) {
    const base = t * S;
    for (let d = 0; d < S; d++) states[base + d] = obs[d];
    const a = agent.act(obs, rng);
    actions[t] = a;
    let view: StepView;
    if (fast) view = env.stepInPlace!(a);
    else view = env.step(a);
    rewards[t] = view.reward;
    t++;
    terminated = view.terminated;
    truncated = view.truncated;
    if (terminated || truncated) break;
    obs = view.observation;
  }
  buffer.length = t;
  return { terminated, truncated };
}

/**
 * REINFORCE with a learned value baseline, the LRPG reference code's loop (docs/lrpg.md):
 * per episode, reset, roll out at most `maxSteps` steps
 * sampling from the policy, then call `agent.learn(episode)` once (Monte-Carlo returns, no
 * bootstrap). Deterministic given the agent's parameters, `rng`'s state and the env's state.
 * Allocates nothing per step (preallocated buffers, the env's `stepInPlace`).
 */
export function trainReinforce(options: TrainReinforceOptions): TrainReinforceResult {
  const { env, agent, episodes, maxSteps, rng, envSeed, onEpisode } = options;
  const doLearn = options.learn ?? true;
  if (!Number.isInteger(episodes) || episodes < 0) {
    throw new RangeError(`trainReinforce: episodes must be an integer >= 0, got ${episodes}`);
  }
  if (!Number.isInteger(maxSteps) || maxSteps < 1) {
    throw new RangeError(`trainReinforce: maxSteps must be an integer >= 1, got ${maxSteps}`);
  }
  const buffer = new EpisodeBuffer(agent.stateDim, maxSteps);
  const fused = options.fused === false ? null : (agent.fusedEpisodes?.(env) ?? null);
  const returns = new Float64Array(episodes);
  const lengths = new Int32Array(episodes);
  let totalSteps = 0;
  const report: EpisodeReport = {
    episode: 0,
    return: 0,
    length: 0,
    terminated: false,
    truncated: false,
    lossActor: NaN,
    lossCritic: NaN,
    totalSteps: 0,
    buffer,
  };
  let run = 0;
  for (let e = 0; e < episodes; e++) {
    const seed = e === 0 ? envSeed : undefined;
    const end = fused ? fused.runEpisode(rng, buffer, seed) : runEpisode(env, agent, rng, buffer, seed);
    let lossActor = NaN;
    let lossCritic = NaN;
    if (doLearn) {
      const r = fused ? fused.learnRecorded(buffer) : agent.learn(buffer);
      lossActor = r.lossActor;
      lossCritic = r.lossCritic;
    }
    const ret = buffer.totalReward();
    returns[e] = ret;
    lengths[e] = buffer.length;
    totalSteps += buffer.length;
    run = e + 1;
    if (onEpisode) {
      report.episode = e;
      report.return = ret;
      report.length = buffer.length;
      report.terminated = end.terminated;
      report.truncated = end.truncated;
      report.lossActor = lossActor;
      report.lossCritic = lossCritic;
      report.totalSteps = totalSteps;
      if (onEpisode(report) === false) break;
    }
  }
  return {
    returns: run === episodes ? returns : returns.slice(0, run),
    lengths: run === episodes ? lengths : lengths.slice(0, run),
    totalSteps,
    episodes: run,
  };
}

/**
 * Number of episodes needed until the `window`-episode moving average of `returns` first
 * reaches `threshold`: the smallest n ≥ window with mean(returns[n−window … n−1]) ≥ threshold,
 * or null if it never does. The reference's convergence measure uses window 20, threshold 90.
 */
export function episodesToThreshold(
  returns: ArrayLike<number>,
  threshold: number,
  window = 20,
): number | null {
  if (!Number.isInteger(window) || window < 1)
    throw new RangeError(`episodesToThreshold: window must be an integer >= 1, got ${window}`);
  for (let n = window; n <= returns.length; n++) {
    let sum = 0;
    for (let e = n - window; e < n; e++) sum += returns[e];
    if (sum / window >= threshold) return n;
  }
  return null;
}
