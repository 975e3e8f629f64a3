import { makeEnv } from "../envs/registry.js";
import type { PolicyGradientAgent } from "../pg/agent.js";
import { mean } from "./stats.js";

/** Base of the evaluation seeds: evaluation episode i resets its env with seed EVAL_SEED + i. */
export const EVAL_SEED = 1_000_000;

export interface EvaluateOptions {
  /** Evaluation episodes (SB3's `n_eval_episodes`, default 10). */
  episodes?: number;
  /** Base seed; episode i uses `reset({ seed: seed + i })`. Default {@link EVAL_SEED}. */
  seed?: number;
  /** Steps per episode (default: the run's T). Actions are always the deterministic mean (SB3 `deterministic=True`). */
  maxSteps?: number;
}

export interface EvaluationResult {
  returns: number[];
  lengths: number[];
  meanReturn: number;
  stdReturn: number;
  seeds: number[];
}

/**
 * Evaluates a policy the way SB3's `evaluate_policy` does (`deterministic=True`): a separate
 * env, N episodes with fixed seeds (episode i: `reset({seed: EVAL_SEED + i})`), the mean
 * action μ(s) at every step, each episode cut at the run's T. Returns mean and (population)
 * standard deviation of the undiscounted returns. Touches no training generator.
 */
export function evaluatePolicy(
  agent: PolicyGradientAgent,
  config: { env: string; maxSteps: number },
  options: EvaluateOptions = {},
): EvaluationResult {
  const episodes = options.episodes ?? 10;
  if (!Number.isInteger(episodes) || episodes < 1)
    throw new RangeError(`evaluate: episodes must be an integer >= 1, got ${episodes}`);
  const base = options.seed ?? EVAL_SEED;
  const maxSteps = options.maxSteps ?? config.maxSteps;
  const env = makeEnv(config.env, { maxEpisodeSteps: null });
  const returns: number[] = [];
  const lengths: number[] = [];
  const seeds: number[] = [];
  for (let i = 0; i < episodes; i++) {
    const seed = base + i;
    seeds.push(seed);
    let obs: ArrayLike<number> = env.reset({ seed }).observation;
    let total = 0;
    let t = 0;
    while (t < maxSteps) {
      const step = env.step(agent.actDeterministic(obs));
      total += step.reward;
      t++;
      if (step.terminated || step.truncated) break;
      obs = step.observation;
    }
    returns.push(total);
    lengths.push(t);
  }
  const m = mean(returns) ?? Number.NaN;
  let v = 0;
  for (const r of returns) v += (r - m) * (r - m);
  return { returns, lengths, meanReturn: m, stdReturn: Math.sqrt(v / returns.length), seeds };
}
