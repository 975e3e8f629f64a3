import type { Env } from "../envs/env.js";
import { deriveSeed, Rng } from "../random/rng.js";
import type { DqnAgent } from "./agent.js";

export interface EvaluationOptions {
  /** One episode per seed: `env.reset({seed})`, and the ε_eval draws come from `new Rng(deriveSeed(seed, 1))`. */
  seeds: readonly number[];
  /** ε of the evaluation policy (ε_eval; 0 = greedy). */
  epsilon: number;
  /** Step cap for envs without a time limit (the episode counts as truncated there). Default 100 000. */
  maxSteps?: number;
}

export interface EvaluationResult {
  returns: number[];
  lengths: number[];
  mean: number;
  std: number;
}

/**
 * Evaluation episodes on fixed seeds: the same seeds give the same episodes for the same network,
 * so two agents (or two checkpoints) are compared on identical start states and sticky-action draws.
 */
export function evaluateDqn(
  agent: DqnAgent,
  env: Env<unknown, number>,
  options: EvaluationOptions,
): EvaluationResult {
  const maxSteps = options.maxSteps ?? 100_000;
  if (options.seeds.length === 0) throw new RangeError("evaluateDqn: seeds must not be empty");
  if (!(options.epsilon >= 0 && options.epsilon <= 1))
    throw new RangeError(`evaluateDqn: epsilon must be in [0, 1], got ${options.epsilon}`);
  const returns: number[] = [];
  const lengths: number[] = [];
  for (const seed of options.seeds) {
    const rng = new Rng(deriveSeed(seed, 1));
    let { observation } = env.reset({ seed });
    let ret = 0;
    let t = 0;
    for (; t < maxSteps; t++) {
      const r = env.step(agent.act(observation, options.epsilon, rng));
      ret += r.reward;
      observation = r.observation;
      if (r.terminated || r.truncated) {
        t++;
        break;
      }
    }
    returns.push(ret);
    lengths.push(t);
  }
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length);
  return { returns, lengths, mean, std };
}
