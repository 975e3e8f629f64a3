import type { Action, Env } from "../envs/env.js";
import { deriveSeed, Rng } from "../random/rng.js";

/** What the evaluator needs from a policy: a sampled action and a deterministic one. */
export interface ActingPolicy<A extends Action = Action> {
  act(observation: Float64Array, rng: Rng): A;
  actDeterministic(observation: Float64Array): A;
}

export type EvaluationMode = "deterministic" | "stochastic";

export interface EvaluationOptions {
  /** One episode per seed; the SAME list is used for every trial (common random numbers). */
  readonly episodeSeeds: readonly number[];
  readonly mode: EvaluationMode;
  /**
   * Step cap per episode. Required when the env has no registered time limit
   * (`env.maxEpisodeSteps` undefined, e.g. the paper envs or MinAtar Breakout); otherwise the smaller applies.
   */
  readonly maxSteps?: number;
}

/** Salt mixed into an episode seed to seed the policy's action sampler (distinct from the env's stream). */
const ACTION_STREAM = 0x1a5e7;

/** `count` evaluation seeds derived from `baseSeed` (deriveSeed(base, i), i = 0 … count − 1). */
export function makeEvaluationSeeds(baseSeed: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`evaluation episode count must be an integer >= 1, got ${count}`);
  return Array.from({ length: count }, (_, i) => deriveSeed(baseSeed, i));
}

/**
 * An env, or a factory called once per episode. Prefer the factory when the env carries state across
 * resets (MinAtar's sticky-action memory survives `reset`): a fresh env per episode makes episode i
 * independent of what the policy did in episode i − 1, so paired differences stay per-seed.
 */
export type EnvSource<A extends Action> = Env<unknown, A> | (() => Env<unknown, A>);

/**
 * Undiscounted return of one episode per seed. Episode i resets the env with `seed = episodeSeeds[i]`
 * and, in stochastic mode, samples actions from `new Rng(deriveSeed(seed, ACTION_STREAM))`, so two
 * evaluations of the same weights give bit-identical returns and two evaluations of different
 * weights see the same start states and the same noise (paired comparison).
 */
export function evaluateReturns<A extends Action>(
  source: EnvSource<A>,
  policy: ActingPolicy<A>,
  options: EvaluationOptions,
): Float64Array {
  const { episodeSeeds, mode } = options;
  const envFor = typeof source === "function" ? source : () => source;
  let env = envFor();
  if (episodeSeeds.length === 0) throw new RangeError("evaluateReturns: episodeSeeds is empty");
  if (mode !== "deterministic" && mode !== "stochastic")
    throw new RangeError(`evaluation mode must be "deterministic" or "stochastic", got ${String(mode)}`);
  const cap = Math.min(options.maxSteps ?? Infinity, env.maxEpisodeSteps ?? Infinity);
  if (!Number.isFinite(cap)) {
    throw new RangeError(
      `env ${env.id} has no time limit: pass maxSteps (a positive integer) to evaluateReturns`,
    );
  }
  if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`maxSteps must be an integer >= 1, got ${cap}`);
  const returns = new Float64Array(episodeSeeds.length);
  for (let e = 0; e < episodeSeeds.length; e++) {
    const seed = episodeSeeds[e];
    if (e > 0 && typeof source === "function") env = envFor();
    let observation = env.reset({ seed }).observation;
    const rng = new Rng(deriveSeed(seed, ACTION_STREAM));
    let total = 0;
    for (let t = 0; t < cap; t++) {
      const action =
        mode === "deterministic" ? policy.actDeterministic(observation) : policy.act(observation, rng);
      const step = env.step(action);
      total += step.reward;
      observation = step.observation;
      if (step.terminated || step.truncated) break;
    }
    returns[e] = total;
  }
  return returns;
}
