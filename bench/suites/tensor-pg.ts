/**
 * Tensor-low-rank policy-gradient throughput on the reference pendulum (docs/trpo.md §9): env
 * steps per CPU-second of the whole training loop (rollouts and updates) of `exp:tensor-pendulum`
 * under `--protocol reference` (1 000-step Pendulum-v1 episodes, one update per 10 episodes), for
 * REINFORCE (GAE actor-critic), PPO and TRPO × the CP tensor, the tanh NN and the RBF model.
 *
 * Each figure is the best of `REPEATS` fresh runs of `EPISODES[model]` episodes (seed 0 … ),
 * counted in this process's CPU time, after one untimed run of the same length (so that the
 * figure is the loop's steady rate, as in the experiments' runs of hundreds of episodes, not the
 * JIT's warm-up), and is also given as a ratio to the authors' reference code, whose rates were
 * measured outside this repository (docs/results/tensor-pg.md, "The reference code's speed"):
 * `…_x_ref` divides by its rate for the same algorithm and model (CP tensor and NN; RBF was not
 * measured), `…_x_ref_slow` by its slowest measured rate, `…_x_ref_fast` by its fastest.
 */
import { makeEnv } from "../../src/envs/registry.js";
import { Rng } from "../../src/random/rng.js";
import { trainBatches } from "../../experiments/lib/batch-train.js";
import {
  buildModel,
  tensorPgModelSpec,
  tensorPgRule,
  type TensorPgAlgo,
  type TensorPgModel,
  type TensorPgModelHyper,
  type TensorPgRuleHyper,
} from "../../experiments/lib/tensor-models.js";

export const name = "tensor-pg";

/**
 * The reference code's env steps per CPU-second (1 thread), slowest and fastest of its runs: a
 * constant measured elsewhere, not in this run (docs/results/tensor-pg.md says how).
 */
export const REFERENCE_STEPS_PER_CPU_SECOND = { slow: 3900, fast: 5300 } as const;

/**
 * The reference code's env steps per CPU-second per algorithm and model (median over its seeds,
 * whole training loop, 1 thread, 1 000-step episodes): constants measured elsewhere, on the
 * project's shared machine, not in this run (docs/results/tensor-pg.md lists them).
 */
export const REFERENCE_STEPS_PER_CPU_SECOND_BY_MODEL: Record<
  TensorPgAlgo,
  Partial<Record<TensorPgModel, number>>
> = {
  reinforce: { tensor: 4866, nn: 5308 },
  ppo: { tensor: 3891, nn: 5117 },
  trpo: { tensor: 4598, nn: 5061 },
};

// The reference pendulum's hyperparameters, as experiments/tensor-pendulum.ts sets them.
const MAX_STEPS = 1000;
const UPDATE_EVERY = 10_000;
const LR_ACTOR = 1e-3;
const RULE: TensorPgRuleHyper = {
  gamma: 0.9,
  tau: 0.9,
  epochs: 10,
  ppoClip: 0.3,
  trpo: { maxKl: 0.01, damping: 1e-3, cgIterations: 5, cgTolerance: 1e-10 },
};
const MODEL: TensorPgModelHyper = {
  tensorGrid: { low: [-1, -1, -5], high: [1, 1, 5], buckets: 10 },
  tensorGridTrpo: { low: [-1, -1, -5], high: [1, 1, 10], buckets: 10 },
  tensorRank: 5,
  tensorActorScale: 0.1,
  tensorCriticScale: 1,
  tensorLogSigmaClamp: [-2.5, 0],
  tensorSigmaRank: 2,
  nnHidden: 64,
  rbfFeatures: 300,
  baselineLogSigmaClamp: [-2, 0],
};
/**
 * Episodes per timed run (whole updates: a multiple of 10). The CP tensor runs 100 (10 updates):
 * with 40, TRPO's update code was still being re-optimised by the JIT during the timed runs and
 * read 335–400 k steps per CPU-second against 566–740 k once warm.
 */
const EPISODES: Record<TensorPgModel, number> = { tensor: 100, "tensor-sigma": 100, nn: 20, rbf: 20 };
const REPEATS = 2;
/** Untimed runs before the timed ones, per algorithm and model. */
const WARMUP = 1;
const ALGOS: TensorPgAlgo[] = ["reinforce", "ppo", "trpo"];
const MODELS: TensorPgModel[] = ["tensor", "nn", "rbf"];

/** Steps per CPU-second of one fresh reference-protocol run of `algo` × `model` from `seed`. */
export function stepsPerCpuSecond(
  algo: TensorPgAlgo,
  model: TensorPgModel,
  seed: number,
  episodes: number,
): number {
  const rng = new Rng(seed);
  const m = buildModel(tensorPgModelSpec(model, algo, MODEL), 3, rng, LR_ACTOR, LR_ACTOR);
  const rule = tensorPgRule(algo, m, "reference", RULE);
  const env = makeEnv("Pendulum-v1", { g: 9.81, maxEpisodeSteps: MAX_STEPS, rng: rng.fork() });
  const r = trainBatches({
    env,
    actor: m.actor,
    head: m.head,
    rule,
    rng,
    episodes,
    maxSteps: MAX_STEPS,
    updateEvery: UPDATE_EVERY,
    protocol: "reference",
    envSeed: seed,
  });
  return r.steps / r.cpuSeconds;
}

export async function run(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const algo of ALGOS)
    for (const model of MODELS) {
      for (let k = 0; k < WARMUP; k++) stepsPerCpuSecond(algo, model, k, EPISODES[model]);
      let best = 0;
      for (let k = 0; k < REPEATS; k++)
        best = Math.max(best, stepsPerCpuSecond(algo, model, k, EPISODES[model]));
      const key = `tensor-pg.${algo}.${model}`;
      out[`${key}.steps_per_cpu_s`] = best;
      const ref = REFERENCE_STEPS_PER_CPU_SECOND_BY_MODEL[algo][model];
      if (ref !== undefined) out[`${key}.x_ref`] = best / ref;
      out[`${key}.x_ref_slow`] = best / REFERENCE_STEPS_PER_CPU_SECOND.slow;
      out[`${key}.x_ref_fast`] = best / REFERENCE_STEPS_PER_CPU_SECOND.fast;
    }
  return out;
}
