import type { Env, StepView } from "../envs/env.js";
import type { Rng } from "../random/rng.js";
import type { TdAgent } from "./agent.js";
import { nStepTarget } from "./td-targets.js";

/** Growable per-episode storage: s_0 … s_T (T+1 states), a_0 … a_T, r_0 … r_{T−1}. */
class EpisodeTrace {
  states: Float64Array;
  actions: Int32Array;
  rewards: Float64Array;

  constructor(readonly stateDim: number) {
    this.states = new Float64Array(64 * stateDim);
    this.actions = new Int32Array(64);
    this.rewards = new Float64Array(64);
  }

  /** Makes room for index t (states, actions, rewards). */
  reserve(t: number): void {
    if (t < this.actions.length) return;
    const n = 2 * (t + 1);
    const grow = <T extends Float64Array | Int32Array>(a: T, size: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.states = grow(this.states, n * this.stateDim);
    this.actions = grow(this.actions, n);
    this.rewards = grow(this.rewards, n);
  }

  setState(t: number, obs: ArrayLike<number>): void {
    this.reserve(t);
    const S = this.stateDim;
    for (let d = 0; d < S; d++) this.states[t * S + d] = obs[d];
  }
}

export interface TdEpisodeOptions {
  /** Env steps taken before this episode (drives the ε schedule). */
  globalStep: number;
  /** Cut the episode after this many steps, as a truncation (bootstrapped). Default: none. */
  maxSteps?: number;
  /** `env.reset({ seed })` for this episode; default: continue the env's generator. */
  resetSeed?: number;
}

export interface TdEpisodeResult {
  /** Undiscounted return Σ_t r_t. */
  return: number;
  length: number;
  terminated: boolean;
  /** Cut by the env's time limit or by `maxSteps`. */
  truncated: boolean;
  /** Mean of ½(Q(s_t, a_t) − y_t)² over the episode's updates (NaN when none). */
  tdLoss: number;
  /** Mean target y_t over the episode's updates (NaN when none). */
  meanTarget: number;
  updates: number;
}

/**
 * One episode of online n-step TD learning (docs/value-learning.md §5). At each step t: take a_t
 * (chosen by the behaviour policy), observe r_t and s_{t+1}, choose a_{t+1}, then update the
 * transition t−n+1 whose n-step target is now known:
 *
 *   y_j = Σ_{k<m} γᵏ r_{j+k} + γᵐ B(s_{j+m}),   m = n,
 *
 * with B the agent's rule at the parameters of the moment. When the episode ends after T steps the
 * remaining transitions j ∈ [max(0, T−n), T) are updated with m = T − j: on termination
 * without a bootstrap term, on truncation (time limit or `maxSteps`) bootstrapping from s_T (SARSA
 * draws the a_T it would have taken). One optimizer step per target, in the order j = 0, 1, ….
 * Draws from `rng`: the behaviour's actions only.
 */
export function runTdEpisode(env: Env, agent: TdAgent, rng: Rng, options: TdEpisodeOptions): TdEpisodeResult {
  const S = agent.q.inputDim;
  const n = agent.nStep;
  const gamma = agent.gamma;
  const maxSteps = options.maxSteps ?? Infinity;
  if (!(maxSteps >= 1)) throw new RangeError(`runTdEpisode: maxSteps must be >= 1, got ${maxSteps}`);
  const trace = traceFor(agent, S);
  const obs0 = env.reset(
    options.resetSeed === undefined ? undefined : { seed: options.resetSeed },
  ).observation;
  if (obs0.length !== S)
    throw new RangeError(
      `runTdEpisode: env "${env.id}" observations have ${obs0.length} entries, Q expects ${S}`,
    );
  trace.setState(0, obs0);
  let step = options.globalStep;
  trace.actions[0] = agent.act(obs0, rng, step);
  const fast = typeof env.stepInPlace === "function";
  let total = 0;
  let lossSum = 0;
  let targetSum = 0;
  let updates = 0;
  const update = (j: number, m: number, terminated: boolean): void => {
    const end = j + m;
    const b = terminated
      ? 0
      : agent.bootstrap(trace.states.subarray(end * S, end * S + S), trace.actions[end], step);
    const y = nStepTarget(trace.rewards, j, m, gamma, terminated, b);
    lossSum += agent.tdStep(trace.states, j * S, trace.actions[j], y);
    targetSum += y;
    updates++;
  };
  let t = 0;
  let terminated: boolean;
  let truncated: boolean;
  for (;;) {
    const view: StepView = fast ? env.stepInPlace!(trace.actions[t]) : env.step(trace.actions[t]);
    trace.rewards[t] = view.reward;
    total += view.reward;
    t++;
    step++;
    trace.setState(t, view.observation);
    terminated = view.terminated;
    truncated = !terminated && (view.truncated || t >= maxSteps);
    if (terminated) trace.actions[t] = -1;
    else if (truncated)
      trace.actions[t] = agent.rule === "sarsa" ? agent.act(view.observation, rng, step) : -1;
    else trace.actions[t] = agent.act(view.observation, rng, step);
    if (terminated || truncated) break;
    if (t >= n) update(t - n, n, false);
  }
  for (let j = Math.max(0, t - n); j < t; j++) update(j, t - j, terminated);
  return {
    return: total,
    length: t,
    terminated,
    truncated,
    tdLoss: updates > 0 ? lossSum / updates : NaN,
    meanTarget: updates > 0 ? targetSum / updates : NaN,
    updates,
  };
}

const traces = new WeakMap<TdAgent, EpisodeTrace>();

function traceFor(agent: TdAgent, S: number): EpisodeTrace {
  let trace = traces.get(agent);
  if (!trace) {
    trace = new EpisodeTrace(S);
    traces.set(agent, trace);
  }
  return trace;
}

export interface GreedyEvaluation {
  returns: number[];
  lengths: number[];
  mean: number;
  std: number;
}

/**
 * Greedy episodes a = argmax_a Q(s, a) on fixed seeds (episode i resets with `seeds[i]`), cut
 * at `maxSteps` (default 100 000). Draws nothing from any run generator.
 */
export function evaluateGreedy(
  agent: TdAgent,
  env: Env,
  seeds: readonly number[],
  maxSteps = 100_000,
): GreedyEvaluation {
  if (seeds.length === 0) throw new RangeError("evaluateGreedy: seeds must not be empty");
  const returns: number[] = [];
  const lengths: number[] = [];
  for (const seed of seeds) {
    let obs: ArrayLike<number> = env.reset({ seed }).observation;
    let ret = 0;
    let t = 0;
    while (t < maxSteps) {
      const r = env.step(agent.greedy(obs));
      ret += r.reward;
      t++;
      if (r.terminated || r.truncated) break;
      obs = r.observation;
    }
    returns.push(ret);
    lengths.push(t);
  }
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length);
  return { returns, lengths, mean, std };
}
